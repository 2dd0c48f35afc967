//! The hall's facts the centre owns beside the staff list (issue 9, item 4): posts, leave with its
//! approval, the duty roster and meetings, recorded with the real `hallclock-central` commands,
//! scored by the month sheet (an approved leave with cover excuses the days it covers, a duty day
//! with no punch and a missed meeting cost points) and sent to the doors by the facts endpoint in
//! its version 2 only.

use std::collections::HashMap;

use hallclock_core::assessment::Month;
use serde_json::Value;

use super::api::post_json;
use super::{repo, Db};

const NOW: &str = "2026-10-08T02:00:00Z";

fn ok(db: &Db, args: &[&str]) -> String {
    let mut all = vec!["--now", NOW];
    all.extend_from_slice(args);
    db.ok(&all)
}

fn refused(db: &Db, args: &[&str]) -> String {
    let mut all = vec!["--now", NOW];
    all.extend_from_slice(args);
    let out = db.run(&all);
    assert!(!out.status.success(), "{args:?} should be refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The attendance part and the score of each person in September 2026.
fn september(db: &Db) -> HashMap<String, (f64, f64)> {
    let out = ok(
        db,
        &[
            "month", "sheet", "--hall", "east", "--month", "2026-09", "--format", "json",
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    v[0]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["staff_id"].as_str().unwrap().to_string(),
                (
                    p["parts"]["attendance"].as_f64().unwrap(),
                    p["score"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

async fn facts(url: &str, token: &str) -> Value {
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn leave_duty_and_meetings_score_at_the_centre_and_reach_the_doors() {
    let db = Db::new().await;
    let token = db.seeded();
    let holidays = repo().join("firmware-config/holidays-2026.txt");
    ok(&db, &["calendar", "import", holidays.to_str().unwrap()]);
    ok(
        &db,
        &[
            "post", "set", "--hall", "east", "--post", "W03", "--a", "0042", "--b", "0043",
        ],
    );
    let posts = ok(&db, &["post", "list", "--hall", "east"]);
    assert!(posts.contains("W03\t0042 王芳\t0043 李强"), "{posts}");

    // September 2026 at door-1: both clean on every working day, except that 0042 is away on
    // the 14th and the 15th.
    let server = db.serve();
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let cal = {
        let mut c = hallclock_core::calendar::Calendar::hall_defaults();
        c.add_holiday_file(&std::fs::read_to_string(&holidays).unwrap())
            .unwrap();
        c
    };
    let rules = hallclock_core::rules::RulesConfig::hall_defaults(zone);
    let mut records = Vec::new();
    let mut seq = 0u64;
    let (mut d, last) = hallclock_central::sheet::days_of(Month::new(2026, 9).unwrap()).unwrap();
    assert!(
        !cal.is_working_day(jiff::civil::date(2026, 9, 12)),
        "the duty day is a day off"
    );
    while d <= last {
        if cal.is_working_day(d) {
            for s in hallclock_core::schedule::Session::BOTH {
                let slot = rules.schedule.slot(d, s, cal.season(d)).unwrap();
                for staff in ["0042", "0043"] {
                    if staff == "0042" && (d.day() == 14 || d.day() == 15) {
                        continue;
                    }
                    for at in [
                        slot.start - jiff::SignedDuration::from_mins(5),
                        slot.end + jiff::SignedDuration::from_mins(5),
                    ] {
                        seq += 1;
                        records.push(serde_json::json!({
                            "idempotency_key": format!("door-1:{seq}"), "device": "door-1",
                            "seq": seq, "staff_id": staff, "at": at.to_string(),
                            "direction": "in", "clock_trusted": true, "verdict": "unjudged",
                            "late_minutes": 0, "early_minutes": 0
                        }));
                    }
                }
            }
        }
        d = d.tomorrow().unwrap();
    }
    for chunk in records.chunks(500) {
        let body = serde_json::json!({
            "protocol": 1, "device": "door-1", "sent_at": NOW, "records": chunk
        });
        let (status, answer) = post_json(&server.punches_url(), &token, &body).await;
        assert_eq!(status, 200, "{answer}");
    }

    let before = september(&db);
    assert_eq!(before["0043"], (30.0, 100.0), "clean");
    let absent = before["0042"].0;
    assert_eq!(absent, 10.0, "two days away without leave: 缺岗 2 × 10");

    // A leave of two days with its cover: waiting, it excuses nothing.
    let id = ok(
        &db,
        &[
            "leave",
            "add",
            "--hall",
            "east",
            "--staff",
            "0042",
            "--kind",
            "事假",
            "--from",
            "2026-09-14",
            "--to",
            "2026-09-15",
            "--cover",
            "0043",
            "--reason",
            "家中有事",
            "--by",
            "稽查督办科",
        ],
    );
    let id = id.trim();
    assert_eq!(september(&db)["0042"], before["0042"], "not approved yet");
    // Nobody approves their own leave; two days need the director and a certifier.
    let approve = |by: &str, more: &[&str]| -> String {
        let mut args = vec!["leave", "approve", "--hall", "east", "--id", id, "--by", by];
        args.extend_from_slice(more);
        refused(&db, &args)
    };
    let own = approve("王芳", &[]);
    assert!(own.contains("self-approval"), "{own}");
    let low = approve("张主任", &["--level", "deputy-director"]);
    assert!(low.contains("needs approval by 主要领导"), "{low}");
    let uncertified = approve("张主任", &[]);
    assert!(uncertified.contains("certified"), "{uncertified}");
    ok(
        &db,
        &[
            "leave",
            "approve",
            "--hall",
            "east",
            "--id",
            id,
            "--by",
            "张主任",
            "--certified-by",
            "税务局 刘局长",
        ],
    );
    let on_leave = september(&db)["0042"].0;
    assert_eq!(on_leave, 20.0, "two days of 私假 with cover: 2 × 5");
    let list = ok(
        &db,
        &["leave", "list", "--hall", "east", "--month", "2026-09"],
    );
    let words: Vec<&str> = list.split_whitespace().collect();
    assert!(
        words.windows(10).any(|w| w[1..10]
            == [
                "0042",
                "王芳",
                "事假",
                "2026-09-14",
                "上午",
                "2026-09-15",
                "下午",
                "0043",
                "家中有事"
            ]),
        "{list}"
    );
    assert!(list.contains("已批准"), "{list}");
    let person: Value = serde_json::from_str(&ok(
        &db,
        &[
            "month", "person", "--hall", "east", "--staff", "0042", "--month", "2026-09",
            "--format", "json",
        ],
    ))
    .unwrap();
    assert_eq!(person["leaves"][0]["kind"], "personal");
    assert_eq!(person["leaves"][0]["approved"]["level"], "director");
    assert_eq!(person["leaves"][0]["cover"], "0043");

    // A duty day with no punch and a missed meeting cost points too.
    ok(
        &db,
        &[
            "duty",
            "add",
            "--hall",
            "east",
            "--day",
            "2026-09-12",
            "--staff",
            "0043",
        ],
    );
    let duty = september(&db)["0043"].0;
    assert_eq!(duty, 25.0, "on duty on the 12th and not there: 5");
    ok(
        &db,
        &[
            "meeting",
            "add",
            "--hall",
            "east",
            "--title",
            "月例会",
            "--start",
            "2026-09-16 15:00",
            "--end",
            "2026-09-16 16:00",
            "--sign-in",
            "0043=14:58",
            "--by",
            "稽查督办科",
        ],
    );
    let after = september(&db);
    assert_eq!(after["0042"].0, 15.0, "0042 missed the meeting: 5");
    assert_eq!(after["0043"].0, duty, "0043 signed in on time");
    let meetings = ok(
        &db,
        &["meeting", "list", "--hall", "east", "--month", "2026-09"],
    );
    assert!(
        meetings.contains("月例会\t2026-09-16 15:00\t16:00\t2\t1"),
        "{meetings}"
    );

    // The doors: version 1 carries none of it; version 2 carries all of it.
    let url = format!("{}/api/hallclock/v1/facts", server.base);
    let v1 = facts(&url, &token).await;
    assert_eq!(v1["protocol"], 1);
    for key in ["posts", "leaves", "duty", "meetings"] {
        assert!(v1.get(key).is_none(), "version 1 has no {key}: {v1}");
    }
    let v2 = facts(&format!("{url}?protocol=2"), &token).await;
    assert_eq!(v2["protocol"], 2);
    assert_eq!(v2["posts"][0]["a"], "0042");
    assert_eq!(v2["leaves"][0]["staff"], "0042");
    assert_eq!(v2["leaves"][0]["kind"], "personal");
    assert_eq!(v2["leaves"][0]["level"], "director");
    assert_eq!(v2["leaves"][0]["certified_by"], "税务局 刘局长");
    assert_eq!(v2["duty"][0]["day"], "2026-09-12");
    assert_eq!(v2["duty"][0]["sessions"], "both");
    assert_eq!(
        v2["meetings"][0]["invited"],
        serde_json::json!(["0042", "0043"])
    );
    assert_eq!(
        v2["meetings"][0]["sign_ins"][0]["at"],
        "2026-09-16T06:58:00Z"
    );
    assert_ne!(v1["version"], v2["version"]);

    // A cancelled leave excuses nothing and leaves the doors' copy.
    ok(&db, &["leave", "cancel", "--hall", "east", "--id", id]);
    let v2 = facts(&format!("{url}?protocol=2"), &token).await;
    assert!(v2.get("leaves").is_none(), "{v2}");
    assert_eq!(
        september(&db)["0042"].0,
        5.0,
        "absent again, and the meeting missed"
    );
    let list = ok(
        &db,
        &["leave", "list", "--hall", "east", "--month", "2026-09"],
    );
    assert!(list.contains("已撤销"), "{list}");
    // A sick leave of `staff` recorded at NOW, `more` flags after the days.
    let sick = |staff: &str, from: &str, to: &str, more: &[&str]| {
        let mut args = vec![
            "--now",
            NOW,
            "leave",
            "add",
            "--hall",
            "east",
            "--staff",
            staff,
            "--kind",
            "sick",
            "--from",
            from,
            "--to",
            to,
            "--by",
            "稽查督办科",
        ];
        args.extend_from_slice(more);
        let out = db.run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stderr)
    };
    let (stored, why) = sick("0042", "2026-09-15", "2026-09-15", &[]);
    assert!(stored, "a cancelled leave does not block a new one: {why}");
    let (stored, twice) = sick("0042", "2026-09-15pm", "2026-09-16", &[]);
    assert!(!stored);
    assert!(twice.contains("overlap"), "{twice}");
    // Covering oneself, or leave only on days off, make no sense (the core's check_request).
    let (stored, own_cover) = sick("0043", "2026-09-22", "2026-09-22", &["--cover", "0043"]);
    assert!(!stored);
    assert!(
        own_cover.contains("cannot cover their own post"),
        "{own_cover}"
    );
    let (stored, weekend) = sick("0043", "2026-09-19", "2026-09-19", &[]);
    assert!(!stored);
    assert!(weekend.contains("no working half day"), "{weekend}");

    // Every change has its audit line; the refused approvals and the overlapping leave none.
    let client = db.client().await;
    let actions: Vec<String> = client
        .query("SELECT action FROM audit_log ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        actions,
        [
            "post-set",
            "leave-add",
            "leave-approve",
            "duty-add",
            "meeting-add",
            "leave-cancel",
            "leave-add"
        ]
    );
    let approval: String = client
        .query_one(
            "SELECT actor || ': ' || detail FROM audit_log WHERE action = 'leave-approve'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        approval,
        format!("张主任: leave #{id} of 0042 at director by 张主任, certified by 税务局 刘局长")
    );
}
