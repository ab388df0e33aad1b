//! The recorded files of `shared/data`: the README table (row counts, ranges, symbols and
//! intervals from the file names) and their gaps.

use std::collections::BTreeMap;

use screener::market::{CandleSeries, Format, Interval};

use super::{diffs_in_intervals, load_shared, shared_data, utc, MINUTE};

#[test]
fn every_recorded_file_matches_the_readme_table() {
    struct Row {
        file: &'static str,
        symbol: &'static str,
        interval: Interval,
        rows: usize,
        first: i64,
        last: i64,
        format: Format,
    }
    let row = |file, symbol, interval, rows, first, last, format| Row {
        file,
        symbol,
        interval,
        rows,
        first,
        last,
        format,
    };
    #[rustfmt::skip]
    let table = [
        row("btcusdt_5m_2023-01-02_2023-02-09.csv", "BTCUSDT", Interval::M5, 10_999,
            utc(2023, 1, 2, 16, 45), utc(2023, 2, 9, 21, 15), Format::SharedCsv),
        row("binance_btcbusd_1m_2022-12-13.csv", "BTCBUSD", Interval::M1, 1_440,
            utc(2022, 12, 13, 0, 0), utc(2022, 12, 13, 23, 59), Format::SharedCsv),
        row("binance_btcusdt_1h_2018-05-01_2018-05-05.csv", "BTCUSDT", Interval::H1, 120,
            utc(2018, 5, 1, 0, 0), utc(2018, 5, 5, 23, 0), Format::SharedCsv),
        row("ethbtc_5m_2018-01-10_2018-01-30.csv", "ETHBTC", Interval::M5, 5_760,
            utc(2018, 1, 10, 4, 55), utc(2018, 1, 30, 4, 50), Format::SharedCsv),
        row("ethbtc_30m_2017-12-03_2018-01-12.csv", "ETHBTC", Interval::M30, 1_920,
            utc(2017, 12, 3, 13, 0), utc(2018, 1, 12, 12, 30), Format::SharedCsv),
        row("xrpeth_1m_2019-10-11_2019-10-13.csv", "XRPETH", Interval::M1, 2_469,
            utc(2019, 10, 11, 0, 0), utc(2019, 10, 13, 11, 19), Format::SharedCsv),
        row("xrpeth_5m_2019-10-11_2019-10-13.csv", "XRPETH", Interval::M5, 706,
            utc(2019, 10, 11, 0, 0), utc(2019, 10, 13, 11, 15), Format::SharedCsv),
        row("binance_vision_ADABTC-1m-2021-11-27.csv", "ADABTC", Interval::M1, 10,
            utc(2021, 11, 27, 0, 0), utc(2021, 11, 27, 0, 9), Format::VisionCsv),
        row("binance_vision_ADABTC-1m-2021-11-28.csv", "ADABTC", Interval::M1, 11,
            utc(2021, 11, 28, 0, 0), utc(2021, 11, 28, 0, 10), Format::VisionCsv),
    ];
    let listed: usize = std::fs::read_dir(shared_data(""))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "csv"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(listed, table.len(), "every CSV in shared/data is covered");

    for expected in &table {
        let file = load_shared(expected.file);
        let name = expected.file;
        assert_eq!(file.symbol, expected.symbol, "{name}");
        assert_eq!(file.interval, expected.interval, "{name}");
        assert_eq!(file.format, expected.format, "{name}");
        assert_eq!(file.candles.len(), expected.rows, "{name}");
        assert_eq!(
            file.candles.first().map(|c| c.open_time),
            Some(expected.first),
            "{name}"
        );
        assert_eq!(
            file.candles.last().map(|c| c.open_time),
            Some(expected.last),
            "{name}"
        );
        assert!(
            file.candles
                .windows(2)
                .all(|w| w[0].open_time < w[1].open_time),
            "{name}: strictly increasing"
        );
        for c in &file.candles {
            assert!(
                expected.interval.is_aligned(c.open_time),
                "{name}: {} on grid",
                c.open_time
            );
            assert_eq!(
                c.close_time,
                c.open_time + expected.interval.duration_ms() - 1,
                "{name}"
            );
            assert!(
                c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close),
                "{name}"
            );
        }
        let has_extras = expected.format == Format::VisionCsv;
        assert!(
            file.candles
                .iter()
                .all(|c| c.trades.is_some() == has_extras),
            "{name}: trades known exactly for vision files"
        );
    }
}

#[test]
fn contiguous_files_have_no_gaps_and_xrp_gaps_are_preserved() {
    for name in [
        "btcusdt_5m_2023-01-02_2023-02-09.csv",
        "binance_btcbusd_1m_2022-12-13.csv",
        "binance_btcusdt_1h_2018-05-01_2018-05-05.csv",
        "ethbtc_5m_2018-01-10_2018-01-30.csv",
        "ethbtc_30m_2017-12-03_2018-01-12.csv",
        "binance_vision_ADABTC-1m-2021-11-27.csv",
        "binance_vision_ADABTC-1m-2021-11-28.csv",
    ] {
        let file = load_shared(name);
        let histogram = diffs_in_intervals(&file.candles, file.interval);
        assert_eq!(
            histogram.keys().collect::<Vec<_>>(),
            vec![&1],
            "{name}: {histogram:?}"
        );
    }

    let xrp = load_shared("xrpeth_1m_2019-10-11_2019-10-13.csv");
    let expected: BTreeMap<i64, usize> = [
        (1, 1792),
        (2, 440),
        (3, 140),
        (4, 44),
        (5, 33),
        (6, 11),
        (7, 5),
        (8, 2),
        (9, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(diffs_in_intervals(&xrp.candles, Interval::M1), expected);

    // A series keeps the gaps as gaps: same candles, nothing invented.
    let mut series = CandleSeries::new(Interval::M1, 10_000);
    let counts = series.extend(xrp.candles.iter().copied());
    assert_eq!(counts.appended, 2_469);
    assert_eq!(series.all().to_vec(), xrp.candles);
    let gap = xrp
        .candles
        .windows(2)
        .find(|w| w[1].open_time - w[0].open_time > MINUTE);
    let missing = gap
        .map(|w| w[0].open_time + MINUTE)
        .unwrap_or_else(|| panic!("has gaps"));
    assert_eq!(series.get(missing), None);
    assert!(series.window(missing, 10).is_none());
}
