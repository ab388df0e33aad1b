//! The editor's check: the record's field rules, the engine's static checks (does the code
//! compile, does `requiredTimeframes` match what it reads) and a dry run on the embedded
//! recorded candles ([`super::sample`]). CPU-bound (QuickJS): call it on a blocking thread.

use screener::filter::FilterError;
use screener::trader::validate::{validate, Sample};
use screener::trader::Trader;

use super::sample;
use super::view::{DryRunView, TraderCheck, TraderProblem};

/// Checks `trader` and dry-runs it when it compiles.
pub fn check(trader: &Trader) -> TraderCheck {
    let mut problems = Vec::new();
    if let Err(e) = trader.validate() {
        problems.push(TraderProblem {
            field: e.field,
            message: e.problem,
            line: None,
            column: None,
        });
    }
    let recorded = sample::for_interval(trader.filter.refresh_interval);
    let validation = validate(
        trader,
        Some(Sample {
            symbol: recorded.symbol,
            interval: recorded.interval,
            candles: &recorded.candles,
        }),
    );
    if let Some(syntax) = &validation.syntax {
        problems.push(code_problem(syntax));
    }
    for key in &validation.timeframes.undeclared {
        problems.push(TraderProblem {
            field: "filter.requiredTimeframes".into(),
            message: format!(
                "the code reads timeframes[\"{key}\"], which is not declared (it would be \
                 undefined)"
            ),
            line: None,
            column: None,
        });
    }
    let mut warnings: Vec<String> = validation
        .timeframes
        .unused
        .iter()
        .map(|i| format!("{i} is declared but the code never reads timeframes[\"{i}\"]"))
        .collect();
    if validation.timeframes.dynamic {
        warnings.push(
            "the code indexes timeframes with a computed key: the timeframe check is incomplete"
                .into(),
        );
    }
    let dry_run = validation.dry_run.map(|run| {
        let sample_name = format!(
            "{} {}, {} recorded candles",
            recorded.symbol,
            recorded.interval,
            recorded.candles.len()
        );
        DryRunView {
            sample: sample_name,
            evaluations: run.evaluations as u32,
            signals: run.signals as u32,
            errors: run.errors.iter().map(code_problem).collect(),
            duration_ms: run.duration_ms,
        }
    });
    let dry_run_failed = dry_run.as_ref().is_some_and(|d| !d.errors.is_empty());
    TraderCheck {
        ok: problems.is_empty() && !dry_run_failed,
        problems,
        warnings,
        dry_run,
    }
}

/// A filter error as a problem of `filter.code`, with its line (and column when the message
/// carries one, as `line:column`).
pub fn code_problem(error: &FilterError) -> TraderProblem {
    TraderProblem {
        field: "filter.code".into(),
        message: error.message.clone(),
        line: error.line,
        column: column_in(&error.message, error.line),
    }
}

/// The column after `:<line>:` in a QuickJS message (`… at filter.js:3:14`), if any.
fn column_in(message: &str, line: Option<u32>) -> Option<u32> {
    let line = line?;
    let marker = format!(":{line}:");
    let at = message.find(&marker)? + marker.len();
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(i: usize) -> Trader {
        screener::trader::builtins::builtins().remove(i)
    }

    #[test]
    fn a_builtin_passes_and_dry_runs_on_the_sample() {
        let trader = builtin(0); // 15m, replayed on the 1m day
        let check = check(&trader);
        assert!(check.ok, "{check:?}");
        let run = check.dry_run.unwrap();
        // One evaluation per aggregated 15m candle of the 1440-minute day (one symbol).
        assert_eq!(run.evaluations, 1440 / 15, "{run:?}");
        assert!(run.sample.contains("BTCBUSD 1m, 1440"));
    }

    #[test]
    fn hourly_traders_run_on_the_hour_sample() {
        let mut trader = builtin(0);
        trader.filter.refresh_interval = screener::market::Interval::H4;
        trader.filter.required_timeframes = vec![screener::market::Interval::H4];
        trader.filter.code = "return timeframes['4h'].length > 5;".into();
        let run = check(&trader).dry_run.unwrap();
        assert_eq!(run.evaluations, 120 / 4);
        assert!(run.signals >= 1);
    }

    #[test]
    fn a_syntax_error_reports_its_line() {
        let mut trader = builtin(0);
        trader.filter.code = "const a = 1;\nconst b = 2;\nreturn a +* b;\n".into();
        let check = check(&trader);
        assert!(!check.ok);
        assert!(
            check.dry_run.is_none(),
            "no dry run of code that does not compile"
        );
        let problem = check
            .problems
            .iter()
            .find(|p| p.field == "filter.code")
            .unwrap();
        assert_eq!(problem.line, Some(3), "{problem:?}");
    }

    #[test]
    fn bad_fields_and_timeframes_are_problems_unused_ones_warnings() {
        let mut trader = builtin(0);
        trader.name = "  ".into();
        trader.filter.required_timeframes = vec![
            screener::market::Interval::M15,
            screener::market::Interval::H1,
        ];
        trader.filter.code =
            "return timeframes['15m'].length > 0 && timeframes['5m'] != null;".into();
        let check = check(&trader);
        assert!(!check.ok);
        let fields: Vec<_> = check.problems.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"name"), "{fields:?}");
        assert!(fields.contains(&"filter.requiredTimeframes"), "{fields:?}");
        assert_eq!(check.warnings.len(), 1, "{:?}", check.warnings);
        assert!(check.warnings[0].contains("1h"));
    }

    #[test]
    fn runtime_errors_fail_the_dry_run() {
        let mut trader = builtin(0);
        trader.filter.code = "throw new Error('nope');".into();
        let check = check(&trader);
        assert!(!check.ok);
        let run = check.dry_run.unwrap();
        assert!(!run.errors.is_empty());
        assert!(
            run.errors[0].message.contains("nope"),
            "{:?}",
            run.errors[0]
        );
    }

    #[test]
    fn columns_are_read_from_the_message() {
        assert_eq!(
            column_in("SyntaxError at filter.js:3:14", Some(3)),
            Some(14)
        );
        assert_eq!(column_in("no position", Some(3)), None);
        assert_eq!(column_in("at x:3:14", None), None);
    }
}
