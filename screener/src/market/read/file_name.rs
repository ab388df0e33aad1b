//! Symbol and interval from a recorded file's name, for `screener run --data FILE_OR_DIR`.
//!
//! The name (without `.csv`, `.json`, `.zip`, `.gz`, `.txt`) is split on `_`, `-`, `.` and
//! spaces. The first token that is a Binance interval (case-sensitive, `1m` ≠ `1M`) is the
//! interval; the tokens before it, minus source words (`binance`, `vision`, `spot`, …) and
//! purely numeric tokens, joined and upper-cased, are the symbol. So
//! `btcusdt_5m_2023-01-02_2023-02-09.csv` → (BTCUSDT, 5m), `binance_btcbusd_1m_2022-12-13.csv`
//! → (BTCBUSD, 1m), `binance_vision_ADABTC-1m-2021-11-27.csv` → (ADABTC, 1m), and freqtrade's
//! `ETH_BTC-5m.json` → (ETHBTC, 5m).

use std::path::Path;

use crate::market::interval::{Interval, IntervalError};

use super::ReadError;

const EXTENSIONS: [&str; 5] = ["csv", "json", "zip", "gz", "txt"];
const SOURCE_WORDS: [&str; 10] = [
    "binance", "vision", "data", "spot", "futures", "um", "cm", "klines", "kline", "candles",
];
const MAX_SYMBOL_LEN: usize = 20;

/// (symbol, interval) from `path`'s file name, or [`ReadError::FileName`] saying what is missing.
pub fn infer_symbol_interval(path: &Path) -> Result<(String, Interval), ReadError> {
    let fail = |reason: String| ReadError::FileName {
        path: path.to_owned(),
        reason,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| fail("the path has no UTF-8 file name".to_owned()))?;
    let mut stem = name;
    while let Some((rest, extension)) = stem.rsplit_once('.') {
        if !EXTENSIONS.iter().any(|e| extension.eq_ignore_ascii_case(e)) {
            break;
        }
        stem = rest;
    }
    let tokens: Vec<&str> = stem
        .split(['_', '-', '.', ' '])
        .filter(|t| !t.is_empty())
        .collect();
    let mut found = None;
    for (index, token) in tokens.iter().enumerate() {
        match token.parse::<Interval>() {
            Ok(interval) => {
                found = Some((index, interval));
                break;
            }
            Err(IntervalError::Monthly(_)) => {
                return Err(fail(format!(
                    "`{token}` is a monthly interval, which is not supported"
                )))
            }
            Err(IntervalError::Unknown(_)) => {}
        }
    }
    let Some((index, interval)) = found else {
        return Err(fail(format!(
            "no interval token such as `5m` or `1h` in `{name}`"
        )));
    };
    let symbol: String = tokens[..index]
        .iter()
        .filter(|t| !SOURCE_WORDS.iter().any(|w| t.eq_ignore_ascii_case(w)))
        .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
        .map(|t| t.to_ascii_uppercase())
        .collect();
    let valid = !symbol.is_empty()
        && symbol.len() <= MAX_SYMBOL_LEN
        && symbol.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(fail(format!(
            "no symbol such as `BTCUSDT` before the interval `{interval}` in `{name}`"
        )));
    }
    Ok((symbol, interval))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(name: &str) -> Result<(String, Interval), String> {
        infer_symbol_interval(Path::new("/data").join(name).as_path()).map_err(|e| e.to_string())
    }

    #[test]
    fn recorded_file_names() {
        let cases = [
            (
                "btcusdt_5m_2023-01-02_2023-02-09.csv",
                "BTCUSDT",
                Interval::M5,
            ),
            ("binance_btcbusd_1m_2022-12-13.csv", "BTCBUSD", Interval::M1),
            (
                "binance_vision_ADABTC-1m-2021-11-27.csv",
                "ADABTC",
                Interval::M1,
            ),
            (
                "xrpeth_1m_2019-10-11_2019-10-13.csv",
                "XRPETH",
                Interval::M1,
            ),
            (
                "ethbtc_30m_2017-12-03_2018-01-12.csv",
                "ETHBTC",
                Interval::M30,
            ),
            ("BTCUSDT-1h-2024-01.zip", "BTCUSDT", Interval::H1),
            ("ETH_BTC-5m.json", "ETHBTC", Interval::M5),
            (
                "1INCHUSDT-15m-2025-01-01.csv.gz",
                "1INCHUSDT",
                Interval::M15,
            ),
        ];
        for (name, symbol, interval) in cases {
            assert_eq!(infer(name), Ok((symbol.to_owned(), interval)), "{name}");
        }
    }

    #[test]
    fn unknown_names_suggest_the_flags() {
        for name in [
            "candles.csv",
            "5m.csv",
            "binance_1h.csv",
            "BTCUSDT-1mo-2024-01.zip",
        ] {
            let message = infer(name).err().unwrap_or_default();
            assert!(
                message.contains("--symbol and --interval"),
                "{name}: {message}"
            );
            assert!(message.contains(name), "{name}: {message}");
        }
        assert!(infer("BTCUSDT-1mo-2024-01.zip")
            .err()
            .unwrap_or_default()
            .contains("monthly"));
    }
}
