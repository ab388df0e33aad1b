//! Aggregation against the README's two oracles, incremental against batch, and the refresh
//! of the 30m file's live last candle.

use screener::market::{
    aggregate, drop_incomplete, AggregateError, Aggregator, Candle, CandleStore, Interval,
    LeadingPartial, Upsert,
};

use super::{batch, incremental, load_shared, same_ohlc, same_volume, utc, MINUTE};

#[test]
fn xrp_1m_aggregates_to_the_5m_file_exactly_despite_gaps() {
    let one = load_shared("xrpeth_1m_2019-10-11_2019-10-13.csv");
    let five = load_shared("xrpeth_5m_2019-10-11_2019-10-13.csv");
    let aggregated = batch(&one.candles, Interval::M1, Interval::M5);
    assert_eq!(aggregated.len(), 706);
    assert_eq!(
        aggregated, five.candles,
        "OHLCV and times identical for all 706 rows"
    );
    let buckets_missing_last_slot = aggregated
        .iter()
        .filter(|b| {
            one.candles
                .iter()
                .all(|c| c.open_time != b.open_time + 4 * MINUTE)
        })
        .count();
    assert!(
        buckets_missing_last_slot > 100,
        "gaps really occur at bucket ends"
    );
    assert_eq!(
        incremental(&one.candles, Interval::M1, Interval::M5),
        aggregated
    );
}

#[test]
fn ethbtc_5m_aggregates_to_the_30m_file_except_its_live_last_candle() {
    let five = load_shared("ethbtc_5m_2018-01-10_2018-01-30.csv");
    let thirty = load_shared("ethbtc_30m_2017-12-03_2018-01-12.csv");
    let aggregated = batch(&five.candles, Interval::M5, Interval::M30);
    let live_open = utc(2018, 1, 12, 12, 30);
    assert_eq!(live_open, 1_515_760_200_000);

    let overlapping: Vec<(&Candle, &Candle)> = thirty
        .candles
        .iter()
        .filter_map(|r| {
            aggregated
                .iter()
                .find(|a| a.open_time == r.open_time)
                .map(|a| (r, a))
        })
        .collect();
    assert_eq!(overlapping.len(), 112);
    assert_eq!(overlapping[0].0.open_time, utc(2018, 1, 10, 5, 0));
    let mismatched: Vec<i64> = overlapping
        .iter()
        .filter(|(r, a)| !(same_ohlc(r, a) && same_volume(r.volume, a.volume)))
        .map(|(r, _)| r.open_time)
        .collect();
    assert_eq!(mismatched, vec![live_open], "111 of 112 identical");

    // The 5m data starts at 04:55, inside the 04:30 bucket: skipped by default, since it
    // would disagree with the recorded 04:30 candle.
    let leading = utc(2018, 1, 10, 4, 30);
    assert!(aggregated.iter().all(|a| a.open_time != leading));
    let kept = aggregate(
        &five.candles,
        Interval::M5,
        Interval::M30,
        LeadingPartial::Keep,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        kept.first().map(|c| (c.open_time, c.volume)),
        Some((leading, five.candles[0].volume))
    );
    // The 5m file ends at 04:50, so its last 30m bucket (04:30) is still open: not emitted.
    assert_eq!(
        aggregated.last().map(|c| c.open_time),
        Some(utc(2018, 1, 30, 4, 0))
    );
    assert_eq!(
        incremental(&five.candles, Interval::M5, Interval::M30),
        aggregated
    );
}

#[test]
fn incremental_aggregation_equals_batch_for_many_pairs() {
    let cases = [
        (
            "btcusdt_5m_2023-01-02_2023-02-09.csv",
            Interval::M5,
            Interval::M15,
        ),
        (
            "btcusdt_5m_2023-01-02_2023-02-09.csv",
            Interval::M5,
            Interval::H1,
        ),
        (
            "btcusdt_5m_2023-01-02_2023-02-09.csv",
            Interval::M5,
            Interval::H4,
        ),
        (
            "btcusdt_5m_2023-01-02_2023-02-09.csv",
            Interval::M5,
            Interval::D1,
        ),
        (
            "btcusdt_5m_2023-01-02_2023-02-09.csv",
            Interval::M5,
            Interval::W1,
        ),
        (
            "xrpeth_1m_2019-10-11_2019-10-13.csv",
            Interval::M1,
            Interval::M3,
        ),
        (
            "xrpeth_1m_2019-10-11_2019-10-13.csv",
            Interval::M1,
            Interval::H1,
        ),
        (
            "binance_btcbusd_1m_2022-12-13.csv",
            Interval::M1,
            Interval::H2,
        ),
        (
            "binance_vision_ADABTC-1m-2021-11-28.csv",
            Interval::M1,
            Interval::M5,
        ),
    ];
    for (name, smaller, larger) in cases {
        let file = load_shared(name);
        let expected = batch(&file.candles, smaller, larger);
        assert!(!expected.is_empty(), "{name} → {larger}");
        assert_eq!(
            incremental(&file.candles, smaller, larger),
            expected,
            "{name} → {larger}"
        );
        for b in &expected {
            assert!(
                larger.is_aligned(b.open_time),
                "{name} → {larger}: UTC-aligned"
            );
            assert_eq!(b.close_time, b.open_time + larger.duration_ms() - 1);
        }
    }
    // BTC/USDT 5m: 2023-01-02 16:45 → 2023-02-09 21:15 (the 21:15 candle is the hour's
    // 4th slot, so the 21:00 hour is still open). The leading 16:00 hour is partial.
    let btc = load_shared("btcusdt_5m_2023-01-02_2023-02-09.csv");
    let hours = batch(&btc.candles, Interval::M5, Interval::H1);
    assert_eq!(
        hours.first().map(|c| c.open_time),
        Some(utc(2023, 1, 2, 17, 0))
    );
    assert_eq!(
        hours.last().map(|c| c.open_time),
        Some(utc(2023, 2, 9, 20, 0))
    );
    assert_eq!(hours.len(), 916, "the README's 916 full hours");
    // 1h aggregated from 5m equals 1h aggregated from 15m aggregated from 5m.
    let quarters = batch(&btc.candles, Interval::M5, Interval::M15);
    let via_quarters = batch(&quarters, Interval::M15, Interval::H1);
    assert_eq!(via_quarters.len(), hours.len());
    assert!(via_quarters
        .iter()
        .zip(&hours)
        .all(|(a, b)| same_ohlc(a, b) && same_volume(a.volume, b.volume)));
    // ADA/BTC vision data carries quote volume and trades; their sums survive aggregation.
    let ada = load_shared("binance_vision_ADABTC-1m-2021-11-28.csv");
    let five = batch(&ada.candles, Interval::M1, Interval::M5);
    assert_eq!(five.len(), 2, "00:00 and 00:05 closed; 00:10 still open");
    let trades: u64 = ada.candles[..5].iter().filter_map(|c| c.trades).sum();
    assert_eq!(five[0].trades, Some(trades));
    assert!(five[0].quote_volume.is_some() && five[0].taker_buy_quote_volume.is_some());
}

#[test]
fn aggregation_rejects_impossible_intervals() {
    let btc = load_shared("btcusdt_5m_2023-01-02_2023-02-09.csv");
    assert_eq!(
        aggregate(
            &btc.candles,
            Interval::M5,
            Interval::M3,
            LeadingPartial::Skip
        ),
        Err(AggregateError::NotMultiple {
            smaller: Interval::M5,
            larger: Interval::M3
        })
    );
    assert!(Aggregator::new(Interval::D3, Interval::W1, LeadingPartial::Skip).is_err());
}

#[test]
fn live_last_30m_candle_is_dropped_or_refreshed_to_its_final_values() {
    let thirty = load_shared("ethbtc_30m_2017-12-03_2018-01-12.csv");
    let five = load_shared("ethbtc_5m_2018-01-10_2018-01-30.csv");
    let live_open = utc(2018, 1, 12, 12, 30);
    let recorded_live = thirty
        .candles
        .last()
        .copied()
        .unwrap_or_else(|| panic!("non-empty"));
    assert_eq!(recorded_live.open_time, live_open);

    // Drop: the file was recorded at some time inside the last candle, e.g. 12:41.
    let mut dropped = thirty.candles.clone();
    assert_eq!(drop_incomplete(&mut dropped, utc(2018, 1, 12, 12, 41)), 1);
    assert_eq!(dropped.len(), 1_919);
    assert_eq!(drop_incomplete(&mut dropped, utc(2018, 1, 12, 12, 41)), 0);

    // Refresh: load the 30m file, then upsert the 30m candles aggregated from 5m.
    let mut store = CandleStore::new(5_000);
    let loaded = store.extend("ethbtc", Interval::M30, thirty.candles.iter().copied());
    assert_eq!(loaded.appended, 1_920);
    let aggregated = batch(&five.candles, Interval::M5, Interval::M30);
    let mut outcomes = Vec::new();
    for candle in &aggregated {
        outcomes.push((
            candle.open_time,
            store.upsert("ETHBTC", Interval::M30, *candle),
        ));
    }
    let refreshed: Vec<i64> = outcomes
        .iter()
        .filter(|(_, o)| *o == Upsert::Refreshed)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(refreshed, vec![live_open]);
    let replaced = outcomes
        .iter()
        .filter(|(_, o)| *o == Upsert::Replaced)
        .count();
    assert_eq!(replaced, 111);
    let appended = outcomes
        .iter()
        .filter(|(_, o)| *o == Upsert::Appended)
        .count();
    assert_eq!(appended, aggregated.len() - 112);

    let series = store
        .series("ETHBTC", Interval::M30)
        .unwrap_or_else(|| panic!("stored"));
    assert_eq!(series.len(), 1_920 + appended);
    let final_live = series.get(live_open).unwrap_or_else(|| panic!("kept"));
    let expected_live = aggregated
        .iter()
        .find(|c| c.open_time == live_open)
        .copied();
    assert_eq!(Some(final_live), expected_live);
    assert!(
        final_live.volume > 5_000.0 && recorded_live.volume < 1_000.0,
        "{final_live:?}"
    );
    assert!(final_live.high != recorded_live.high || final_live.close != recorded_live.close);
    for original in &thirty.candles[..1_919] {
        let now = series
            .get(original.open_time)
            .unwrap_or_else(|| panic!("kept"));
        assert!(same_ohlc(original, &now) && same_volume(original.volume, now.volume));
    }
}
