//! Auto-stop with a test clock: the idle period, the schedule's boundaries, and never while
//! in flight; the schedule's parser and its bad inputs.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::decide::*;
use super::schedule::*;

/// Monday 2026-11-23 at `h:m` UTC.
fn monday(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn seen(started: bool, cloud_traders: usize) -> Observation {
    Observation {
        started,
        cloud_traders,
        in_flight: None,
        parked: false,
    }
}

fn idle(minutes: u32) -> AutoStopSettings {
    AutoStopSettings {
        idle_minutes: Some(minutes),
        schedule: None,
    }
}

#[test]
fn idle_parks_after_exactly_the_period_and_a_cloud_trader_resets_it() {
    let settings = idle(30);
    let mut memory = ParkingMemory::default();
    let t0 = monday(10, 0);
    assert_eq!(decide(t0, &mut memory, &seen(true, 0), &settings), None);
    let just_before = t0 + Duration::minutes(30) - Duration::seconds(1);
    assert_eq!(
        decide(just_before, &mut memory, &seen(true, 0), &settings),
        None
    );
    assert_eq!(
        decide(
            t0 + Duration::minutes(30),
            &mut memory,
            &seen(true, 0),
            &settings
        ),
        Some(ParkReason::Idle { minutes: 30 })
    );

    // A trader in the cloud at minute 20 resets the clock: 30 more minutes from when it left.
    let mut memory = ParkingMemory::default();
    decide(t0, &mut memory, &seen(true, 0), &settings);
    let t20 = t0 + Duration::minutes(20);
    assert_eq!(decide(t20, &mut memory, &seen(true, 1), &settings), None);
    let t21 = t0 + Duration::minutes(21);
    assert_eq!(decide(t21, &mut memory, &seen(true, 0), &settings), None);
    assert_eq!(
        decide(
            t0 + Duration::minutes(50),
            &mut memory,
            &seen(true, 0),
            &settings
        ),
        None,
        "only 29 min idle since the trader left"
    );
    assert_eq!(
        decide(
            t21 + Duration::minutes(30),
            &mut memory,
            &seen(true, 0),
            &settings
        ),
        Some(ParkReason::Idle { minutes: 30 })
    );

    // A stopped machine is never parked and its idle clock starts anew when it runs again.
    let mut memory = ParkingMemory::default();
    decide(t0, &mut memory, &seen(true, 0), &settings);
    assert_eq!(
        decide(
            t0 + Duration::minutes(40),
            &mut memory,
            &seen(false, 0),
            &settings
        ),
        None
    );
    let back = t0 + Duration::minutes(41);
    assert_eq!(decide(back, &mut memory, &seen(true, 0), &settings), None);
    assert_eq!(
        decide(
            back + Duration::minutes(29),
            &mut memory,
            &seen(true, 0),
            &settings
        ),
        None
    );
    // Off: never.
    let mut memory = ParkingMemory::default();
    let off = AutoStopSettings::default();
    decide(t0, &mut memory, &seen(true, 0), &off);
    assert_eq!(
        decide(t0 + Duration::days(3), &mut memory, &seen(true, 0), &off),
        None
    );
}

#[test]
fn never_while_in_flight_and_asked_again_next_minute() {
    let settings = idle(5);
    let t0 = monday(10, 0);
    for in_flight in [
        InFlight::MachineLock {
            holder: "pid:1:2:3".into(),
        },
        InFlight::PendingCommand {
            command: "deploy_trader".into(),
        },
        InFlight::Lease {
            owner: "someone@example.com".into(),
        },
    ] {
        let mut memory = ParkingMemory::default();
        decide(t0, &mut memory, &seen(true, 0), &settings);
        let busy = Observation {
            in_flight: Some(in_flight.clone()),
            ..seen(true, 0)
        };
        let due = t0 + Duration::minutes(5);
        assert_eq!(
            decide(due, &mut memory, &busy, &settings),
            None,
            "{in_flight:?}"
        );
        // The next minute, with nothing in flight: parked (the idle clock kept running).
        assert_eq!(
            decide(
                due + Duration::minutes(1),
                &mut memory,
                &seen(true, 0),
                &settings
            ),
            Some(ParkReason::Idle { minutes: 5 }),
            "{in_flight:?}"
        );
    }
}

#[test]
fn schedule_boundaries_days_and_overnight_windows() {
    let day = Schedule::parse("mon-fri 08:00-22:00", 0).unwrap();
    assert_eq!(day.to_string(), "mon,tue,wed,thu,fri 08:00-22:00");
    assert!(!day.contains(monday(7, 59)));
    assert!(day.contains(monday(8, 0)));
    assert!(day.contains(monday(21, 59)));
    assert!(!day.contains(monday(22, 0)), "the end is outside");
    let saturday = monday(12, 0) + Duration::days(5);
    assert!(!day.contains(saturday), "not a listed day");

    // 22:00-06:00 starting Friday only: Friday night and Saturday morning.
    let night = Schedule::parse("fri 22:00-06:00", 0).unwrap();
    let friday = |h, m| monday(h, m) + Duration::days(4);
    assert!(!night.contains(friday(21, 59)));
    assert!(night.contains(friday(22, 0)));
    assert!(night.contains(friday(23, 59)));
    assert!(
        night.contains(friday(0, 0) + Duration::days(1)),
        "Sat 00:00"
    );
    assert!(
        night.contains(friday(5, 59) + Duration::days(1)),
        "Sat 05:59"
    );
    assert!(
        !night.contains(friday(6, 0) + Duration::days(1)),
        "Sat 06:00"
    );
    assert!(
        !night.contains(friday(1, 0)),
        "Fri 01:00 belongs to Thursday's night"
    );

    // A UTC offset: 08:00-22:00 at UTC+2 is 06:00-20:00 UTC.
    let east = Schedule::parse("daily 08:00-22:00", 120).unwrap();
    assert!(east.contains(monday(6, 0)));
    assert!(!east.contains(monday(20, 0)));
    assert_eq!(
        east.to_string(),
        "mon,tue,wed,thu,fri,sat,sun 08:00-22:00 UTC+02:00"
    );

    // The decision: outside parks at once (no idle period needed), inside keeps.
    let settings = AutoStopSettings {
        idle_minutes: None,
        schedule: Some(day),
    };
    let mut memory = ParkingMemory::default();
    assert_eq!(
        decide(monday(12, 0), &mut memory, &seen(true, 3), &settings),
        None
    );
    assert_eq!(
        decide(monday(22, 0), &mut memory, &seen(true, 3), &settings),
        Some(ParkReason::OutsideSchedule {
            schedule: "mon,tue,wed,thu,fri 08:00-22:00".into()
        })
    );
}

#[test]
fn a_machine_the_user_starts_again_outside_the_schedule_runs_until_the_next_window() {
    let settings = AutoStopSettings {
        idle_minutes: None,
        schedule: Some(Schedule::parse("mon-fri 08:00-22:00", 0).unwrap()),
    };
    let mut memory = ParkingMemory::default();
    assert!(decide(monday(22, 0), &mut memory, &seen(true, 0), &settings).is_some());
    // Parked (stopped), then the user starts it at 23:00.
    decide(monday(22, 1), &mut memory, &seen(false, 0), &settings);
    let restarted = Observation {
        parked: true,
        ..seen(true, 0)
    };
    assert_eq!(
        decide(monday(23, 0), &mut memory, &restarted, &settings),
        None
    );
    assert_eq!(
        decide(monday(23, 30), &mut memory, &seen(true, 0), &settings),
        None
    );
    // Inside the next window the override ends; outside again, it parks.
    let tuesday = |h| monday(h, 0) + Duration::days(1);
    assert_eq!(
        decide(tuesday(9), &mut memory, &seen(true, 0), &settings),
        None
    );
    assert!(decide(tuesday(22), &mut memory, &seen(true, 0), &settings).is_some());
}

#[test]
fn bad_inputs_are_refused() {
    for bad in [
        "mon-fri 25:00-22:00",
        "mon-fri 08:00-24:00",
        "mon-fri 8:00-22:00",
        "mon-fri 08:60-22:00",
        "mon-fri 08:00-08:00",
        "funday 08:00-22:00",
        "fri-mon 08:00-22:00",
        "mon-fri",
        "mon-fri 08:00",
        "mon-fri 08:00-22:00 extra",
        "",
    ] {
        let err = Schedule::parse(bad, 0).unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::InvalidInput, "{bad}");
    }
    assert!(Schedule::parse("mon 08:00-22:00", 15 * 60).is_err());
    assert!(idle(0).validate().is_err());
    assert!(idle(MAX_IDLE_MINUTES + 1).validate().is_err());
    assert!(idle(MAX_IDLE_MINUTES).validate().is_ok());
    let no_days = AutoStopSettings {
        idle_minutes: None,
        schedule: Some(Schedule {
            days: vec![],
            start_minute: 0,
            end_minute: 60,
            utc_offset_minutes: 0,
        }),
    };
    assert!(no_days.validate().is_err());
    let late = AutoStopSettings {
        idle_minutes: None,
        schedule: Some(Schedule {
            days: vec![Day::Mon],
            start_minute: 0,
            end_minute: 1440,
            utc_offset_minutes: 0,
        }),
    };
    assert!(late.validate().is_err());
}
