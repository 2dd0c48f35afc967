//! The month report of a 200-person hall: about 20,000 punches in November 2026, with leave, a
//! duty roster, meetings and 100 A/B posts, in a real SQLite file. Measures the whole path the
//! supervisor waits for — store load + classify + tally + render (table, JSON, CSV) — and prints
//! the figure; the target is under one second.
//!
//! This bench only builds its own data and times the public API; it must not touch the real
//! database or the face models.

use std::time::{Duration, Instant};

use criterion::Criterion;
use jiff::civil::{date, Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use hallclock::admin::export::{render_csv, render_json, render_table, write_xlsx};
use hallclock::admin::report::{self, ReportInput, ReportKind, ScoredPart};
use hallclock::core::calendar::DutyEntry;
use hallclock::core::ids::StaffId;
use hallclock::core::leave::{ApprovalLevel, HalfDay, LeaveKind, Post, PostId};
use hallclock::core::rules::{classify, Meeting, Period, Punch, RulesConfig, SignIn};
use hallclock::core::schedule::{Session, Sessions};
use hallclock::core::scoring::ScoringConfig;
use hallclock::store::{Approval, FactsQuery, NewLeave, PunchImportFormat, Store};

const STAFF: usize = 200;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    rules: RulesConfig,
    scoring: ScoringConfig,
    punches: usize,
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

fn id(i: usize) -> StaffId {
    StaffId::new(&format!("{i:04}")).expect("four digits are a staff id")
}

fn build() -> Fixture {
    let zone = TimeZone::get("Asia/Shanghai").expect("tz database");
    let rules = RulesConfig::hall_defaults(zone);
    let schedule = &rules.schedule;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("bench.db")).expect("store");
    let now: Timestamp = "2026-12-01T00:00:00Z".parse().expect("instant");
    for i in 0..STAFF {
        store
            .upsert_staff(&id(i), &format!("员工{i}"), None, now)
            .expect("staff");
    }
    for i in 0..STAFF {
        if i % 2 == 0 {
            let post = Post {
                id: PostId::new(&format!("W{:03}", i / 2)),
                holder: id(i),
                backup: id(i + 1),
            };
            store.set_post(&post, now).expect("post");
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
        .import_punches("bench", PunchImportFormat::Csv, "bench", &punches, now)
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
        let leave_id = store.add_leave(&leave, now).expect("leave");
        store
            .approve_leave(
                leave_id,
                &Approval {
                    level: ApprovalLevel::DirectorWithUnitCertificate,
                    by: "主任".into(),
                    certified_by: Some("负责人".into()),
                    at: now,
                },
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
    store.import_duty(&duty).expect("duty");
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
        store.record_meeting(&meeting, now).expect("meeting");
    }
    Fixture {
        _dir: dir,
        store,
        rules,
        scoring: ScoringConfig::hall_defaults(),
        punches: count,
    }
}

/// Timings of one month report.
struct Timings {
    load: Duration,
    classify: Duration,
    report: Duration,
    render: Duration,
    bytes: usize,
}

fn month_report(f: &Fixture, xlsx: Option<&std::path::Path>) -> Timings {
    let first = date(2026, 11, 1);
    let period = Period {
        first,
        last: first.last_of_month(),
    };
    let now: Timestamp = "2026-12-01T02:00:00Z".parse().expect("instant");
    let schedule = &f.rules.schedule;
    let midnight = |d: Date| {
        schedule
            .to_instant(d.to_datetime(Time::midnight()))
            .expect("midnight")
    };
    let t0 = Instant::now();
    let facts = f
        .store
        .load_facts(&FactsQuery {
            first: period.first,
            last: period.last,
            from: midnight(period.first.yesterday().expect("day")),
            until: midnight(period.last + 2.days()),
            summer_rule: hallclock::core::calendar::SummerRule::hall_defaults(),
        })
        .expect("load");
    let t1 = Instant::now();
    let attendance = classify(&f.rules, &facts.facts(), period, now).expect("classify");
    let t2 = Instant::now();
    let parts = [ScoredPart {
        label: "2026-11".into(),
        attendance,
    }];
    let built = report::build(&ReportInput {
        kind: ReportKind::Month,
        label: "2026-11",
        period,
        parts: &parts,
        names: &facts.names,
        leaves: &facts.leaves,
        calendar: &facts.calendar,
        posts: &facts.posts,
        rules: &f.rules,
        scoring: &f.scoring,
        zone: "Asia/Shanghai",
        now,
        only: None,
    });
    let t3 = Instant::now();
    let table = render_table(&built);
    let json = serde_json::to_string(&render_json(&built)).expect("json");
    let csv = render_csv(&built).expect("csv");
    let t4 = Instant::now();
    if let Some(path) = xlsx {
        write_xlsx(&built, path).expect("xlsx");
    }
    Timings {
        load: t1 - t0,
        classify: t2 - t1,
        report: t3 - t2,
        render: t4 - t3,
        bytes: table.len() + json.len() + csv.len(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let fixture = build();
    let runs = 10;
    let mut all: Vec<Timings> = (0..runs).map(|_| month_report(&fixture, None)).collect();
    all.sort_by_key(|t| t.load + t.classify + t.report + t.render);
    let median = &all[runs / 2];
    let total = median.load + median.classify + median.report + median.render;
    println!(
        "month report, {STAFF} staff, {} punches, 40 leaves, 80 duty entries, 2 meetings: \
         median of {runs} runs {:.1} ms (store load {:.1} ms, classify {:.1} ms, tally+report \
         {:.1} ms, render table+JSON+CSV {:.1} ms, {} bytes); target < 1000 ms",
        fixture.punches,
        ms(total),
        ms(median.load),
        ms(median.classify),
        ms(median.report),
        ms(median.render),
        median.bytes
    );
    let out = fixture._dir.path().join("month.xlsx");
    let started = Instant::now();
    let with_xlsx = month_report(&fixture, Some(&out));
    let all_in = started.elapsed();
    let rest = with_xlsx.load + with_xlsx.classify + with_xlsx.report + with_xlsx.render;
    println!(
        "the same month report also written as .xlsx: {:.1} ms in all ({:.1} ms for the workbook)",
        ms(all_in),
        ms(all_in.saturating_sub(rest))
    );
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("month_report_200_staff", |b| {
        b.iter(|| month_report(&fixture, None))
    });
    c.final_summary();
}
