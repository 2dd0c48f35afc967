//! The month, scored at the centre: central-scoring.md's worked examples (section 6) through the
//! real receiver (punches posted over HTTP by two doors of one hall), the real PostgreSQL and the
//! real `hallclock-central` commands, with an injected `--now`.
//!
//! The people: in September 2026 (22 working days) 0042 clean (in at door-1, out at door-2), 0043
//! C2 once and late twice, 0044 C1 ×5, 0045 H2 ×3 and H3 ×1, 0046 C3 filmed, 0047 joined on the
//! 16th; in April-June 0048 (window W7) with a D1 in May after April was closed and paid, 0049 (the
//! same window) missing one clock-out in April whose punch arrives after the closing.

use std::collections::HashMap;

use hallclock_central::sheet::{days_of, Settings};
use hallclock_core::assessment::Month;
use hallclock_core::calendar::Calendar;
use hallclock_core::schedule::Session;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::api::post_json;
use super::{repo, Db, Server};

const NOW: &str = "2026-10-08T02:00:00Z";

/// One door posting its punches in order.
struct Door {
    id: &'static str,
    token: String,
    seq: u64,
}

impl Door {
    fn record(&mut self, staff: &str, at: Timestamp) -> Value {
        self.seq += 1;
        json!({
            "idempotency_key": format!("{}:{}", self.id, self.seq), "device": self.id,
            "seq": self.seq, "staff_id": staff, "at": at.to_string(), "direction": "in",
            "clock_trusted": true, "verdict": "unjudged", "late_minutes": 0, "early_minutes": 0
        })
    }

    async fn post(&self, server: &Server, records: Vec<Value>) {
        for chunk in records.chunks(500) {
            let body =
                json!({ "protocol": 1, "device": self.id, "sent_at": NOW, "records": chunk });
            let (status, answer) = post_json(&server.punches_url(), &self.token, &body).await;
            assert_eq!(status, 200, "{answer}");
            for r in answer["results"].as_array().unwrap() {
                assert_eq!(r["status"], "accepted", "{r}");
            }
        }
    }
}

fn calendar() -> Calendar {
    let mut c = Calendar::hall_defaults();
    c.add_holiday_file(
        &std::fs::read_to_string(repo().join("firmware-config/holidays-2026.txt")).unwrap(),
    )
    .unwrap();
    c
}

/// Every working day's sessions of `month`: (clock-in point, clock-out point).
fn sessions(month: Month) -> Vec<(Timestamp, Timestamp)> {
    let settings = Settings::hall_defaults(TimeZone::get("Asia/Shanghai").unwrap());
    let cal = calendar();
    let (mut d, last) = days_of(month).unwrap();
    let mut out = Vec::new();
    while d <= last {
        if cal.is_working_day(d) {
            for s in Session::BOTH {
                let slot = settings.rules.schedule.slot(d, s, cal.season(d)).unwrap();
                out.push((slot.start, slot.end));
            }
        }
        d = d.tomorrow().unwrap();
    }
    out
}

fn m(y: i16, mo: i8) -> Month {
    Month::new(y, mo).unwrap()
}

/// A clean month: in 5 minutes early at `door_in`, out 5 minutes late at `door_out`
/// (the same door or another); `late` sessions clock in 10 minutes late instead; `skip_out`
/// sessions have no clock-out.
fn month_of(month: Month, late: &[usize], skip_out: &[usize]) -> Vec<(&'static str, Timestamp)> {
    let five = SignedDuration::from_mins(5);
    let mut out = Vec::new();
    for (i, (start, end)) in sessions(month).into_iter().enumerate() {
        let clock_in = if late.contains(&i) {
            start + SignedDuration::from_mins(10)
        } else {
            start - five
        };
        out.push(("in", clock_in));
        if !skip_out.contains(&i) {
            out.push(("out", end + five));
        }
    }
    out
}

fn ok(db: &Db, args: &[&str]) -> String {
    let mut all = vec!["--now", NOW];
    all.extend_from_slice(args);
    db.ok(&all)
}

fn sheet(db: &Db, month: &str) -> HashMap<String, Value> {
    let out = ok(
        db,
        &[
            "month", "sheet", "--hall", "east", "--month", month, "--format", "json",
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let sheet = &v[0];
    let mut by_id: HashMap<String, Value> = sheet["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["staff_id"].as_str().unwrap().to_string(), p.clone()))
        .collect();
    by_id.insert("_sheet".into(), sheet.clone());
    by_id
}

fn parts(p: &Value) -> (f64, f64, f64, f64, f64, String) {
    let g = |k: &str| p["parts"][k].as_f64().unwrap();
    (
        g("conduct"),
        g("attendance"),
        g("cases"),
        g("discipline"),
        p["score"].as_f64().unwrap(),
        p["due"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_specs_worked_examples_through_the_receiver() {
    let db = Db::new().await;
    let token1 = db.seeded();
    let token2 = db
        .ok(&["device", "add", "--hall", "east", "--id", "door-2"])
        .trim()
        .to_string();
    ok(
        &db,
        &[
            "calendar",
            "import",
            repo()
                .join("firmware-config/holidays-2026.txt")
                .to_str()
                .unwrap(),
        ],
    );
    for (id, name, from) in [
        ("0044", "赵敏", "2026-09-01"),
        ("0045", "钱进", "2026-09-01"),
        ("0046", "孙丽", "2026-09-01"),
        ("0047", "周新", "2026-09-16"),
        ("0048", "吴刚", "2026-04-01"),
        ("0049", "郑红", "2026-04-01"),
    ] {
        ok(
            &db,
            &[
                "staff",
                "add",
                "--hall",
                "east",
                "--id",
                id,
                "--name",
                name,
                "--active-from",
                from,
            ],
        );
    }
    for id in ["0042", "0043"] {
        ok(
            &db,
            &[
                "staff",
                "set",
                "--hall",
                "east",
                "--id",
                id,
                "--active-from",
                "2026-09-01",
            ],
        );
    }
    for id in ["0048", "0049"] {
        ok(
            &db,
            &[
                "staff",
                "set",
                "--hall",
                "east",
                "--id",
                id,
                "--post",
                "W7",
                "--active-until",
                "2026-06-30",
            ],
        );
    }
    let server = db.serve();
    let mut door1 = Door {
        id: "door-1",
        token: token1,
        seq: 0,
    };
    let mut door2 = Door {
        id: "door-2",
        token: token2,
        seq: 0,
    };

    // September: 0042 comes in at door-1 and leaves by door-2; everyone else uses door-1.
    let sep = m(2026, 9);
    let mut at1 = Vec::new();
    let mut at2 = Vec::new();
    for (who, late) in [
        ("0042", vec![]),
        ("0043", vec![0, 4]),
        ("0044", vec![]),
        ("0045", vec![]),
        ("0046", vec![]),
    ] {
        for (dir, at) in month_of(sep, &late, &[]) {
            if who == "0042" && dir == "out" {
                at2.push(door2.record(who, at));
            } else {
                at1.push(door1.record(who, at));
            }
        }
    }
    let joined = days_of(sep).unwrap().0.with().day(16).build().unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    for (_, at) in month_of(sep, &[], &[]) {
        if tz.to_datetime(at).date() >= joined {
            at1.push(door1.record("0047", at));
        }
    }
    // April to June for 0048 and 0049; 0049's last April clock-out is held back.
    let april_sessions = sessions(m(2026, 4)).len();
    let mut held_back = None;
    for month in [m(2026, 4), m(2026, 5), m(2026, 6)] {
        for who in ["0048", "0049"] {
            let skip: Vec<usize> = if who == "0049" && month == m(2026, 4) {
                vec![april_sessions - 1]
            } else {
                vec![]
            };
            for (_, at) in month_of(month, &[], &skip) {
                at1.push(door1.record(who, at));
            }
            if !skip.is_empty() {
                held_back =
                    Some(sessions(month)[april_sessions - 1].1 + SignedDuration::from_mins(5));
            }
        }
    }
    door1.post(&server, at1).await;
    door2.post(&server, at2).await;

    for (who, item, times, extra) in [
        ("0043", "C2", "1", None),
        ("0044", "C1", "5", None),
        ("0045", "H2", "3", None),
        ("0045", "H3", "1", None),
        ("0046", "C3", "1", Some("--withhold")),
    ] {
        let mut args = vec![
            "record",
            "add",
            "--hall",
            "east",
            "--staff",
            who,
            "--item",
            item,
            "--day",
            "2026-09-10",
            "--times",
            times,
            "--note",
            "投诉2026-0917号",
            "--by",
            "稽查督办科",
        ];
        args.extend(extra);
        ok(&db, &args);
    }
    // A record made by mistake and voided counts nothing.
    let wrong = ok(
        &db,
        &[
            "record",
            "add",
            "--hall",
            "east",
            "--staff",
            "0042",
            "--item",
            "C4",
            "--day",
            "2026-09-11",
            "--by",
            "稽查督办科",
        ],
    );
    ok(
        &db,
        &[
            "record",
            "void",
            "--hall",
            "east",
            "--id",
            wrong.trim(),
            "--reason",
            "记错了人",
            "--by",
            "稽查督办科",
        ],
    );

    let s = sheet(&db, "2026-09");
    assert_eq!(
        parts(&s["0042"]),
        (30.0, 30.0, 20.0, 20.0, 100.0, "150.00".into()),
        "clean, two doors merged"
    );
    assert_eq!(
        parts(&s["0043"]),
        (25.0, 20.0, 20.0, 20.0, 85.0, "127.50".into()),
        "C2 once, late twice"
    );
    assert_eq!(
        parts(&s["0044"]),
        (0.0, 30.0, 20.0, 20.0, 70.0, "105.00".into()),
        "C1 ×5"
    );
    assert_eq!(s["0044"]["deducted"], 35.0, "the year counts 35 deducted");
    assert_eq!(
        parts(&s["0045"]),
        (30.0, 30.0, 0.0, 20.0, 80.0, "120.00".into()),
        "H2 ×3, H3 ×1"
    );
    assert_eq!(
        parts(&s["0046"]),
        (22.0, 30.0, 20.0, 20.0, 92.0, "0.00".into()),
        "C3 filmed"
    );
    assert!(s["0046"]["withheld"].as_str().unwrap().contains("C3"));
    assert_eq!(
        parts(&s["0047"]),
        (30.0, 30.0, 20.0, 20.0, 100.0, "75.00".into()),
        "half a month"
    );
    assert_eq!(s["0047"]["working_days_on_list"], 11);
    assert_eq!(s["0047"]["working_days_in_month"], 22);
    assert!(!s.contains_key("0048"), "not on September's list");

    // April closes: 0048 clean (150.00); 0049 missed a clock-out (early: 25, 95, 142.50).
    let a = sheet(&db, "2026-04");
    assert_eq!(parts(&a["0049"]).5, "142.50");
    ok(
        &db,
        &[
            "month",
            "close",
            "--hall",
            "east",
            "--month",
            "2026-04",
            "--by",
            "稽查督办科",
        ],
    );
    // After the closing: a D1 in May, and 0049's April clock-out arrives late.
    ok(
        &db,
        &[
            "record",
            "add",
            "--hall",
            "east",
            "--staff",
            "0048",
            "--item",
            "D1",
            "--day",
            "2026-05-12",
            "--by",
            "稽查督办科",
        ],
    );
    let late = door1.record("0049", held_back.unwrap());
    door1.post(&server, vec![late]).await;

    let april = sheet(&db, "2026-04");
    assert!(april["_sheet"]["closed"].is_object());
    assert_eq!(
        parts(&april["0048"]).5,
        "150.00",
        "a closed sheet is frozen"
    );
    assert_eq!(
        parts(&april["0049"]).5,
        "142.50",
        "a closed sheet is frozen"
    );

    let may = sheet(&db, "2026-05");
    assert_eq!(
        parts(&may["0048"]),
        (30.0, 30.0, 20.0, 10.0, 90.0, "0.00".into()),
        "D1 in May"
    );
    let adjustments: Vec<(String, String, String)> = may["_sheet"]["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["staff_id"].as_str().unwrap().to_string(),
                a["month"].as_str().unwrap().to_string(),
                a["difference"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        adjustments,
        [
            (
                "0048".to_string(),
                "2026-04".to_string(),
                "-150.00".to_string()
            ),
            (
                "0049".to_string(),
                "2026-04".to_string(),
                "7.50".to_string()
            ),
        ],
        "May's sheet recovers April's 150.00 and pays 0049's late punch"
    );
    let june = sheet(&db, "2026-06");
    assert_eq!(parts(&june["0048"]).5, "0.00", "the quarter is withheld");
    assert!(
        june["_sheet"]["adjustments"].as_array().unwrap().is_empty(),
        "adjustments go on the next open sheet only"
    );

    // May closes with its adjustments; June then carries none for April again.
    ok(
        &db,
        &[
            "month",
            "close",
            "--hall",
            "east",
            "--month",
            "2026-05",
            "--by",
            "稽查督办科",
        ],
    );
    let june = sheet(&db, "2026-06");
    assert!(june["_sheet"]["adjustments"].as_array().unwrap().is_empty());
    let out = db.run(&[
        "--now", NOW, "month", "close", "--hall", "east", "--month", "2026-07", "--by", "x",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("close 2026-06 first"));

    // The year: 0048 barred by the D1, 0049 by their window's D1, 0044 by 35 points (≥ 30).
    let year: Value = serde_json::from_str(&ok(
        &db,
        &[
            "month", "year", "--hall", "east", "--year", "2026", "--format", "json",
        ],
    ))
    .unwrap();
    let eligible: HashMap<String, (bool, Option<String>)> = year["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["staff_id"].as_str().unwrap().to_string(),
                (
                    p["eligible"].as_bool().unwrap(),
                    p["barred_by_window"].as_str().map(String::from),
                ),
            )
        })
        .collect();
    assert_eq!(eligible["0048"], (false, None));
    assert_eq!(eligible["0049"], (false, Some("0048".into())));
    assert!(!eligible["0044"].0, "35 deducted bars the year");
    assert!(eligible["0042"].0);
    let alone: Value = serde_json::from_str(&ok(
        &db,
        &[
            "month", "year", "--hall", "east", "--year", "2026", "--staff", "0049", "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(alone["people"].as_array().unwrap().len(), 1);
    assert_eq!(
        alone["people"][0]["barred_by_window"], "0048",
        "one person's year still sees their window's D1"
    );

    // A person's month names the door of each punch.
    let person = ok(
        &db,
        &[
            "month", "person", "--hall", "east", "--staff", "0042", "--month", "2026-09",
        ],
    );
    assert!(
        person.contains("door-1") && person.contains("door-2"),
        "{person}"
    );
    assert!(person.contains("已作废: 记错了人"), "{person}");

    // The terminal sheet, with the hall's totals and May's adjustments.
    let table = ok(
        &db,
        &["month", "sheet", "--hall", "east", "--month", "2026-09"],
    );
    assert!(
        table.contains("东区政务服务大厅 2026-09 月度考核及专项资金发放表"),
        "{table}"
    );
    assert!(table.contains("合计"), "{table}");
    let may_table = ok(
        &db,
        &["month", "sheet", "--hall", "east", "--month", "2026-05"],
    );
    assert!(may_table.contains("已结账"), "{may_table}");

    // The downloads: CSV for Chinese Excel, and a workbook.
    let csv = ok(
        &db,
        &["month", "sheet", "--month", "2026-09", "--format", "csv"],
    );
    assert!(csv.starts_with("\u{feff}大厅,工号,姓名"), "{csv}");
    assert!(
        csv.contains("east,\"=\"\"0043\"\"\",李强,25.0,20.0,20.0,20.0,85.0"),
        "{csv}"
    );
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("fund.xlsx");
    ok(
        &db,
        &[
            "month",
            "sheet",
            "--month",
            "2026-09",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
}
