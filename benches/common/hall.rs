//! The 200-person hall of November 2026 that the report and console benches share: staff, A/B
//! posts, about 20,000 punches, leave, a duty roster and meetings, in a real SQLite file in a
//! temp folder. Deterministic (a fixed LCG). Bench data only: no timing here.

use criterion::Criterion;
use hallclock::admin::export::{render_csv, render_json, render_table, write_xlsx};
use hallclock::admin::report::{self, ReportInput, ReportKind, ScoredPart};
use hallclock::core::calendar::DutyEntry;
use hallclock::core::ids::StaffId;
use hallclock::core::leave::{ApprovalLevel, HalfDay, LeaveKind, Post, PostId};
use hallclock::core::rules::{classify, Meeting, Period, Punch, RulesConfig, SignIn};
use hallclock::core::schedule::{Session, Sessions};
use hallclock::core::scoring::ScoringConfig;
use hallclock::store::{Approval, Audit, FactsQuery, NewLeave, PunchImportFormat, Store};
use jiff::civil::{date, Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::time::{Duration, Instant};

/// The audit record of the fixture's changes to the store.
fn audit() -> Audit {
    Audit::cli(Timestamp::UNIX_EPOCH, "bench", "")
}

pub const STAFF: usize = 200;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub rules: RulesConfig,
    pub scoring: ScoringConfig,
    pub punches: usize,
}

/// A tiny deterministic generator, so every run sees the same hall.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

pub fn id(i: usize) -> StaffId {
    StaffId::new(&format!("{i:04}")).expect("four digits are a staff id")
}

pub fn build() -> Fixture {
    let zone = TimeZone::get("Asia/Shanghai").expect("tz database");
    let rules = RulesConfig::hall_defaults(zone);
    let schedule = &rules.schedule;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("bench.db")).expect("store");
    let now: Timestamp = "2026-12-01T00:00:00Z".parse().expect("instant");
    for i in 0..STAFF {
        store
            .upsert_staff(&id(i), &format!("员工{i}"), None, now, &audit())
            .expect("staff");
    }
    for i in 0..STAFF {
        if i % 2 == 0 {
            let post = Post {
                id: PostId::new(&format!("W{:03}", i / 2)),
                holder: id(i),
                backup: id(i + 1),
            };
            store.set_post(&post, now, &audit()).expect("post");
        }
    }
    let at = |d: Date, h: i8, m: i8, s: i8| {
        schedule
            .to_instant(d.to_datetime(Time::new(h, m, s, 0).expect("time")))
            .expect("instant")
    };
    let mut rng = Lcg(42);
    let mut punches = Vec::new();
    let mut day = date(2026, 11, 1);
    while day <= date(2026, 11, 30) {
        let weekday = day.weekday().to_monday_one_offset();
        if weekday <= 5 {
            for i in 0..STAFF {
                if rng.next(100) == 0 {
                    continue; // absent
                }
                let staff = id(i);
                let mut push = |t: Timestamp| {
                    punches.push(Punch {
                        staff: staff.clone(),
                        at: t,
                        clock_trusted: true,
                    })
                };
                let late = rng.next(20) == 0;
                let arrive = if late {
                    at(day, 8, 1 + rng.next(20) as i8, 0)
                } else {
                    at(day, 7, 30 + rng.next(29) as i8, rng.next(60) as i8)
                };
                push(arrive);
                // the camera sees them twice at the door about one time in three
                if rng.next(3) == 0 {
                    push(arrive + SignedDuration::from_secs(3 + rng.next(40) as i64));
                }
                if rng.next(30) != 0 {
                    push(at(day, 11, 30 + rng.next(20) as i8, rng.next(60) as i8));
                }
                push(at(day, 13, 30 + rng.next(29) as i8, rng.next(60) as i8));
                if rng.next(3) == 0 {
                    push(at(day, 15, rng.next(60) as i8, 0)); // out and back in
                }
                let early = rng.next(25) == 0;
                push(if early {
                    at(day, 16, 30 + rng.next(29) as i8, 0)
                } else {
                    at(day, 17, rng.next(50) as i8, rng.next(60) as i8)
                });
            }
        }
        day = day.tomorrow().expect("next day");
    }
    let count = punches.len();
    store
        .import_punches(
            "bench",
            PunchImportFormat::Csv,
            "bench",
            &punches,
            now,
            &audit(),
        )
        .expect("import");

    // 40 leaves, some half days, a few without cover; all approved
    for n in 0..40usize {
        let who = (n * 5) % STAFF;
        let first = date(2026, 11, 2) + ((n % 20) as i64).days();
        let (fs, ls, last) = match n % 4 {
            0 => (Session::Morning, Session::Morning, first),
            1 => (Session::Afternoon, Session::Afternoon, first),
            2 => (Session::Morning, Session::Afternoon, first),
            _ => (Session::Morning, Session::Afternoon, first + 1.day()),
        };
        let leave = NewLeave {
            staff: id(who),
            kind: [
                LeaveKind::Personal,
                LeaveKind::Sick,
                LeaveKind::OfficialErrand,
            ][n % 3],
            first: HalfDay {
                date: first,
                session: fs,
            },
            last: HalfDay {
                date: last,
                session: ls,
            },
            cover: (n % 7 != 0).then(|| id(who ^ 1)),
            reason: String::new(),
            approval_required: ApprovalLevel::DeputyDirector,
        };
        let leave_id = store.add_leave(&leave, now, &audit()).expect("leave");
        store
            .approve_leave(
                leave_id,
                &Approval {
                    level: ApprovalLevel::DirectorWithUnitCertificate,
                    by: "主任".into(),
                    certified_by: Some("负责人".into()),
                    at: now,
                },
                &audit(),
            )
            .expect("approve");
    }
    // duty: 10 people each weekend day
    let mut duty = Vec::new();
    for d in [7, 8, 14, 15, 21, 22, 28, 29] {
        for k in 0..10 {
            duty.push(DutyEntry {
                staff: id((d as usize * 10 + k) % STAFF),
                date: date(2026, 11, d),
                sessions: Sessions::Morning,
            });
        }
    }
    store.import_duty(&duty, &audit()).expect("duty");
    // two meetings of everyone
    for (d, h) in [(5, 16), (19, 16)] {
        let start = at(date(2026, 11, d), h, 0, 0);
        let sign_ins = (0..STAFF)
            .filter(|i| i % 13 != 0)
            .map(|i| SignIn {
                staff: id(i),
                at: start + SignedDuration::from_mins(rng.next(6) as i64 - 4),
            })
            .collect();
        let meeting = Meeting {
            title: "月例会".into(),
            start,
            end: start + SignedDuration::from_mins(90),
            invited: (0..STAFF).map(id).collect(),
            sign_ins,
        };
        store
            .record_meeting(&meeting, now, &audit())
            .expect("meeting");
    }
    Fixture {
        _dir: dir,
        store,
        rules,
        scoring: ScoringConfig::hall_defaults(),
        punches: count,
    }
}
