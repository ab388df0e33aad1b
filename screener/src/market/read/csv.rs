//! CSV readers: the `shared/data` layout (`open_time_ms,open,high,low,close,volume`, one
//! header row) and data.binance.vision kline files (12 columns in the REST array's order; spot
//! files have no header, futures files have one; times in ms, or µs in spot files from 2025).
//!
//! Blank lines are skipped, `\r\n` endings and a UTF-8 BOM are accepted, fields are trimmed.
//! A first line that starts with a letter is a header; in the shared layout it must be
//! the documented one (a headerless shared file is accepted too).

use crate::market::candle::Candle;
use crate::market::interval::Interval;

use super::fields::{self, Field, RowOrder};
use super::{Location, Problem, ReadError};

const SHARED_HEADER: [&str; 6] = ["open_time_ms", "open", "high", "low", "close", "volume"];

/// Which CSV layout to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    Shared,
    Vision,
}

impl Layout {
    fn columns(self) -> usize {
        match self {
            Layout::Shared => 6,
            Layout::Vision => 12,
        }
    }
}

pub(super) fn parse(
    text: &str,
    at: Location<'_>,
    interval: Interval,
    layout: Layout,
) -> Result<Vec<Candle>, ReadError> {
    let mut candles = Vec::with_capacity(text.len() / 48);
    let mut order = RowOrder::default();
    let mut first = true;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let row = raw.trim();
        if row.is_empty() {
            continue;
        }
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        if cells.len() != layout.columns() {
            return Err(at.at(
                line,
                Problem::ColumnCount {
                    expected: layout.columns(),
                    found: cells.len(),
                },
            ));
        }
        let is_header = first && row.starts_with(|c: char| c.is_ascii_alphabetic());
        first = false;
        if is_header {
            check_header(layout, &cells, row).map_err(|problem| at.at(line, problem))?;
            continue;
        }
        let candle = parse_row(&cells, interval, layout)
            .and_then(|candle| {
                order.check(candle.open_time)?;
                Ok(candle)
            })
            .map_err(|problem| at.at(line, problem))?;
        candles.push(candle);
    }
    Ok(candles)
}

fn check_header(layout: Layout, cells: &[&str], row: &str) -> Result<(), Problem> {
    let matches = cells
        .iter()
        .zip(SHARED_HEADER)
        .all(|(cell, expected)| cell.eq_ignore_ascii_case(expected));
    if layout == Layout::Shared && !matches {
        return Err(Problem::Header {
            found: row.chars().take(80).collect(),
        });
    }
    // data.binance.vision headers vary between products and dates; only their width matters.
    Ok(())
}

fn parse_row(cells: &[&str], interval: Interval, layout: Layout) -> Result<Candle, Problem> {
    let text = |field: Field| cells.get(field.0).copied().unwrap_or("");
    let decimal = |field: Field| fields::decimal(field, text(field));
    let open_time = fields::timestamp(Field::OPEN_TIME, text(Field::OPEN_TIME))?;
    let mut candle = Candle::new(
        open_time,
        interval,
        decimal(Field::OPEN)?,
        decimal(Field::HIGH)?,
        decimal(Field::LOW)?,
        decimal(Field::CLOSE)?,
        decimal(Field::VOLUME)?,
    );
    if layout == Layout::Vision {
        candle.close_time = fields::timestamp(Field::CLOSE_TIME, text(Field::CLOSE_TIME))?;
        candle.quote_volume = Some(decimal(Field::QUOTE_VOLUME)?);
        candle.trades = Some(fields::count(Field::TRADES, text(Field::TRADES))?);
        candle.taker_buy_base_volume = Some(decimal(Field::TAKER_BUY_BASE)?);
        candle.taker_buy_quote_volume = Some(decimal(Field::TAKER_BUY_QUOTE)?);
    }
    fields::check_candle(&candle, interval)?;
    Ok(candle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_shared(text: &str) -> Result<Vec<Candle>, ReadError> {
        parse(
            text,
            Location { file: "t.csv" },
            Interval::M5,
            Layout::Shared,
        )
    }

    #[test]
    fn shared_layout_with_crlf_and_blank_lines() {
        let text = "open_time_ms,open,high,low,close,volume\r\n\
                    1672677900000,16727.3,16728.8,16726,16726.1,691.508\r\n\
                    \r\n\
                    1672678200000,16726,16726.8,16705,16707.5,1301.173\r\n";
        let candles = parse_shared(text).unwrap_or_default();
        assert_eq!(candles.len(), 2);
        assert_eq!(candles[1].close_time, 1_672_678_499_999);
        assert_eq!(candles[1].low, 16705.0);
        assert_eq!(candles[0].quote_volume, None);
    }

    #[test]
    fn errors_carry_the_line() {
        let text = "open_time_ms,open,high,low,close,volume\n\
                    1672677900000,1,2,0.5,1,1\n\
                    \n\
                    1672678200000,1,2,0.5,x,1\n";
        let err = parse_shared(text).err();
        assert_eq!(err.as_ref().and_then(ReadError::line), Some(4));
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("t.csv:4: field 5 (close): `x` is not a finite decimal number")
        );
        let wrong_header = parse_shared("time,o,h,l,c,v\n");
        assert!(matches!(
            wrong_header,
            Err(ReadError::Invalid {
                line: 1,
                problem: Problem::Header { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_negative_first_row_is_data_not_a_header() {
        let text = "-1637971200000,1,2,0.5,1,3,1637971259999,3,7,1,1,0\n";
        let err = parse(text, Location { file: "v" }, Interval::M1, Layout::Vision).err();
        assert!(matches!(
            err,
            Some(ReadError::Invalid {
                line: 1,
                problem: Problem::NotAnInteger { .. } | Problem::Timestamp { .. },
                ..
            })
        ));
    }

    #[test]
    fn vision_header_is_optional() {
        let header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,\
                      taker_buy_volume,taker_buy_quote_volume,ignore\n";
        let row = "1637971200000,1,2,0.5,1,3,1637971259999,3,7,1,1,0\n";
        for text in [row.to_owned(), format!("{header}{row}")] {
            let candles = parse(&text, Location { file: "v" }, Interval::M1, Layout::Vision);
            let candles = candles.unwrap_or_default();
            assert_eq!(candles.len(), 1);
            assert_eq!(candles[0].trades, Some(7));
        }
    }
}
