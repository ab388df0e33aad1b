//! The vCPU recommendation (1–8) from sustained load, with hysteresis so it does not flap.
//!
//! Load is the CPU the agent uses, in vCPUs, smoothed (EWMA). The recommendation rises when
//! the smoothed load needs more vCPUs at 70 % utilisation for a sustained period, and falls
//! only when it would fit in fewer at 40 % for a longer one; a backlog of closed candles that
//! keeps growing also calls for one more vCPU.

/// Target utilisation when growing, and the ceiling for shrinking.
const GROW_AT: f64 = 0.70;
const SHRINK_BELOW: f64 = 0.40;
pub const MIN_VCPUS: u32 = 1;
pub const MAX_VCPUS: u32 = 8;

/// Turns load samples into a recommendation.
#[derive(Debug, Clone)]
pub struct ScaleAdvisor {
    smoothed: Option<f64>,
    alpha: f64,
    recommendation: u32,
    /// Samples in a row that asked for more / for fewer.
    up: u32,
    down: u32,
    grow_after: u32,
    shrink_after: u32,
    last_backlog: i64,
}

impl ScaleAdvisor {
    /// `vcpus`: what the machine has now. `sample_secs`: the sampling period; growing needs
    /// 1 minute of sustained load, shrinking 10 minutes of quiet.
    pub fn new(vcpus: u32, sample_secs: u64) -> Self {
        let per_minute = (60 / sample_secs.max(1)).max(1) as u32;
        Self {
            smoothed: None,
            // ≈ 1-minute time constant.
            alpha: 1.0 / f64::from(per_minute),
            recommendation: vcpus.clamp(MIN_VCPUS, MAX_VCPUS),
            up: 0,
            down: 0,
            grow_after: per_minute,
            shrink_after: per_minute * 10,
            last_backlog: 0,
        }
    }

    /// One sample: CPU use of all `vcpus` (0–100) and the closed candles waiting.
    pub fn sample(&mut self, cpu_percent: f64, vcpus: u32, backlog: i64) -> u32 {
        let load = (cpu_percent.clamp(0.0, 100.0) / 100.0) * f64::from(vcpus.max(1));
        let smoothed = match self.smoothed {
            None => load,
            Some(previous) => previous + self.alpha * (load - previous),
        };
        self.smoothed = Some(smoothed);
        let growing_backlog = backlog > 0 && backlog > self.last_backlog;
        self.last_backlog = backlog;
        let wanted_up = ((smoothed / GROW_AT).ceil() as u32).clamp(MIN_VCPUS, MAX_VCPUS);
        let fits_in = ((smoothed / SHRINK_BELOW).ceil() as u32).clamp(MIN_VCPUS, MAX_VCPUS);
        if wanted_up > self.recommendation || growing_backlog {
            self.up += 1;
            self.down = 0;
            if self.up >= self.grow_after {
                let target = wanted_up.max(self.recommendation + u32::from(growing_backlog));
                self.recommendation = target.clamp(MIN_VCPUS, MAX_VCPUS);
                self.up = 0;
            }
        } else if fits_in < self.recommendation {
            self.down += 1;
            self.up = 0;
            if self.down >= self.shrink_after {
                self.recommendation = fits_in.max(self.recommendation - 1);
                self.down = 0;
            }
        } else {
            self.up = 0;
            self.down = 0;
        }
        self.recommendation
    }

    pub fn recommendation(&self) -> u32 {
        self.recommendation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_load_grows_after_a_minute_and_spikes_do_not() {
        let mut advisor = ScaleAdvisor::new(2, 2); // 30 samples a minute
        for _ in 0..5 {
            assert_eq!(
                advisor.sample(100.0, 2, 0),
                2,
                "a short spike changes nothing"
            );
        }
        for _ in 0..60 {
            advisor.sample(10.0, 2, 0);
        }
        let mut grew_at = None;
        for i in 0..120 {
            if advisor.sample(100.0, 2, 0) > 2 {
                grew_at = Some(i);
                break;
            }
        }
        let grew_at = grew_at.expect("sustained full load grows");
        assert!(grew_at >= 29, "not before a minute of samples: {grew_at}");
        assert_eq!(advisor.recommendation(), 3, "2 vCPUs at 100 % → 3 at 70 %");
    }

    #[test]
    fn quiet_shrinks_slowly_one_step_at_a_time_and_never_below_one() {
        let mut advisor = ScaleAdvisor::new(4, 2);
        for _ in 0..299 {
            assert_eq!(advisor.sample(5.0, 4, 0), 4, "ten minutes of quiet first");
        }
        assert_eq!(advisor.sample(5.0, 4, 0), 3, "then one step down");
        for _ in 0..3000 {
            advisor.sample(0.0, 4, 0);
        }
        assert_eq!(advisor.recommendation(), MIN_VCPUS);
    }

    #[test]
    fn a_growing_backlog_asks_for_more_and_the_range_is_one_to_eight() {
        let mut advisor = ScaleAdvisor::new(8, 2);
        for backlog in 0..100 {
            advisor.sample(100.0, 8, backlog);
        }
        assert_eq!(advisor.recommendation(), MAX_VCPUS);
        let mut small = ScaleAdvisor::new(1, 2);
        for backlog in 1..=30 {
            small.sample(20.0, 1, backlog);
        }
        assert_eq!(
            small.recommendation(),
            2,
            "a backlog that keeps growing adds one"
        );
        assert_eq!(ScaleAdvisor::new(0, 2).recommendation(), 1);
        assert_eq!(ScaleAdvisor::new(64, 2).recommendation(), 8);
    }
}
