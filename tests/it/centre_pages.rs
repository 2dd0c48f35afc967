//! The centre's pages (issue 9.6) in headless Chromium, in Chinese, with screenshots to look at
//! (`target/console-screenshots/centre-*.png`): an inspector signs in, sees the county, the
//! hall's month sheet (two doors' punches merged, a leave with cover, an inspection record), a
//! person's month with the door of every punch, the year's eligibility and the records page.
//! The real receiver and pages (`hallclock_central::{receiver, web}`) serve a real PostgreSQL.

use std::sync::Arc;

use hallclock::core::assessment::{ItemCode, ItemRecord, RecordId};
use hallclock::core::calendar::Calendar;
use hallclock::core::ids::StaffId;
use hallclock::core::leave::{ApprovalLevel, HalfDay, LeaveKind};
use hallclock::core::rules::RulesConfig;
use hallclock::core::schedule::Session;
use hallclock_central::receiver::{router, StoreHandle};
use hallclock_central::store::{AccountRow, AuditEntry, NewLeave};
use hallclock_central::web::{WebSettings, WebState};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::assert_has;
use super::central::{add_door, centre_of_east};
use super::central_api::post_json;
use super::console::Driver;

const PASSWORD: &str = "correct-horse-battery-1";
/// October 8th 2026, 10:00 in Shanghai: September has ended.
const NOW: &str = "2026-10-08T02:00:00Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_walks_the_centres_pages_in_chinese() {
    let (_cluster, db_settings, mut centre, holidays) =
        centre_of_east(&[("0001", "王芳"), ("0002", "李明"), ("0003", "张伟")]).await;
    let now: Timestamp = NOW.parse().unwrap();
    let id = |s: &str| StaffId::new(s).unwrap();
    let line = |action: &str| AuditEntry {
        at: now,
        actor: "inspector".into(),
        client: "cli".into(),
        action: action.into(),
        detail: String::new(),
    };
    centre
        .add_account(&AccountRow {
            name: "inspector".into(),
            role: "inspector".into(),
            hall: None,
            password_hash: hallclock_web::security::hash_password(PASSWORD).unwrap(),
        })
        .await
        .unwrap();
    // 0002 on leave on the 14th with 0001 covering; 0003 away on the 15th without leave; 0001 a
    // C2 (服务态度) record on the 10th.
    let leave = centre
        .add_leave(
            "east",
            &NewLeave {
                staff: id("0002"),
                kind: LeaveKind::Annual,
                first: HalfDay {
                    date: "2026-09-14".parse().unwrap(),
                    session: Session::Morning,
                },
                last: HalfDay {
                    date: "2026-09-14".parse().unwrap(),
                    session: Session::Afternoon,
                },
                cover: Some(id("0001")),
                reason: "公休".into(),
                approval_required: ApprovalLevel::DeputyDirector,
            },
            &line("leave-add"),
        )
        .await
        .unwrap();
    centre
        .approve_leave(
            "east",
            leave,
            ApprovalLevel::DeputyDirector,
            "张主任",
            None,
            now,
            &line("leave-approve"),
        )
        .await
        .unwrap();
    centre
        .add_record_audited(
            "east",
            &ItemRecord {
                id: RecordId(0),
                staff: id("0001"),
                item: ItemCode::parse("C2").unwrap(),
                day: "2026-09-10".parse().unwrap(),
                times: 1,
                withhold_month: false,
                note: "群众投诉 2026-0917".into(),
                author: "inspector".into(),
                recorded_at: now,
            },
            &line("record-add"),
        )
        .await
        .unwrap();
    let tokens = [
        add_door(&centre, "door-1").await,
        add_door(&centre, "door-2").await,
    ];

    // Serve the receiver and the pages as `hallclock-central serve` does.
    let handle = Arc::new(StoreHandle::new(db_settings.clone(), centre));
    let guard = tokio::task::spawn_blocking(|| {
        hallclock_web::Guard::new(&hallclock_web::GuardLimits::default())
    })
    .await
    .unwrap()
    .unwrap();
    let pages = WebState::new(handle.clone(), guard, WebSettings::default(), Some(now));
    let app = router(handle).merge(hallclock_central::web::router(pages));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    // September's punches: in at door-1, out at door-2, five minutes either side.
    let mut cal = Calendar::hall_defaults();
    cal.add_holiday_file(&holidays).unwrap();
    let rules = RulesConfig::hall_defaults(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    let mut batches = [Vec::new(), Vec::new()];
    let mut d: jiff::civil::Date = "2026-09-01".parse().unwrap();
    while d.month() == 9 {
        if cal.is_working_day(d) {
            for s in Session::BOTH {
                let slot = rules.schedule.slot(d, s, cal.season(d)).unwrap();
                for staff in ["0001", "0002", "0003"] {
                    let away =
                        (staff == "0002" && d.day() == 14) || (staff == "0003" && d.day() == 15);
                    if away {
                        continue;
                    }
                    let late = staff == "0002" && s == Session::Morning && d.day() <= 3;
                    let clock_in = if late {
                        slot.start + SignedDuration::from_mins(12)
                    } else {
                        slot.start - SignedDuration::from_mins(5)
                    };
                    batches[0].push((staff, clock_in));
                    batches[1].push((staff, slot.end + SignedDuration::from_mins(5)));
                }
            }
        }
        d = d.tomorrow().unwrap();
    }
    for (i, (door, token)) in ["door-1", "door-2"].iter().zip(&tokens).enumerate() {
        let records: Vec<_> = batches[i]
            .iter()
            .enumerate()
            .map(|(n, (staff, at))| {
                json!({
                    "idempotency_key": format!("{door}:{}", n + 1), "device": door,
                    "seq": n + 1, "staff_id": staff, "at": at.to_string(),
                    "direction": if i == 0 { "in" } else { "out" }, "clock_trusted": true,
                    "verdict": "unjudged", "late_minutes": 0, "early_minutes": 0
                })
            })
            .collect();
        for chunk in records.chunks(500) {
            let body = json!({ "protocol": 1, "device": door, "sent_at": NOW, "records": chunk });
            let (status, answer) = post_json(
                &format!("{base}/api/hallclock/v1/punches"),
                token.reveal(),
                &body,
            )
            .await;
            assert_eq!(status, 200, "{answer}");
        }
    }

    let web = Driver::start().await;
    web.go(&format!("{base}/login")).await;
    web.type_in("#name", "inspector").await;
    web.type_in("#password", PASSWORD).await;
    web.screenshot("centre-1-sign-in").await;
    web.click("#signin").await;
    let header = web.text_when("header", "inspector").await;
    assert!(header.contains("inspector"), "{header}");
    let county = web.text_when("main", "东区政务服务大厅").await;
    assert!(county.contains("东区政务服务大厅"), "{county}");
    web.screenshot("centre-2-county").await;

    let sheet = web
        .open_main(&format!("{base}/sheet?hall=east&month=2026-09"), "王芳")
        .await;
    for who in ["0001 王芳", "0002 李明", "0003 张伟"] {
        let (id, name) = who.split_once(' ').unwrap();
        assert!(
            sheet.contains(id) && sheet.contains(name),
            "{who} on the sheet: {sheet}"
        );
    }
    web.screenshot("centre-3-month-sheet").await;

    let person = web
        .open_main(
            &format!("{base}/person?hall=east&staff=0002&month=2026-09"),
            "door-2",
        )
        .await;
    assert_has(&person, &["door-1", "door-2"]);
    assert!(
        person.contains("公休") && person.contains("已批准"),
        "the leave: {person}"
    );
    web.screenshot("centre-4-person").await;

    let year = web
        .open_main(&format!("{base}/year?hall=east&year=2026"), "李明")
        .await;
    assert!(year.contains("王芳"), "{year}");
    web.screenshot("centre-5-year").await;

    let records = web
        .open_main(&format!("{base}/records?hall=east&month=2026-09"), "C2")
        .await;
    assert!(records.contains("群众投诉 2026-0917"), "{records}");
    web.screenshot("centre-6-records").await;

    // A record refused (no 31 September) keeps what was typed: the person chosen by name, the
    // item, the note.
    web.click("#staff option[value='0003']").await;
    web.click("#item option[value='A9']").await;
    web.type_in("#day", "2026-09-31").await;
    web.type_in("#note", "巡查发现串岗").await;
    web.click("#record").await;
    let refused = web.text_when("main", "2026-09-31").await;
    assert!(refused.contains("日期"), "{refused}");
    for (css, want) in [
        ("#staff", "0003"),
        ("#item", "A9"),
        ("#note", "巡查发现串岗"),
    ] {
        let e = web.find(css).await;
        let value = web.get(&format!("/element/{e}/property/value")).await;
        assert_eq!(value, want, "{css} keeps what was typed");
    }
    web.screenshot("centre-7-record-refused").await;
    web.go(&format!("{base}/records?hall=east&month=2026-09"))
        .await;
    web.click("#staff option[value='0003']").await;
    web.click("#item option[value='A9']").await;
    web.type_in("#day", "2026-09-30").await;
    web.click("#record").await;
    let stored = web.text_when("main", "张伟").await;
    assert_has(&stored, &["0003 张伟", "A9 串岗"]);

    // Leave at the centre: 0003's day away is recorded with 0001 covering; a day needs the
    // deputy director (分管领导), more than the inspection office may approve.
    let listed = web
        .open_main(&format!("{base}/leave?hall=east&month=2026-09"), "公休")
        .await;
    assert_has(&listed, &["已批准", "张主任"]);
    web.click("#staff option[value='0003']").await;
    web.click("#kind option[value='personal']").await;
    web.type_in("#from", "2026-09-15").await;
    web.type_in("#to", "2026-09-15").await;
    web.click("#cover option[value='0001']").await;
    web.type_in("#reason", "家中有事").await;
    web.click("#add-leave").await;
    let added = web.text_when("main", "已登记请假").await;
    assert!(added.contains("已登记请假 #2 (2 个半天)"), "{added}");
    assert!(added.contains("待分管领导审批"), "{added}");
    web.click("#leaves tr:nth-child(3) button").await;
    let refused = web.text_when("main", "最多可审批至").await;
    assert!(
        refused.contains("inspector 最多可审批至稽查督办科；请假 #2 需由分管领导审批"),
        "{refused}"
    );
    web.screenshot("centre-8-leave").await;
    web.quit().await;
    server.abort();
}
