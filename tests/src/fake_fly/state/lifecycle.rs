//! Which actions each state allows and the timed transitions they set off (§3 and §9
//! "Machines — lifecycle with timers"). Refusals read like flyd's `failed_precondition`s.

use super::machine::{Machine, MachineState, Step, StopRequest};
use crate::fake_fly::config::Timings;
use crate::fake_fly::http::{precondition, Reply};
use std::time::{Duration, Instant};

use MachineState::*;

fn from_state(verb: &str, state: MachineState) -> Reply {
    precondition(format!(
        "unable to {verb} machine from current state: '{}'",
        state.as_str()
    ))
}

impl Machine {
    /// Replaces the schedule with `steps` (each delay counted from the previous step).
    fn schedule(&mut self, now: Instant, steps: &[(Duration, MachineState, &'static str)]) {
        self.plan.clear();
        let mut at = now;
        for &(after, state, kind) in steps {
            at += after;
            self.plan.push_back(Step { at, state, kind });
        }
    }

    fn auto_destroy(&self) -> bool {
        self.config
            .get("auto_destroy")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
    }

    /// Steps that end with the machine `stopped` (and destroyed if `auto_destroy`).
    fn stop_steps(
        &self,
        stop: Duration,
        t: &Timings,
    ) -> Vec<(Duration, MachineState, &'static str)> {
        let mut steps = vec![(stop, Stopped, "exit")];
        if self.auto_destroy() {
            steps.push((Duration::ZERO, Destroying, "destroy"));
            steps.push((t.destroy, Destroyed, "destroy"));
        }
        steps
    }

    /// Right after create: `created`, then (unless `skip_launch`) `starting` → `started`.
    pub fn launch(&mut self, now: Instant, t: &Timings, skip_launch: bool, secrets_version: u64) {
        self.enter(Created, "launch", "user", now);
        if !skip_launch {
            self.booted_secrets_version = Some(secrets_version);
            self.schedule(
                now,
                &[
                    (t.create_to_start, Starting, "start"),
                    (t.boot, Started, "start"),
                ],
            );
        }
    }

    /// `POST …/start`; returns the previous state.
    pub fn start(
        &mut self,
        now: Instant,
        t: &Timings,
        secrets_version: u64,
    ) -> Result<MachineState, Reply> {
        let previous = self.state;
        let boot = match previous {
            Stopped | Created | Failed => t.boot,
            Suspended => t.resume,
            Started => return Err(precondition("machine still active, refusing to start")),
            other => return Err(from_state("start", other)),
        };
        self.booted_secrets_version = Some(secrets_version);
        self.enter(Starting, "start", "user", now);
        self.schedule(now, &[(boot, Started, "start")]);
        Ok(previous)
    }

    /// `POST …/stop`; `timeout` caps how long the stop takes.
    pub fn stop(
        &mut self,
        now: Instant,
        t: &Timings,
        timeout: Option<Duration>,
    ) -> Result<(), Reply> {
        match self.state {
            Started | Starting | Suspended | Failed => {}
            other => return Err(from_state("stop", other)),
        }
        let stop = timeout.map_or(t.stop, |limit| limit.min(t.stop));
        self.enter(Stopping, "stop", "user", now);
        let steps = self.stop_steps(stop, t);
        self.schedule(now, &steps);
        Ok(())
    }

    /// `POST …/restart`: `stopping` → `starting` → `started`.
    pub fn restart(
        &mut self,
        now: Instant,
        t: &Timings,
        secrets_version: u64,
    ) -> Result<(), Reply> {
        if self.state != Started {
            return Err(from_state("restart", self.state));
        }
        self.booted_secrets_version = Some(secrets_version);
        self.enter(Stopping, "restart", "user", now);
        self.schedule(
            now,
            &[(t.stop, Starting, "start"), (t.boot, Started, "start")],
        );
        Ok(())
    }

    /// `POST …/suspend`: only a started machine with ≤ 2 GB, no swap and no schedule.
    pub fn suspend(&mut self, now: Instant, t: &Timings) -> Result<(), Reply> {
        if self.state != Started {
            return Err(from_state("suspend", self.state));
        }
        let memory = self
            .config
            .get("guest")
            .and_then(|g| g.get("memory_mb"))
            .and_then(serde_json::Value::as_u64);
        if memory.unwrap_or(256) > 2048 {
            return Err(precondition(
                "unable to suspend machine: memory larger than 2048 MB",
            ));
        }
        if self.config.contains_key("schedule")
            || self
                .config
                .get("init")
                .and_then(|i| i.get("swap_size_mb"))
                .is_some()
        {
            return Err(precondition(
                "unable to suspend machine: machines with a schedule or swap cannot be suspended",
            ));
        }
        self.enter(Suspending, "suspend", "user", now);
        self.schedule(now, &[(t.suspend, Suspended, "suspend")]);
        Ok(())
    }

    /// `POST …/{id}` with a new config: new `instance_id`; a running machine reboots, a
    /// stopped/suspended one stays stopped, `skip_launch` leaves it `created`.
    pub fn update(
        &mut self,
        now: Instant,
        t: &Timings,
        config: serde_json::Map<String, serde_json::Value>,
        skip_launch: bool,
        secrets_version: u64,
    ) -> Result<(), Reply> {
        let was_running = match self.state {
            Started => true,
            Created => !self.plan.is_empty(),
            Stopped | Suspended | Failed => false,
            other => return Err(from_state("update", other)),
        };
        self.config = config;
        self.instance_id = crate::fake_fly::ids::ulid();
        self.versions.push(self.instance_id.clone());
        self.enter(Replacing, "update", "user", now);
        if skip_launch {
            self.schedule(now, &[(t.replace, Created, "update")]);
        } else if was_running {
            self.booted_secrets_version = Some(secrets_version);
            self.schedule(
                now,
                &[(t.replace, Starting, "start"), (t.boot, Started, "start")],
            );
        } else {
            self.schedule(now, &[(t.replace, Stopped, "update")]);
        }
        Ok(())
    }

    /// `DELETE …/{id}`: without `force` only from stopped/suspended/failed/created.
    pub fn destroy(&mut self, now: Instant, t: &Timings, force: bool) -> Result<(), Reply> {
        match self.state {
            Destroying if force => return Ok(()),
            Stopped | Suspended | Failed | Created => {}
            Destroying | Destroyed => return Err(from_state("destroy", self.state)),
            // A forced destroy of a running machine kills its process outright.
            _ if force => {
                self.stop_request = Some(StopRequest {
                    signal: Some("SIGKILL".into()),
                    timeout: Some(Duration::ZERO),
                });
            }
            _ => return Err(precondition(
                "unable to destroy machine, not currently stopped, suspended, failed or created",
            )),
        }
        self.lease = None;
        self.enter(Destroying, "destroy", "user", now);
        self.schedule(now, &[(t.destroy, Destroyed, "destroy")]);
        Ok(())
    }

    /// A change made "outside" (test helper): no schedule, so the state sticks.
    pub fn force_state(&mut self, now: Instant, state: MachineState) {
        self.plan.clear();
        let kind = match state {
            Started | Starting => "start",
            Stopped | Failed => "exit",
            Destroyed | Destroying => "destroy",
            Suspended | Suspending => "suspend",
            Created => "launch",
            Stopping => "stop",
            Replacing => "update",
        };
        self.enter(state, kind, "flyd", now);
    }
}
