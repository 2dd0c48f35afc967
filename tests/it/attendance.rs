//! Attendance end to end on real parts: a real SQLite file in a temporary folder, the store, the
//! rules engine and the report path, and the real `hallclock` binary for import → report flows,
//! refused imports (nothing half-imported) and the Excel report opened by LibreOffice.
//!
//! These tests never load the face models: every command here must work without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::{date, Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::Value;

use hallclock::admin::export::render_json;
use hallclock::admin::import::parse_holiday_file;
use hallclock::admin::report::{self, ReportInput, ReportKind, ScoredPart};
use hallclock::core::calendar::{DutyEntry, SummerRule};
use hallclock::core::ids::StaffId;
use hallclock::core::leave::{ApprovalLevel, HalfDay, LeaveKind};
use hallclock::core::rules::{classify, Period, Punch, RulesConfig};
use hallclock::core::schedule::{Session, Sessions};
use hallclock::core::scoring::ScoringConfig;
use hallclock::store::{Approval, Audit, FactsQuery, NewLeave, PunchImportFormat, Store};

use super::{assert_has, hallclock_ok, output_ok, run_hallclock};

/// The audit record of the tests' changes to the store.
fn audit() -> Audit {
    Audit::cli(Timestamp::UNIX_EPOCH, "test", "")
}

fn id(s: &str) -> StaffId {
    StaffId::new(s).unwrap()
}

fn rules() -> RulesConfig {
    RulesConfig::hall_defaults(TimeZone::get("Asia/Shanghai").unwrap())
}

fn local(d: Date, hms: &str) -> Timestamp {
    let t: Time = hms.parse().unwrap();
    rules().schedule.to_instant(d.to_datetime(t)).unwrap()
}

fn as_of() -> Timestamp {
    "2027-01-01T00:00:00Z".parse().unwrap()
}

/// The report path the CLI takes: load facts → classify → report → JSON.
fn report_json(store: &Store, kind: ReportKind, period: Period) -> Value {
    let rules = rules();
    let midnight = |d: Date| {
        rules
            .schedule
            .to_instant(d.to_datetime(Time::midnight()))
            .unwrap()
    };
    let facts = store
        .load_facts(&FactsQuery {
            first: period.first,
            last: period.last,
            from: midnight(period.first.yesterday().unwrap()),
            until: midnight(period.last.tomorrow().unwrap().tomorrow().unwrap()),
            summer_rule: SummerRule::hall_defaults(),
        })
        .unwrap();
    let attendance = classify(&rules, &facts.facts(), period, as_of()).unwrap();
    let parts = [ScoredPart {
        label: "part".into(),
        attendance,
    }];
    let built = report::build(&ReportInput {
        kind,
        label: "test",
        period,
        parts: &parts,
        names: &facts.names,
        departments: &std::collections::BTreeMap::new(),
        leaves: &facts.leaves,
        calendar: &facts.calendar,
        posts: &facts.posts,
        rules: &rules,
        scoring: &ScoringConfig::hall_defaults(),
        zone: "Asia/Shanghai",
        now: as_of(),
        only: None,
        spoofs: &std::collections::BTreeMap::new(),
    });
    render_json(&built)
}

/// One person's day, as a row of spec section 8 or an edge case.
struct Case {
    who: &'static str,
    date: Date,
    punches: &'static [&'static str],
    /// (kind, first session, last session, cover arranged)
    leave: Option<(LeaveKind, Session, Session, bool)>,
    duty: bool,
    /// Expected JSON fields of the person's day report.
    want: &'static [(&'static str, f64)],
}

fn case(who: &'static str, date: Date, punches: &'static [&'static str]) -> Case {
    Case {
        who,
        date,
        punches,
        leave: None,
        duty: false,
        want: &[],
    }
}

impl Case {
    fn leave(self, kind: LeaveKind, first: Session, last: Session, covered: bool) -> Self {
        Case {
            leave: Some((kind, first, last, covered)),
            ..self
        }
    }
    fn duty(self) -> Self {
        Case { duty: true, ..self }
    }
    fn want(self, want: &'static [(&'static str, f64)]) -> Self {
        Case { want, ..self }
    }
}

/// Spec section 8 (every row) and the edge cases, each person on their own day, all in one real
/// SQLite file, judged through the store and the report path.
#[test]
fn spec_examples_through_store_and_report() {
    use LeaveKind::*;
    use Session::*;
    let winter = date(2026, 1, 12); // Monday
    let july = date(2026, 7, 13); // Monday
    let make_up = date(2026, 1, 17); // Saturday made a working day
    let duty_day = date(2026, 1, 24); // an ordinary Saturday
    let ok: &[(&str, f64)] = &[
        ("late", 0.0),
        ("early", 0.0),
        ("missing", 0.0),
        ("absence_days", 0.0),
        ("deduction", 0.0),
        ("score", 30.0),
    ];
    let cases = [
        // --- spec section 8
        case("s01", winter, &["07:52", "11:31", "13:58", "17:02"]).want(ok),
        case("s02", winter, &["08:03", "11:31", "13:58", "17:02"]).want(&[
            ("late", 1.0),
            ("late_minutes", 3.0),
            ("deduction", 5.0),
        ]),
        case("s03", winter, &["07:52", "13:58", "17:02"]).want(&[
            ("early", 1.0),
            ("missing", 1.0),
            ("deduction", 5.0),
        ]),
        case("s04", july, &["07:59", "11:30", "14:10", "17:31"]).want(ok),
        case("s05", july, &["07:59", "11:30", "14:31", "17:20"]).want(&[
            ("late", 1.0),
            ("late_minutes", 1.0),
            ("early", 1.0),
            ("early_minutes", 10.0),
            ("deduction", 10.0),
        ]),
        case("s06", winter, &[]).want(&[("absence_days", 1.0), ("deduction", 10.0)]),
        case("s07", winter, &[])
            .leave(Personal, Morning, Afternoon, true)
            .want(&[
                ("leave_days", 1.0),
                ("absence_days", 0.0),
                ("deduction", 5.0),
            ]),
        case("s08", winter, &[])
            .leave(Personal, Morning, Afternoon, false)
            .want(&[
                ("absence_days", 1.0),
                ("leave_days", 0.0),
                ("deduction", 10.0),
            ]),
        case("s09", winter, &["13:55", "17:00"])
            .leave(OfficialErrand, Morning, Morning, true)
            .want(&[("leave_days", 0.5), ("deduction", 1.5), ("score", 28.5)]),
        case("s10", duty_day, &[])
            .duty()
            .want(&[("duties_missed", 1.0), ("deduction", 5.0)]),
        case("s11", make_up, &[]).want(&[("absence_days", 1.0), ("deduction", 10.0)]),
        case("s12", winter, &["10:00", "13:58", "17:02"]).want(&[
            ("late", 1.0),
            ("early", 1.0),
            ("early_minutes", 90.0),
            ("missing", 1.0),
            ("deduction", 10.0),
        ]),
        // --- edge cases
        // a punch exactly at 08:00:00 (and at each point) is on time
        case(
            "e01",
            winter,
            &["08:00:00", "11:30:00", "14:00:00", "17:00:00"],
        )
        .want(ok),
        // one second late is late by one minute
        case("e02", winter, &["08:00:01", "11:30", "14:00", "17:00"]).want(&[
            ("late", 1.0),
            ("late_minutes", 1.0),
            ("deduction", 5.0),
        ]),
        // repeated sightings within 60 s are one pass: the morning has a single punch
        case(
            "e03",
            winter,
            &["07:55:00", "07:55:30", "07:55:59", "13:58", "17:02"],
        )
        .want(&[
            ("early", 1.0),
            ("early_minutes", 0.0),
            ("missing", 1.0),
            ("deduction", 5.0),
        ]),
        // lunch-gap punches: 12:44 closes the morning, 12:45 opens the afternoon
        case("e04", winter, &["07:55", "12:44", "12:45", "17:00"]).want(ok),
        // summer boundaries: 30 April regular, 1 May summer, 30 September summer, 8 October not
        case(
            "e05",
            date(2026, 4, 30),
            &["07:55", "11:30", "14:10", "17:00"],
        )
        .want(&[("late", 1.0), ("late_minutes", 10.0), ("deduction", 5.0)]),
        case(
            "e06",
            date(2026, 5, 1),
            &["07:55", "11:30", "14:10", "17:00"],
        )
        .want(&[("early", 1.0), ("early_minutes", 30.0), ("deduction", 5.0)]),
        case(
            "e07",
            date(2026, 9, 30),
            &["07:55", "11:30", "14:10", "17:30"],
        )
        .want(ok),
        case(
            "e08",
            date(2026, 10, 8),
            &["07:55", "11:30", "14:10", "17:00"],
        )
        .want(&[("late_minutes", 10.0), ("deduction", 5.0)]),
        // a make-up Saturday worked normally
        case("e09", make_up, &["07:55", "11:30", "13:55", "17:00"]).want(ok),
        // half-day private leave in the afternoon, morning worked
        case("e10", winter, &["07:55", "11:31"])
            .leave(Sick, Afternoon, Afternoon, true)
            .want(&[("leave_days", 0.5), ("deduction", 2.5)]),
        // half-day leave without cover, no punch that day: a whole day of absence
        case("e11", winter, &[])
            .leave(Personal, Morning, Morning, false)
            .want(&[("absence_days", 1.0), ("deduction", 10.0)]),
        // duty done: a punch in the rostered window
        case("e12", duty_day, &["09:10"])
            .duty()
            .want(&[("duties_missed", 0.0), ("deduction", 0.0)]),
        // overtime (延时服务) is never a fault
        case("e13", winter, &["07:55", "11:30", "13:55", "19:45"]).want(ok),
    ];

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hallclock.db")).unwrap();
    let now = as_of();
    for c in &cases {
        store
            .upsert_staff(&id(c.who), c.who, None, now, &audit())
            .unwrap();
    }
    store
        .upsert_staff(&id("b01"), "B", None, now, &audit())
        .unwrap();
    let file =
        parse_holiday_file("2026-01-17 workday 调休\n", SummerRule::hall_defaults()).unwrap();
    store
        .replace_calendar_years(&file.years, &file.days, &file.summers, &audit())
        .unwrap();
    let mut punches = Vec::new();
    let mut duty = Vec::new();
    for c in &cases {
        for p in c.punches {
            punches.push(Punch {
                staff: id(c.who),
                at: local(c.date, p),
                clock_trusted: true,
            });
        }
        if let Some((kind, first, last, covered)) = c.leave {
            let leave = NewLeave {
                staff: id(c.who),
                kind,
                first: HalfDay {
                    date: c.date,
                    session: first,
                },
                last: HalfDay {
                    date: c.date,
                    session: last,
                },
                cover: covered.then(|| id("b01")),
                reason: "test".into(),
                approval_required: ApprovalLevel::InspectionOffice,
            };
            let leave_id = store.add_leave(&leave, now, &audit()).unwrap();
            let approval = Approval {
                level: ApprovalLevel::DeputyDirector,
                by: "分管领导".into(),
                certified_by: None,
                at: now,
            };
            store.approve_leave(leave_id, &approval, &audit()).unwrap();
        }
        if c.duty {
            duty.push(DutyEntry {
                staff: id(c.who),
                date: c.date,
                sessions: Sessions::Morning,
            });
        }
    }
    store
        .import_punches(
            "cases",
            PunchImportFormat::Csv,
            "test",
            &punches,
            now,
            &audit(),
        )
        .unwrap();
    store.import_duty(&duty, &audit()).unwrap();

    for c in &cases {
        let json = report_json(
            &store,
            ReportKind::Day,
            Period {
                first: c.date,
                last: c.date,
            },
        );
        let person = &json["staff"][c.who];
        for (field, want) in c.want {
            let got = person[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{} {field} missing in {person}", c.who));
            assert_eq!(
                got, *want,
                "{} on {} field {field}: {person}",
                c.who, c.date
            );
        }
    }
}

/// Someone enrolled on Monday 16 November is judged from that day only: with no punch at all,
/// 11 working days of absence in November, not 21.
#[test]
fn a_person_enrolled_mid_month() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hallclock.db")).unwrap();
    store
        .upsert_staff(&id("0001"), "老员工", None, as_of(), &audit())
        .unwrap();
    store
        .upsert_staff(&id("0002"), "新员工", None, as_of(), &audit())
        .unwrap();
    store
        .set_active_from(&id("0002"), Some(date(2026, 11, 16)), &audit())
        .unwrap();
    let first = date(2026, 11, 1);
    let json = report_json(
        &store,
        ReportKind::Month,
        Period {
            first,
            last: first.last_of_month(),
        },
    );
    assert_eq!(json["staff"]["0001"]["absence_days"], 21.0);
    assert_eq!(json["staff"]["0002"]["absence_days"], 11.0);
    assert_eq!(json["staff"]["0002"]["deduction"], 110.0);
    assert_eq!(json["staff"]["0002"]["score"], 0.0);
    assert_eq!(json["staff"]["0002"]["fund"], 105.0);
}

// ---------------------------------------------------------------------------------------------
// The real binary

/// The arguments of `leave add` for `staff`: `kind` from `from`, then `more` (`--to`,
/// `--cover`…).
fn leave_add<'a>(staff: &'a str, kind: &'a str, from: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "leave", "add", "--staff", staff, "--kind", kind, "--from", from,
    ];
    args.extend_from_slice(more);
    args
}

/// The arguments of `leave approve` for leave `id` at `level` by `by`, then `more`.
fn leave_approve<'a>(id: &'a str, level: &'a str, by: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["leave", "approve", "--id", id, "--level", level, "--by", by];
    args.extend_from_slice(more);
    args
}

/// The arguments of `report month` for November 2026 as of `as_of`, then `more` (`--format`,
/// `--out`…).
fn november_report<'a>(as_of: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["report", "month", "--month", "2026-11", "--as-of", as_of];
    args.extend_from_slice(more);
    args
}

#[track_caller]
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = run_hallclock(dir, args);
    assert!(!o.status.success(), "hallclock {args:?} should have failed");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn counts(dir: &Path) -> (usize, usize, usize, (usize, usize)) {
    let store = Store::open(&dir.join("hallclock.db")).unwrap();
    (
        store.punch_count().unwrap(),
        store.leaves(None, None).unwrap().len(),
        store.duty_count().unwrap(),
        store.calendar_counts().unwrap(),
    )
}

/// Import → report through the real binary: staff, posts, calendar, duty, punches from CSV and
/// from a ZKTeco ATTLOG, leave with approval and 销假, a meeting, an amendment, then the month
/// report as JSON, CSV and Excel.
#[test]
fn import_then_month_report_with_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (id, name) in [
        ("0001", "王芳"),
        ("0002", "李强"),
        ("0003", "张伟"),
        ("0004", "刘洋"),
    ] {
        hallclock_ok(d, &["staff", "add", "--id", id, "--name", name]);
    }
    hallclock_ok(
        d,
        &["post", "set", "--post", "W01", "--a", "0001", "--b", "0002"],
    );
    hallclock_ok(
        d,
        &["post", "set", "--post", "W02", "--a", "0003", "--b", "0004"],
    );
    let cal = write(
        d,
        "2026.txt",
        "# 2026\n2026-11-14 workday 调休\n2026-11-20 holiday 测试假日\n",
    );
    let out = hallclock_ok(d, &["calendar", "import", cal.to_str().unwrap()]);
    assert!(out.contains("1 holiday(s), 1 make-up workday(s)"), "{out}");
    let duty = write(
        d,
        "duty.csv",
        "staff_id,date,sessions\n0004,2026-11-21,上午\n",
    );
    hallclock_ok(d, &["duty", "import", duty.to_str().unwrap()]);

    // Monday 2 November: 0001 on time, 0002 late, 0003 only in the afternoon; 0004 from the
    // terminal. Tuesday 3: 0001 early (amended later), others on time.
    let csv = write(
        d,
        "punches.csv",
        "staff_id,time\n\
         0001,2026-11-02 07:52\n0001,2026-11-02 11:31\n0001,2026-11-02 13:58\n0001,2026-11-02 17:02\n\
         0002,2026-11-02 08:03\n0002,2026-11-02 11:31\n0002,2026-11-02 13:58\n0002,2026-11-02 17:02\n\
         0003,2026-11-02 13:58\n0003,2026-11-02 17:02\n",
    );
    let out = hallclock_ok(d, &["punch", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("10 punch(es) added, 0 already on record"),
        "{out}"
    );
    let out = hallclock_ok(d, &["punch", "import", csv.to_str().unwrap()]);
    assert!(
        out.contains("0 punch(es) added, 10 already on record"),
        "{out}"
    );
    let attlog = write(
        d,
        "ATTLOG.dat",
        "  0004\t2026-11-02 07:40:00\t0\t15\t0\t0\n  0004\t2026-11-02 11:35:10\t1\t15\t0\t0\n\
         \x20 0004\t2026-11-02 13:40:00\t0\t15\t0\t0\n  0004\t2026-11-02 17:20:00\t1\t15\t0\t0\n",
    );
    let out = hallclock_ok(
        d,
        &[
            "punch",
            "import",
            attlog.to_str().unwrap(),
            "--format",
            "zkteco",
        ],
    );
    assert!(out.contains("4 punch(es) added"), "{out}");

    // 0002 takes a covered personal day on Wednesday 4th; 0003 an uncovered one on Thursday 5th.
    let out = hallclock_ok(
        d,
        &leave_add("0002", "事假", "2026-11-04", &["--cover", "0001"]),
    );
    assert!(out.contains("leave #1"), "{out}");
    assert!(out.contains("--level deputy-director"), "{out}");
    let err = refused(d, &leave_approve("1", "inspection-office", "科长", &[]));
    assert!(err.contains("leave #1 needs approval by 分管领导"), "{err}");
    hallclock_ok(d, &leave_approve("1", "deputy-director", "分管领导", &[]));
    hallclock_ok(
        d,
        &["leave", "close", "--id", "1", "--at", "2026-11-05 08:00"],
    );
    let out = hallclock_ok(d, &leave_add("0003", "personal", "2026-11-05", &[]));
    assert!(out.contains("无人顶岗"), "{out}");
    hallclock_ok(
        d,
        &leave_approve("2", "director", "主任", &["--certified-by", "负责人"]),
    );
    let out = hallclock_ok(d, &["leave", "list", "--month", "2026-11"]);
    assert!(out.contains("2 leave(s)"), "{out}");

    hallclock_ok(
        d,
        &[
            "meeting",
            "record",
            "--title",
            "月例会",
            "--start",
            "2026-11-06 16:00",
            "--end",
            "2026-11-06 17:00",
            "--invite",
            "0001,0002",
            "--sign-in",
            "0001=15:58",
            "--sign-in",
            "0002=16:05",
        ],
    );
    // the door missed 0003's morning: the supervisor adds it
    hallclock_ok(
        d,
        &[
            "punch",
            "amend",
            "--staff",
            "0003",
            "--add",
            "2026-11-02 07:58",
            "--reason",
            "门禁未识别,有监控为证",
            "--by",
            "0001",
        ],
    );
    let out = hallclock_ok(
        d,
        &["punch", "list", "--date", "2026-11-02", "--staff", "0003"],
    );
    assert!(out.contains("补卡 add 0003 2026-11-02 07:58:00"), "{out}");

    let out = hallclock_ok(
        d,
        &november_report("2026-11-03T00:00:00+08:00", &["--format", "json"]),
    );
    let json: Value = serde_json::from_str(&out).expect("one JSON object");
    let staff = &json["staff"];
    for field in [
        "late",
        "late_minutes",
        "early",
        "early_minutes",
        "missing",
        "absence_days",
        "leave_days",
        "deduction",
        "score",
        "fund",
    ] {
        assert!(
            staff["0001"][field].is_number(),
            "{field} in {}",
            staff["0001"]
        );
    }
    assert_eq!(staff["0001"]["deduction"], 0.0);
    assert_eq!(staff["0002"]["late"], 1);
    assert_eq!(staff["0002"]["late_minutes"], 3);
    // late on the 2nd (5) and, already signed in late at the meeting of the 6th, 2 more
    assert_eq!(staff["0002"]["meetings_late"], 1);
    assert_eq!(staff["0002"]["deduction"], 7.0);
    assert_eq!(staff["0002"]["score"], 23.0);
    assert_eq!(staff["0002"]["fund"], 139.5);
    // the added 07:58 is the morning clock-in; the clock-out is missing
    assert_eq!(staff["0003"]["missing"], 1);
    assert_eq!(staff["0003"]["deduction"], 5.0);
    assert_eq!(staff["0004"]["deduction"], 0.0);
    assert_eq!(json["staff"].as_object().unwrap().len(), 4);
    assert!(json["fund_note"].as_str().unwrap().contains("estimate"));

    // the whole month, judged after it ended
    let out = hallclock_ok(
        d,
        &november_report("2026-12-01T09:00:00+08:00", &["--format", "json"]),
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    let s2 = &json["staff"]["0002"];
    assert_eq!(s2["leave_days"], 1.0);
    assert_eq!(s2["leave_days_by_kind"]["personal"], 1.0);
    assert_eq!(s2["meetings_late"], 1);
    let s3 = &json["staff"]["0003"];
    // 21 working days (+ make-up Saturday 14th, − holiday 20th), 1 worked: 20 days absent,
    // the uncovered leave day among them
    assert_eq!(s3["absence_days"], 20.0);
    assert_eq!(s3["score"], 0.0);
    assert_eq!(s3["fund"], 105.0);
    assert_eq!(json["staff"]["0004"]["duties_missed"], 1);
    // W02 (0003/0004) had nobody at every session start after the 2nd
    let gaps = json["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["post"] == "W02" && g["date"] == "2026-11-03"),
        "{gaps:?}"
    );
    assert!(!gaps.iter().any(|g| g["date"] == "2026-11-02"), "{gaps:?}");
    assert_eq!(json["open_leaves"].as_array().unwrap().len(), 1); // leave #2 never closed

    let out = hallclock_ok(d, &november_report("2026-12-01T09:00:00+08:00", &[]));
    assert_has(&out, &["考勤月报 2026-11", "迟到次数", "王芳"]);
    assert!(out.contains("断档"), "{out}");

    hallclock_ok(
        d,
        &november_report(
            "2026-12-01T09:00:00+08:00",
            &["--format", "csv", "--out", "m.csv"],
        ),
    );
    let csv = std::fs::read_to_string(d.join("m.csv")).unwrap();
    assert!(
        csv.starts_with("\u{feff}工号/staff_id,姓名/name,派驻单位/department,迟到次数/late,迟到分钟/late_minutes"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 6, "header, 4 people, the hall: {csv}");

    let out = hallclock_ok(
        d,
        &[
            "report",
            "day",
            "--date",
            "2026-11-02",
            "--staff",
            "0002",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["staff"].as_object().unwrap().len(), 1);
    let out = hallclock_ok(
        d,
        &[
            "report",
            "year",
            "--year",
            "2026",
            "--format",
            "json",
            "--as-of",
            "2026-12-01T09:00:00+08:00",
        ],
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["staff"]["0003"]["barred_from_awards"], true);
    assert_eq!(
        json["staff"]["0001"]["monthly_scores"]
            .as_object()
            .unwrap()
            .len(),
        12
    );
}

/// Every bad file is refused whole, naming the file, the line and the reason, and the real
/// database is unchanged afterwards.
#[test]
fn bad_input_never_half_imports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for id in ["0001", "0002"] {
        hallclock_ok(d, &["staff", "add", "--id", id, "--name", id]);
    }
    let good = write(d, "good.csv", "staff_id,time\n0001,2026-11-02 07:52\n");
    hallclock_ok(d, &["punch", "import", good.to_str().unwrap()]);
    hallclock_ok(
        d,
        &leave_add("0001", "sick", "2026-11-04", &["--cover", "0002"]),
    );
    let cal = write(d, "cal.txt", "2026-10-01 holiday 国庆节\n");
    hallclock_ok(d, &["calendar", "import", cal.to_str().unwrap()]);
    let before = counts(d);
    assert_eq!(before, (1, 1, 0, (1, 0)));

    let berlin = write(d, "berlin.toml", "[rules]\nzone = \"Europe/Berlin\"\n");
    let rows: [(&str, &str, &[&str], &str); 7] = [
        (
            "malformed.csv",
            "staff_id,time\n0001,2026-11-03 07:50\n0002,2026-11-03 07:51,extra\n",
            &["punch", "import"],
            "line 3 (\"0002,2026-11-03 07:51,extra\"): malformed CSV: 3 fields where the header has 2",
        ),
        (
            "unknown.csv",
            "staff_id,time\n0001,2026-11-03 07:50\n0099,2026-11-03 07:51\n",
            &["punch", "import"],
            "line 3 (\"0099,2026-11-03 07:51\"): unknown staff id 0099; expected someone on the staff list",
        ),
        (
            "feb30.csv",
            "staff_id,time\n0001,2026-02-27 07:50\n0001,2026-02-30 07:51\n",
            &["punch", "import"],
            "line 3 (\"0001,2026-02-30 07:51\"): time \"2026-02-30 07:51\" is not a real date and time",
        ),
        (
            "dst-gap.csv",
            "staff_id,time\n0001,2026-03-27 07:50\n0001,2026-03-29 02:30\n",
            &["--config", berlin.to_str().unwrap(), "punch", "import"],
            "line 3 (\"0001,2026-03-29 02:30\"): time 2026-03-29 02:30 does not exist in zone Europe/Berlin",
        ),
        (
            "ATTLOG.dat",
            "0001\t2026-11-03 07:50:00\t0\t15\n0001\t2026-11-03 7:51\t0\t15\n",
            &["punch", "import", "--format", "zkteco"],
            "line 2 (\"0001\\t2026-11-03 7:51\\t0\\t15\"): time \"2026-11-03 7:51\" is not a real date and time",
        ),
        (
            "holidays.txt",
            "2027-01-01 holiday 元旦\n2027-02-16 holidy 春节\n",
            &["calendar", "import"],
            "holiday file line 2: expected `holiday` or `workday` after the date, found \"holidy\"",
        ),
        (
            "duty.csv",
            "staff_id,date\n0001,2026-11-07\n0003,2026-11-08\n",
            &["duty", "import"],
            "line 3 (\"0003,2026-11-08\"): unknown staff id 0003",
        ),
    ];
    for (name, text, args, reason) in rows {
        let path = write(d, name, text);
        let mut all: Vec<&str> = args.to_vec();
        all.push(path.to_str().unwrap());
        let err = refused(d, &all);
        assert!(err.contains("nothing imported"), "{name}: {err}");
        assert!(
            err.contains(&path.display().to_string()),
            "{name} names the file: {err}"
        );
        assert!(err.contains(reason), "{name}: expected {reason:?} in {err}");
        assert_eq!(counts(d), before, "{name} changed the database");
    }

    // an overlapping leave is refused with the existing one named
    let err = refused(
        d,
        &leave_add(
            "0001",
            "personal",
            "2026-11-04pm",
            &["--to", "2026-11-05", "--cover", "0002"],
        ),
    );
    assert!(
        err.contains("overlaps leave #1 (2026-11-04 morning to 2026-11-04 afternoon)"),
        "{err}"
    );
    assert_eq!(counts(d), before);
}

/// The supervisor opens the workbook in LibreOffice: convert it to PDF headless and find the
/// Chinese headers and sheet contents in the text.
#[test]
fn xlsx_report_opens_in_libreoffice_with_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    hallclock_ok(d, &["staff", "add", "--id", "0001", "--name", "王芳"]);
    hallclock_ok(d, &["staff", "add", "--id", "0002", "--name", "李强"]);
    hallclock_ok(
        d,
        &["post", "set", "--post", "W01", "--a", "0001", "--b", "0002"],
    );
    let csv = write(
        d,
        "p.csv",
        "staff_id,time\n0001,2026-11-02 08:03\n0001,2026-11-02 11:31\n0001,2026-11-02 13:58\n0001,2026-11-02 17:02\n",
    );
    hallclock_ok(d, &["punch", "import", csv.to_str().unwrap()]);
    hallclock_ok(
        d,
        &leave_add("0002", "病假", "2026-11-02", &["--cover", "0001"]),
    );
    hallclock_ok(d, &leave_approve("1", "deputy-director", "分管领导", &[]));
    let out = hallclock_ok(
        d,
        &november_report(
            "2026-11-03T12:00:00+08:00",
            &["--format", "xlsx", "--out", "report.xlsx"],
        ),
    );
    assert!(out.contains("report.xlsx"), "{out}");
    let xlsx = d.join("report.xlsx");
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

    let profile = format!("-env:UserInstallation=file://{}/lo-profile", d.display());
    output_ok(
        Command::new("libreoffice")
            .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
            .arg(d)
            .arg(&xlsx),
        "libreoffice is installed (scripts/bootstrap --test)",
    );
    let pdf = d.join("report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "考勤月报",
        "工号",
        "姓名",
        "迟到次数",
        "早退次数",
        "缺岗天数",
        "考勤得分",
        "考核资金估算",
        "王芳",
        "合计",
        "病假",
        "估算",
        "窗口",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
    // the leave list and the gap list sheets print their rows
    assert!(text.contains("W01"), "{text}");
    if let Ok(keep) = std::env::var("HALLCLOCK_KEEP_REPORT_PDF") {
        std::fs::copy(&pdf, keep).unwrap();
    }
}
