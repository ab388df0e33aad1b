//! `trademind autostop show|set|off`: the auto-stop settings ([`crate::api::parking`]) and
//! whether the machine is parked now.

use chrono::Offset;
use clap::Subcommand;

use super::output;
use crate::api::parking::AutoStopView;
use crate::api::{self, Actor, Core};
use crate::error::{Error, Result};
use crate::parking::Schedule;

#[derive(Debug, Subcommand)]
pub enum AutoStopCommand {
    /// Show the settings and whether the app has parked the machine.
    Show,
    /// Change the settings; what is not given stays as it is.
    Set {
        /// Park after this long with no enabled cloud trader: `30m`, `2h`, `90` (minutes), or
        /// `off`.
        #[arg(long, value_name = "DURATION")]
        idle: Option<String>,
        /// Park outside this schedule: `mon-fri 08:00-22:00`, `sat,sun 10:00-02:00`,
        /// `daily 07:00-23:00`, or `off`.
        #[arg(long, value_name = "SCHEDULE")]
        schedule: Option<String>,
        /// The schedule's time zone as a UTC offset (`+02:00`, `-05:30`); default: this
        /// computer's current offset.
        #[arg(long, value_name = "OFFSET", allow_hyphen_values = true)]
        utc_offset: Option<String>,
    },
    /// Turn auto-stop off (both the idle period and the schedule).
    Off,
}

/// Runs an autostop subcommand.
pub async fn run(core: &Core, json: bool, command: AutoStopCommand) -> Result<()> {
    let view = match command {
        AutoStopCommand::Show => api::parking::get(core).await?,
        AutoStopCommand::Off => api::parking::set(core, Actor::Cli, Default::default()).await?,
        AutoStopCommand::Set {
            idle,
            schedule,
            utc_offset,
        } => {
            if idle.is_none() && schedule.is_none() {
                return Err(Error::InvalidInput(
                    "give --idle, --schedule or both (or use `trademind autostop off`)".into(),
                ));
            }
            let mut settings = api::parking::get(core).await?.settings;
            if let Some(idle) = idle {
                settings.idle_minutes = parse_idle(&idle)?;
            }
            if let Some(schedule) = schedule {
                let offset = match utc_offset {
                    Some(text) => parse_offset(&text)?,
                    None => local_offset_minutes(),
                };
                settings.schedule = if schedule.trim() == "off" {
                    None
                } else {
                    Some(Schedule::parse(&schedule, offset)?)
                };
            }
            api::parking::set(core, Actor::Cli, settings).await?
        }
    };
    output(json, &view, || describe(&view));
    Ok(())
}

fn describe(view: &AutoStopView) -> String {
    let idle = view.settings.idle_minutes.map_or("off".to_owned(), |m| {
        format!("{m} min with no cloud trader")
    });
    let schedule = view.schedule_text.clone().unwrap_or_else(|| "off".into());
    let parked = view.parked.as_ref().map_or("no".to_owned(), |p| {
        format!("yes — {} (since {})", p.text, p.at)
    });
    format!("idle:      {idle}\nschedule:  {schedule}\nparked:    {parked}")
}

/// `30m`, `2h`, `90` (minutes), `off`.
pub fn parse_idle(text: &str) -> Result<Option<u32>> {
    let text = text.trim();
    if text == "off" {
        return Ok(None);
    }
    let bad = || {
        Error::InvalidInput(format!(
            "idle period {text:?}: write e.g. 30m, 2h or 90 (minutes), or off"
        ))
    };
    let (number, factor) = match text.strip_suffix('h') {
        Some(hours) => (hours, 60),
        None => (text.strip_suffix('m').unwrap_or(text), 1),
    };
    let minutes = number
        .parse::<u32>()
        .map_err(|_| bad())?
        .checked_mul(factor)
        .ok_or_else(bad)?;
    if minutes == 0 {
        return Err(Error::InvalidInput(
            "the idle period must be at least 1 minute (or off)".into(),
        ));
    }
    Ok(Some(minutes))
}

/// `+02:00`, `-05:30`, `0`.
fn parse_offset(text: &str) -> Result<i16> {
    let bad = || Error::InvalidInput(format!("UTC offset {text:?}: write e.g. +02:00 or -05:30"));
    if text == "0" || text == "Z" {
        return Ok(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let (h, m): (i16, i16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

fn local_offset_minutes() -> i16 {
    (chrono::Local::now().offset().fix().local_minus_utc() / 60) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_offset_forms_and_bad_inputs() {
        assert_eq!(parse_idle("30m").unwrap(), Some(30));
        assert_eq!(parse_idle("2h").unwrap(), Some(120));
        assert_eq!(parse_idle("90").unwrap(), Some(90));
        assert_eq!(parse_idle("off").unwrap(), None);
        for bad in ["0", "0m", "0h", "-5m", "abc", "30s", "", "99999999999h"] {
            assert!(parse_idle(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_offset("+02:00").unwrap(), 120);
        assert_eq!(parse_offset("-05:30").unwrap(), -330);
        for bad in ["2", "+15:00", "+02:60", "+2", "x"] {
            assert!(parse_offset(bad).is_err(), "{bad}");
        }
    }
}
