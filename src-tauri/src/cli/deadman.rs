//! `trademind deadman show|set|reset`: the dead-man's switch's thresholds — how long the
//! agent may send nothing, and how old its newest candle may get, before the desktop alerts.

use clap::Subcommand;

use super::output;
use crate::api::parking::WatchdogView;
use crate::api::{self, Actor, Core};
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum DeadManCommand {
    /// The thresholds and the alert in force.
    Show,
    /// Change the thresholds; what is not given stays as it is.
    Set {
        /// No frame from the agent for this long: `90s`, `3m`, `1h` or seconds (30 s – 24 h).
        #[arg(long, value_name = "DURATION")]
        silence: Option<String>,
        /// The newest candle older than this: `10m`, `1h` or seconds (1 min – 24 h).
        #[arg(long, value_name = "DURATION")]
        candle_age: Option<String>,
    },
    /// Back to the defaults (120 s of silence, 600 s of candle age).
    Reset,
}

pub async fn run(core: &Core, json: bool, command: DeadManCommand) -> Result<()> {
    let view = match command {
        DeadManCommand::Show => api::parking::watchdog(core).await?,
        DeadManCommand::Set {
            silence,
            candle_age,
        } => {
            if silence.is_none() && candle_age.is_none() {
                return Err(Error::InvalidInput(
                    "give --silence, --candle-age or both".into(),
                ));
            }
            let current = api::parking::watchdog(core).await?;
            let silence = match silence {
                Some(text) => seconds("--silence", &text)?,
                None => current.silence_seconds,
            };
            let age = match candle_age {
                Some(text) => seconds("--candle-age", &text)?,
                None => current.candle_age_seconds,
            };
            api::parking::set_watchdog(core, Actor::Cli, Some((silence, age))).await?
        }
        DeadManCommand::Reset => api::parking::set_watchdog(core, Actor::Cli, None).await?,
    };
    output(json, &view, || describe(&view));
    Ok(())
}

/// `90s`, `3m`, `1h`, or a number of seconds.
fn seconds(flag: &str, text: &str) -> Result<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let factor = match unit.trim() {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if factor > 0 => n
            .checked_mul(factor)
            .ok_or_else(|| Error::InvalidInput(format!("{flag}: {text:?} is too long"))),
        _ => Err(Error::InvalidInput(format!(
            "{flag}: {text:?} is not a duration: use e.g. 90s, 3m, 1h or a number of seconds"
        ))),
    }
}

fn describe(view: &WatchdogView) -> String {
    let mut lines = vec![format!(
        "Alert after {} s without a frame, or a newest candle older than {} s{}.",
        view.silence_seconds,
        view.candle_age_seconds,
        if view.custom { "" } else { " (the defaults)" }
    )];
    match (&view.text, &view.since) {
        (Some(text), Some(since)) => lines.push(format!("In force since {since}: {text}")),
        _ => lines.push("No alert in force.".into()),
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_seconds_minutes_and_hours() {
        assert_eq!(seconds("--silence", "90s").unwrap(), 90);
        assert_eq!(seconds("--silence", "3m").unwrap(), 180);
        assert_eq!(seconds("--silence", "1h").unwrap(), 3600);
        assert_eq!(seconds("--silence", "45").unwrap(), 45);
        for bad in ["", "m", "3d", "-5s", "1.5m", "x", "99999999999999999999h"] {
            assert!(seconds("--silence", bad).is_err(), "{bad:?}");
        }
    }
}
