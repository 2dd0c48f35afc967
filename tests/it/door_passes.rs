//! Staff at the door (issue 12, item 9): each kind of pass, played through the daemon's real
//! decide stage (the real `DoorEngine`) and its real record stage on a real SQLite file, and the
//! pattern the feedback stage is handed checked against the pattern table: on time, late,
//! mid-morning arrival, stepping out and back, a second pass, an unknown face, a refused face;
//! then with `[door] clock-out = "each-pass"` and `unknown-alarm = true`. The month report
//! (`classify` over the stored punches) agrees with what the light said.
//!
//! No camera and no models: the sightings are what the recognise stage would send. Every time is
//! injected (a Wednesday in November, hall time); the test does not depend on the day it runs.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use hallclock::app::telemetry::Telemetry;
use hallclock::core::calendar::{Calendar, SummerRule};
use hallclock::core::ids::StaffId;
use hallclock::core::liveness::LivenessMode;
use hallclock::core::rules::{
    classify, ClockOutRule, DayVerdict, DoorEngine, DoorPolicy, Face, Mark, Period, RulesConfig,
    SessionOutcome, Signal,
};
use hallclock::daemon::decide::{self, FactsWatch, FeedbackJob, RecordJob};
use hallclock::daemon::recognise::SightingEvent;
use hallclock::daemon::sinks;
use hallclock::hw::clock::{ClockTrust, FixedClock, WallClock};
use hallclock::hw::feedback::{pattern, Step};
use hallclock::store::{Audit, FactsQuery, LivenessMark, Store};
use jiff::civil::{date, Date};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use tokio::sync::mpsc;

const DAY: Date = date(2026, 11, 18);

fn zone() -> TimeZone {
    TimeZone::get("Asia/Shanghai").expect("the tz database has Asia/Shanghai")
}

/// `"07:52"` or `"07:52:30"` on [`DAY`], hall time.
fn at(hms: &str) -> Timestamp {
    let t: jiff::civil::Time = hms.parse().expect("a time");
    zone()
        .to_ambiguous_timestamp(DAY.to_datetime(t))
        .compatible()
        .expect("a hall time")
}

/// One pass: who (`"?"` for an unknown face, `"!0001"` for 0001's face refused as a photo),
/// when, and the pattern the door must show.
struct Pass {
    who: &'static str,
    at: &'static str,
    shown: Signal,
}

fn pass(who: &'static str, at: &'static str, shown: Signal) -> Pass {
    Pass { who, at, shown }
}

/// The decide and record stages on a fresh database in `dir`, with `policy`, the hall's other
/// defaults and `[liveness] mode = "refuse"`; plays `passes` in order, each waiting for its
/// light, and returns the store's path.
fn play(dir: &std::path::Path, policy: DoorPolicy, passes: &[Pass]) -> std::path::PathBuf {
    let db = dir.join("hallclock.db");
    let mut store = Store::open(&db).expect("a new database");
    for (id, name) in [("0001", "张伟"), ("0002", "王芳"), ("0003", "李娜")] {
        let staff = StaffId::new(id).expect("an id");
        let audit = Audit::cli(at("06:00"), "test", "");
        store
            .upsert_staff(&staff, name, None, at("06:00"), &audit)
            .expect("staff saved");
    }
    let rules = RulesConfig {
        door: policy,
        ..RulesConfig::hall_defaults(zone())
    };
    let start = at(passes[0].at);
    let engine = DoorEngine::new(rules, Calendar::hall_defaults(), vec![], vec![], start);
    let rt = super::runtime();
    rt.block_on(async {
        let telemetry = Arc::new(Telemetry::default());
        let (sight_tx, sight_rx) = mpsc::channel::<SightingEvent>(4);
        let (rec_tx, rec_rx) = mpsc::channel::<RecordJob>(4);
        let (fb_tx, mut fb_rx) = mpsc::channel::<FeedbackJob>(16);
        let record = sinks::Record {
            store,
            device_id: "door-test".into(),
            zone: zone(),
            wake_uploader: None,
            clock: WallClock::from_start(Some(start)),
            evidence_retention: None,
        };
        let (t, fb) = (telemetry.clone(), fb_tx.clone());
        let recorder = std::thread::spawn(move || sinks::run_record(record, rec_rx, fb, t));
        let clock: Arc<dyn ClockTrust> = Arc::new(FixedClock(true));
        let watch = FactsWatch {
            db_path: db.clone(),
            summer: SummerRule::hall_defaults(),
            generation: 0,
            reload: Arc::new(AtomicBool::new(false)),
            every: Duration::from_secs(3600),
        };
        let decider = tokio::spawn(decide::run(
            engine,
            sight_rx,
            rec_tx,
            fb_tx,
            clock,
            WallClock::from_start(Some(start)),
            telemetry,
            watch,
            LivenessMode::Refuse,
        ));
        for (n, pass) in passes.iter().enumerate() {
            let (face, suspect) = match pass.who {
                "?" => (Face::Unknown, false),
                id => match id.strip_prefix('!') {
                    Some(id) => (Face::Known(StaffId::new(id).expect("an id")), true),
                    None => (Face::Known(StaffId::new(id).expect("an id")), false),
                },
            };
            let when = at(pass.at);
            let event = SightingEvent {
                sighting_id: n as u64 + 1,
                face,
                score: Some(0.8),
                at: when,
                first_seen: when,
                track: n as u64 + 1,
                liveness: suspect.then(|| LivenessMark {
                    suspect: true,
                    score: 0.1,
                    reasons: "bezel".into(),
                }),
                evidence: None,
            };
            sight_tx.send(event).await.expect("the decide stage runs");
            let job = tokio::time::timeout(Duration::from_secs(10), fb_rx.recv())
                .await
                .expect("a light within 10 s")
                .expect("the feedback channel is open");
            assert_eq!(job.sighting_id, n as u64 + 1, "{} at {}", pass.who, pass.at);
            assert_eq!(
                (job.signal, pattern(job.signal)),
                (pass.shown, pattern(pass.shown)),
                "{} at {}",
                pass.who,
                pass.at
            );
        }
        drop(sight_tx);
        decider
            .await
            .expect("the decide task")
            .expect("the decide stage ends cleanly");
        recorder
            .join()
            .expect("the record thread")
            .expect("the record stage ends cleanly");
    });
    db
}

/// The stored punches of [`DAY`] as the month report reads them: each person's morning
/// clock-in and clock-out verdicts.
fn report(db: &std::path::Path) -> Vec<String> {
    let store = Store::open(db).expect("the database");
    let facts = store
        .load_facts(&FactsQuery {
            first: DAY,
            last: DAY,
            from: at("00:00"),
            until: at("23:59:59"),
            summer_rule: SummerRule::hall_defaults(),
        })
        .expect("the facts");
    let rules = RulesConfig::hall_defaults(zone());
    let attendance = classify(
        &rules,
        &facts.facts(),
        Period {
            first: DAY,
            last: DAY,
        },
        at("23:59:59"),
    )
    .expect("classified");
    attendance
        .days
        .iter()
        .map(|d| {
            let verdict = |m: &Option<Mark>| m.as_ref().map(|m| format!("{:?}", m.verdict));
            let morning = match &d.verdict {
                DayVerdict::Working {
                    morning:
                        SessionOutcome::Attended {
                            clock_in,
                            clock_out,
                        },
                    ..
                } => format!("{:?} / {:?}", verdict(clock_in), verdict(clock_out)),
                other => format!("{other:?}"),
            };
            format!("{} {morning}", d.staff)
        })
        .collect()
}

#[test]
fn each_pass_kind_shows_its_own_pattern() {
    let dir = tempfile::tempdir().expect("temp dir");
    let passes = [
        // on time
        pass("0001", "07:52", Signal::ClockedIn),
        // a second pass within the same-pass minute: acknowledged, not ignored
        pass("0001", "07:52:30", Signal::AlreadyRecorded),
        // late
        pass("0002", "08:07", Signal::Late),
        // stepping out and back: neither pass is early
        pass("0001", "10:00", Signal::ClockedOut),
        // mid-morning arrival: a late clock-in, not an early clock-out
        pass("0003", "10:05", Signal::Late),
        pass("0001", "10:20", Signal::ClockedOut),
        // an unknown face (a citizen): nothing shown
        pass("?", "10:30", Signal::Quiet),
        // a face refused as a photo: not recorded, see the supervisor
        pass("!0002", "10:40", Signal::Refused),
        // the session's last pass: on time
        pass("0001", "11:31", Signal::ClockedOut),
        pass("0002", "11:32", Signal::ClockedOut),
        pass("0003", "11:33", Signal::ClockedOut),
    ];
    let db = play(dir.path(), DoorPolicy::hall_defaults(), &passes);
    assert!(pattern(Signal::Quiet).is_empty());
    assert!(!pattern(Signal::AlreadyRecorded)
        .iter()
        .any(|s: &Step| s.buzzer));
    // Eight punches: the repeat, the unknown face and the refused face wrote none.
    let store = Store::open(&db).expect("the database");
    assert_eq!(store.punch_count().expect("count"), 8);
    // The month report agrees with the lights: 0001 stepped out and back and is on time, 0002
    // and 0003 (the mid-morning arrival) clocked in late and out on time.
    assert_eq!(
        report(&db),
        [
            "0001 Some(\"OnTime\") / Some(\"OnTime\")",
            "0002 Some(\"Late { minutes: 7 }\") / Some(\"OnTime\")",
            "0003 Some(\"Late { minutes: 125 }\") / Some(\"OnTime\")",
        ]
    );
}

#[test]
fn each_pass_counts_and_the_unknown_alarm_are_settings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = DoorPolicy {
        clock_out: ClockOutRule::EachPass,
        unknown_alarm: true,
    };
    let passes = [
        pass("0001", "07:52", Signal::ClockedIn),
        // with each pass counting, stepping out shows early (amber, never the fault's red)
        pass("0001", "10:00", Signal::Early),
        // arriving mid-morning is still a late clock-in
        pass("0003", "10:05", Signal::Late),
        pass("?", "10:30", Signal::Unknown),
    ];
    play(dir.path(), policy, &passes);
    assert!(pattern(Signal::Early).iter().any(|s| s.green));
    assert!(!pattern(Signal::Fault).iter().any(|s| s.green));
}
