//! A scripted month of state changes with hand-computed totals.

use chrono::{TimeZone, Utc};

use super::ledger::{month_costs, Month, StateChange};
use super::price::PriceTable;

/// Unix ms of a UTC time in 2026.
fn at(month: u32, day: u32, hour: u32) -> i64 {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .unwrap()
        .timestamp_millis()
}

fn change(state: &str, size: &str, at_ms: i64) -> StateChange {
    StateChange {
        machine_id: "m1".into(),
        state: state.into(),
        size: size.into(),
        region: "sin".into(),
        at_ms,
    }
}

/// Hand-computed hourly prices (doc §5, 720-hour month; sin has no documented factor):
/// normal = shared-cpu-2x $3.888 + 1.5 GB × $5 = $11.388; high = performance-1x $31;
/// low = shared-cpu-1x $1.944 + 0.75 GB × $5 = $5.694. Storage: 1 GB × $0.15 → $0.005/day.
const NORMAL: f64 = 11.388 / 720.0;
const HIGH: f64 = 31.0 / 720.0;
const LOW: f64 = 5.694 / 720.0;
const STORAGE_DAY: f64 = 0.005;

/// November 2026: created (stopped) in October; normal 1st 10:00–18:00; normal from the 3rd
/// 12:00, resized to high while started on the 5th 00:00, stopping 7th 05:00, stopped 7th
/// 06:00; low from the 28th 20:00, still running.
fn script() -> Vec<StateChange> {
    vec![
        change("stopped", "normal", at(10, 20, 0)),
        change("started", "normal", at(11, 1, 10)),
        change("stopped", "normal", at(11, 1, 18)),
        change("started", "normal", at(11, 3, 12)),
        change("started", "high", at(11, 5, 0)),
        change("stopping", "high", at(11, 7, 5)),
        change("stopped", "high", at(11, 7, 6)),
        change("started", "low", at(11, 28, 20)),
    ]
}

fn cents(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.005,
        "{actual:.4} != {expected:.4}"
    );
}

#[test]
fn a_scripted_month_matches_hand_computed_totals() {
    let month = Month::parse("2026-11").unwrap();
    let costs = month_costs(&script(), &PriceTable::default(), month, at(12, 2, 0));
    assert_eq!(costs.days.len(), 30);
    let day = |n: usize| &costs.days[n - 1].1;
    // 1st: 8 h normal = $0.1265 + storage.
    assert_eq!(day(1).started_hours, 8.0);
    cents(
        day(1).compute_usd + day(1).storage_usd,
        8.0 * NORMAL + STORAGE_DAY,
    );
    assert!((day(1).compute_usd - 0.126_533).abs() < 1e-6);
    // 2nd: stopped all day: storage only.
    assert_eq!(day(2).compute_usd, 0.0);
    assert!((day(2).storage_usd - STORAGE_DAY).abs() < 1e-12);
    // 3rd: 12 h normal; 4th: 24 h normal = $0.3796.
    assert_eq!(day(3).started_hours, 12.0);
    assert!((day(4).compute_usd - 0.379_6).abs() < 1e-6);
    // 5th, 6th: 24 h high = $1.0333 each; 7th: 6 h high (stopping counts) = $0.2583.
    assert!((day(5).compute_usd - 1.033_333).abs() < 1e-6);
    assert!((day(7).compute_usd - 0.258_333).abs() < 1e-6);
    assert_eq!(day(7).started_hours, 6.0);
    // 28th: 4 h low; 29th and 30th: 24 h low = $0.1898; cut at the month's end.
    assert_eq!(day(28).started_hours, 4.0);
    assert!((day(30).compute_usd - 0.189_8).abs() < 1e-6);
    // Month: compute 8+36 h normal, 54 h high, 52 h low; storage 30 days.
    let compute = 44.0 * NORMAL + 54.0 * HIGH + 52.0 * LOW;
    cents(costs.compute_usd(), 3.43);
    cents(costs.compute_usd(), compute);
    cents(costs.storage_usd(), 0.15);
    cents(costs.total_usd(), 3.58);
    // December so far (to the 2nd 00:00): 24 h low and a day of storage.
    let december = month_costs(
        &script(),
        &PriceTable::default(),
        month.next(),
        at(12, 2, 0),
    );
    cents(december.total_usd(), 24.0 * LOW + STORAGE_DAY);
    assert_eq!(december.days[1].1, Default::default(), "nothing after now");
}

#[test]
fn the_running_interval_counts_up_to_now() {
    let month = Month::parse("2026-11").unwrap();
    let costs = month_costs(&script(), &PriceTable::default(), month, at(11, 29, 12));
    let hours: f64 = costs.days.iter().map(|(_, d)| d.started_hours).sum();
    assert_eq!(hours, 8.0 + 36.0 + 54.0 + 4.0 + 12.0);
    assert_eq!(costs.days[29].1, Default::default());
    cents(costs.storage_usd(), 28.5 * STORAGE_DAY);
}

#[test]
fn overrides_replace_the_documented_price() {
    let month = Month::parse("2026-11").unwrap();
    let prices = PriceTable::with_overrides([("normal".to_owned(), 0.1)]).unwrap();
    let costs = month_costs(&script(), &prices, month, at(12, 2, 0));
    cents(costs.compute_usd(), 44.0 * 0.1 + 54.0 * HIGH + 52.0 * LOW);
}

#[test]
fn destroyed_machines_and_unknown_sizes() {
    let month = Month::parse("2026-11").unwrap();
    let changes = vec![
        change("started", "normal", at(11, 10, 0)),
        change("destroyed", "normal", at(11, 10, 6)),
        StateChange {
            machine_id: "m2".into(),
            ..change("started", "custom", at(11, 11, 0))
        },
        StateChange {
            machine_id: "m2".into(),
            ..change("stopped", "custom", at(11, 11, 1))
        },
    ];
    let costs = month_costs(&changes, &PriceTable::default(), month, at(11, 11, 2));
    cents(costs.compute_usd(), 6.0 * NORMAL);
    // m1: 6 h of storage; m2: from the 11th 00:00 to now (2 h).
    assert!((costs.storage_usd() - 8.0 * STORAGE_DAY / 24.0).abs() < 1e-12);
    assert_eq!(costs.unpriced, vec!["custom".to_owned()]);
}

#[test]
fn months_parse_strictly() {
    assert_eq!(Month::parse("2026-02").unwrap().days().count(), 28);
    assert_eq!(
        Month::parse("2026-12").unwrap().next().to_string(),
        "2027-01"
    );
    assert_eq!(Month::of(at(11, 30, 23)).to_string(), "2026-11");
    for bad in [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-11",
        "november",
        "",
        "2026-11-01",
    ] {
        assert!(Month::parse(bad).is_err(), "{bad}");
    }
}
