//! The request for one job: a system instruction (the analyst's rules and decision criteria),
//! one user turn (the trader, the signal, indicator values and the last `aiAnalysisLimit`
//! closed candles as CSV), and structured output (`responseMimeType: application/json` with
//! the [verdict schema](super::schema)).
//!
//! A job without candles is refused here with `no_candles`: the original sent the model
//! empty klines and then crashed on them; a prompt without market data is not sent at all.

use std::fmt::Write;

use super::config::AnalysisConfig;
use super::failure::{AnalysisFailure, FailureCode};
use super::gemini::{Content, GenerateRequest, GenerationConfig};
use super::job::AnalysisJob;
use super::readings::{readings, Reading};
use super::schema::verdict_schema;
use crate::market::decimal;
use crate::trader::Trader;

/// The analyst's standing instructions.
const SYSTEM_INSTRUCTION: &str = "\
You are a disciplined technical analyst of crypto markets. An automated screener raised the \
signal below for the trader described. Judge the setup only from the data given (real closed \
candles and indicator values); do not invent prices, news or data you were not shown, and \
follow the trader's strategy instructions where they apply.

Answer with one JSON object that follows the response schema:
- decision: enter_trade when the setup is clear and the reward to the first target is at \
least twice the risk to the stop; wait when it is promising but needs confirmation (say \
which in tradePlan.entryTrigger); bad_setup otherwise.
- direction: long or short; none only with wait or bad_setup.
- confidence: a whole number from 0 to 100.
- keyLevels: prices in the symbol's quote currency, near the current price. For enter_trade \
give entry, stopLoss and at least one takeProfit: for a long stopLoss < entry < takeProfit, \
for a short takeProfit < entry < stopLoss. Use null or [] for levels you do not see.
- reasoning: concise, citing the candles and indicator values.";

/// The request for `job`, or `no_candles` when there is nothing real to show the model.
pub fn build_request(
    job: &AnalysisJob,
    config: &AnalysisConfig,
) -> Result<GenerateRequest, AnalysisFailure> {
    let text = prompt_text(job)?;
    Ok(GenerateRequest {
        system_instruction: Content::text(None, SYSTEM_INSTRUCTION.to_owned()),
        contents: vec![Content::text(Some("user"), text)],
        generation_config: GenerationConfig {
            temperature: config.temperature,
            max_output_tokens: config.max_output_tokens,
            response_mime_type: "application/json".to_owned(),
            response_schema: verdict_schema(),
        },
    })
}

/// The user turn for `job`.
pub fn prompt_text(job: &AnalysisJob) -> Result<String, AnalysisFailure> {
    let shown = job.prompt_candles();
    let signal = &job.signal;
    if shown.is_empty() {
        return Err(AnalysisFailure::new(
            FailureCode::NoCandles,
            format!(
                "no closed {} candle of {} up to the signal's candle (opened {}) was available; \
                 the model was not called",
                signal.interval,
                signal.symbol,
                utc(signal.open_time)
            ),
        ));
    }
    let usable = job.usable_candles();
    let values = readings(usable, usable.len() - shown.len());
    let mut out = String::with_capacity(4096 + shown.len() * 64);
    trader_section(&mut out, &job.trader);
    let conditions = if signal.conditions.is_empty() {
        "(not reported)".to_owned()
    } else {
        signal.conditions.join("; ")
    };
    let _ = write!(
        out,
        "\n## Signal\nSymbol: {}\nInterval: {}\nSignal candle: opened {}, closed {}\n\
         Close price: {}\nConditions met: {conditions}\n",
        signal.symbol,
        signal.interval,
        utc(signal.open_time),
        utc(signal.close_time + 1),
        decimal::shortest(signal.price),
    );
    indicator_section(&mut out, &values);
    candle_section(&mut out, job, shown);
    Ok(out)
}

fn trader_section(out: &mut String, trader: &Trader) {
    let or_none = |s: &str| {
        let s = s.trim();
        if s.is_empty() {
            "(none)".to_owned()
        } else {
            s.to_owned()
        }
    };
    let risk = &trader.strategy.risk_management;
    let pct = |v: f64| format!("{}%", decimal::rounded(v * 100.0, 4));
    let mut limits = format!(
        "stop loss {}, take profit {}, position size {}, max positions {}",
        pct(risk.stop_loss),
        pct(risk.take_profit),
        pct(risk.position_size_percent),
        risk.max_positions
    );
    if let Some(drawdown) = risk.max_drawdown {
        let _ = write!(limits, ", max drawdown {}", pct(drawdown));
    }
    let _ = write!(
        out,
        "## Trader\nName: {}\nTrader id: {}\nDescription: {}\nFilter conditions: {}\n\
         Strategy instructions: {}\nRisk management: {limits}\n",
        trader.name.trim(),
        trader.id,
        or_none(&trader.description),
        or_none(&trader.filter.description.join("; ")),
        or_none(&trader.strategy.instructions),
    );
}

fn indicator_section(out: &mut String, values: &[Reading]) {
    out.push_str("\n## Indicators at the signal candle\n");
    if values.is_empty() {
        out.push_str("(not enough history for any indicator)\n");
    }
    for Reading { name, value } in values {
        let _ = writeln!(out, "- {name}: {}", significant(*value));
    }
}

fn candle_section(out: &mut String, job: &AnalysisJob, shown: &[crate::market::Candle]) {
    let high = shown.iter().map(|c| c.high).fold(f64::MIN, f64::max);
    let low = shown.iter().map(|c| c.low).fold(f64::MAX, f64::min);
    let volume = shown.iter().map(|c| c.volume).sum::<f64>() / shown.len() as f64;
    let (first, last) = (shown[0].open, shown[shown.len() - 1].close);
    let percent = |a: f64, b: f64| {
        if b != 0.0 {
            decimal::rounded((a - b) / b * 100.0, 2)
        } else {
            "-".into()
        }
    };
    let _ = write!(
        out,
        "\n## Last {} closed {} candles (oldest first; the last is the signal candle)\n\
         Over these: high {}, low {}, range {}%, change {}%, average volume {}\n\
         open_time_utc,open,high,low,close,volume\n",
        shown.len(),
        job.signal.interval,
        decimal::shortest(high),
        decimal::shortest(low),
        percent(high, low),
        percent(last, first),
        significant(volume),
    );
    for c in shown {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            utc(c.open_time),
            decimal::shortest(c.open),
            decimal::shortest(c.high),
            decimal::shortest(c.low),
            decimal::shortest(c.close),
            decimal::shortest(c.volume),
        );
    }
}

/// `value` to about 7 significant digits, without exponent.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return decimal::shortest(value);
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (6 - magnitude).clamp(0, 12) as usize;
    decimal::rounded(value, decimals)
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_epoch_milliseconds() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_672_677_900_000), "2023-01-02T16:45:00Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc(-1_000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn significant_digits_follow_the_scale() {
        assert_eq!(significant(42_123.456_789), "42123.46");
        assert_eq!(significant(0.000_028_537_1), "0.0000285371");
        assert_eq!(significant(61.333_333), "61.33333");
        assert_eq!(significant(0.0), "0");
    }
}
