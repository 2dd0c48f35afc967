//! Issue 12, items 3 and 4, against the real binary (`hallclock console` with its clock
//! injected by `HALLCLOCK_NOW`): people found by name and pinyin initials, departments in the
//! month report's CSV and the CLI, refused forms that keep what was typed and say why (a person
//! covering their own post, leave on days off, a correction in the future), the typed-id
//! confirmation before a person is deactivated, a retired post no longer offered, 200 staff
//! paged and sorted, approval back on the list it was made from; then, in a browser, a leave
//! cancelled and one closed early (销假), with screenshots in `target/console-screenshots/`.

use reqwest::header::COOKIE;
use reqwest::StatusCode;

use super::assert_has;
use super::console::{
    answer, approve_leave_1_args, client, get, leave_form, post_signed, session, Driver, Server,
    Site,
};
use super::output_ok;

/// Runs a `hallclock` command of the server's config, which must succeed; its standard output.
fn run(s: &Server, args: &[&str]) -> String {
    let out = output_ok(s.hallclock().args(args), "hallclock runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Adds `(id, name, department)` through the CLI.
fn staff_with_departments(s: &Server, staff: &[(&str, &str, &str)]) {
    for (id, name, department) in staff {
        run(
            s,
            &[
                "staff",
                "add",
                "--id",
                id,
                &format!("--name={name}"),
                &format!("--department={department}"),
            ],
        );
    }
}

/// `POST path` without following a redirect: the status and the `Location` (or the body).
async fn post_to(
    s: &Server,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = client()
        .post(s.url(path))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .expect("POST answers");
    answer(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_item3_people_by_name_and_pinyin_and_the_month_csv_by_department() {
    // Wednesday 18 November 2026, 10:00 in the hall.
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    staff_with_departments(
        &s,
        &[
            ("0001", "王芳", "税务局"),
            ("0002", "李强", "人社局"),
            ("0003", "张伟", "税务局"),
            ("0004", "王峰", "公安局"),
        ],
    );
    // `staff set` moves a person to another department.
    run(
        &s,
        &["staff", "set", "--id", "0004", "--department", "人社局"],
    );
    let (admin, csrf) = session(&s, "admin").await;

    // The staff list finds 王芳 by her initials, with her department beside her name.
    let (status, page) = get(&s, Some(&admin), "/staff?q=lq").await;
    assert_eq!(status, StatusCode::OK);
    let table = page
        .split("<table id=\"staff\">")
        .nth(1)
        .unwrap_or_default();
    assert!(table.contains("李强") && table.contains("人社局"), "{page}");
    assert!(!table.contains("王芳"), "{page}");
    let (_, page) = get(&s, Some(&admin), "/staff?q=wf").await;
    let table = page
        .split("<table id=\"staff\">")
        .nth(1)
        .unwrap_or_default();
    assert!(table.contains("王芳") && table.contains("王峰"), "{page}");
    assert!(!table.contains("李强"), "{page}");

    // A leave for `lq` is 李强's (0002), with 张伟 (`zw`) covering; the list shows both names.
    let leave = leave_form(
        "lq",
        "personal",
        ("2026-11-19", "2026-11-19"),
        &[("cover", "zw")],
    );
    let (status, body) = post_signed(&s, (&admin, &csrf), "/leave", &leave).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("已登记请假 #1 0002"), "{body}");
    assert!(body.contains("0003 张伟"), "{body}");
    // `wf` is both 王芳 and 王峰: refused, naming them, with what was typed kept.
    let leave = leave_form("wf", "annual", ("2026-11-20", "2026-11-20"), &[]);
    let (status, body) = post_signed(&s, (&admin, &csrf), "/leave", &leave).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_has(&body, &["「wf」对应多人", "0001 王芳、0004 王峰"]);
    assert!(body.contains("value=\"wf\""), "{body}");
    // The month report filtered by name finds the person too.
    let (status, page) = get(
        &s,
        Some(&admin),
        "/report?month=2026-11&staff=%E5%BC%A0%E4%BC%9F",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("张伟") && !page.contains("李强"), "{page}");

    // The month report's table is sorted on the server: by name in pinyin order, descending
    // (zw, wf, wf, lq; the two wf by id, descending too).
    let (_, page) = get(&s, Some(&admin), "/report?month=2026-11&sort=-name").await;
    let table = page
        .split("<table id=\"report\">")
        .nth(1)
        .unwrap_or_default();
    let at = |name: &str| table.find(name).unwrap_or(usize::MAX);
    assert!(
        at("张伟") < at("王峰") && at("王峰") < at("王芳") && at("王芳") < at("李强"),
        "{table}"
    );

    // The month CSV of 税务局: its two people, grouped, with the department column.
    let (status, csv) = get(
        &s,
        Some(&admin),
        "/report?month=2026-11&department=%E7%A8%8E%E5%8A%A1%E5%B1%80&format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(
        csv.starts_with("\u{feff}工号/staff_id,姓名/name,派驻单位/department,"),
        "{csv}"
    );
    let people: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("全厅"))
        .collect();
    assert_eq!(people.len(), 2, "{csv}");
    // Ids stay text for Excel (`="0001"`).
    assert_has(people[0], &["0001", ",王芳,税务局,"]);
    assert_has(people[1], &["0003", ",张伟,税务局,"]);
    // An unknown department is refused, naming those on record.
    let (status, page) = get(
        &s,
        Some(&admin),
        "/report?month=2026-11&department=%E6%B0%91%E6%94%BF%E5%B1%80",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("人社局、税务局"), "{page}");
    // The CLI's month report, grouped by department: 人社局 (0002, 0004) before 税务局.
    let out = run(
        &s,
        &["report", "month", "--month", "2026-11", "--format", "csv"],
    );
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    assert_eq!(names, ["李强", "王峰", "王芳", "张伟", "合计"], "{out}");
    let out = run(
        &s,
        &[
            "report",
            "month",
            "--month",
            "2026-11",
            "--department",
            "人社局",
            "--format",
            "csv",
        ],
    );
    assert!(
        out.contains(",李强,人社局,") && out.contains(",王峰,人社局,") && !out.contains("王芳"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_item4_refusals_keep_what_was_typed_and_say_why() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    s.staff_add(&[("0001", "王芳"), ("0002", "李强"), ("0003", "张伟")]);
    let (admin, csrf) = session(&s, "admin").await;

    // Covering one's own post: refused, the form as typed.
    let more = [
        ("from_session", "pm"),
        ("cover", "0001"),
        ("reason", "回老家办事"),
    ];
    let form = leave_form("王芳", "annual", ("2026-11-19", "2026-11-20"), &more);
    let (status, body) = post_signed(&s, (&admin, &csrf), "/leave", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("顶岗人不能是请假人本人(0001)"), "{body}");
    for kept in [
        "value=\"王芳\"",
        "value=\"2026-11-19\"",
        "value=\"2026-11-20\"",
        "value=\"0001\"",
        "value=\"回老家办事\"",
        "<option value=\"annual\" selected>",
        "<option value=\"pm\" selected>",
    ] {
        assert!(body.contains(kept), "{kept} not kept: {body}");
    }
    // Leave on a weekend: no approval needed, nothing recorded; in English with ?lang=en.
    let weekend = leave_form("0002", "personal", ("2026-11-21", "2026-11-22"), &[]);
    let (status, body) = post_signed(&s, (&admin, &csrf), "/leave", &weekend).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("所请时段都是休息日,休息日无需请假"), "{body}");
    let (_, body) = post_signed(&s, (&admin, &csrf), "/leave?lang=en", &weekend).await;
    assert!(
        body.contains("no working half day (all days off)"),
        "{body}"
    );
    assert!(run(&s, &["leave", "list"])
        .lines()
        .all(|l| !l.contains("0002")));

    // A correction in the future: refused, saying why.
    let (status, body) = post_signed(
        &s,
        (&admin, &csrf),
        "/amend",
        &[
            ("staff", "lq"),
            ("at", "2026-11-18 17:30"),
            ("action", "add"),
            ("reason", "忘记打卡"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("更正时间 2026-11-18 17:30:00 晚于现在 2026-11-18 10:0"),
        "{body}"
    );
    assert!(
        body.contains("value=\"2026-11-18 17:30\"") && body.contains("value=\"忘记打卡\""),
        "the form as typed: {body}"
    );

    // Deactivating needs the person's id typed: a wrong one changes nothing.
    let (status, body) = post_signed(
        &s,
        (&admin, &csrf),
        "/staff/deactivate",
        &[("id", "0003"), ("confirm", "0002")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("确认失败"), "{body}");
    assert!(
        body.contains("id=\"deactivate-0003\""),
        "still active: {body}"
    );
    let (status, body) = post_signed(
        &s,
        (&admin, &csrf),
        "/staff/deactivate",
        &[("id", "0003"), ("confirm", "0003")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("已停用 0003"), "{body}");

    // A retired post keeps its line and is no longer offered, nor set again.
    for (post, a, b) in [("W01", "wf", "lq"), ("W09", "0002", "0001")] {
        let (status, body) = post_signed(
            &s,
            (&admin, &csrf),
            "/posts",
            &[("post", post), ("a", a), ("b", b)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, body) = post_signed(&s, (&admin, &csrf), "/posts/retire", &[("post", "W09")]).await;
    assert!(body.contains("已停用岗位 W09"), "{body}");
    let offered = body
        .split("<datalist id=\"posts-offered\">")
        .nth(1)
        .and_then(|rest| rest.split("</datalist>").next())
        .unwrap_or_default()
        .to_string();
    assert!(
        offered.contains("W01") && !offered.contains("W09"),
        "{offered}"
    );
    let retired = body
        .split("id=\"posts-retired\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        retired.contains("W09") && retired.contains("0002 李强"),
        "{body}"
    );
    let (status, body) = post_signed(
        &s,
        (&admin, &csrf),
        "/posts",
        &[("post", "W09"), ("a", "0001"), ("b", "0002")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("窗口岗位 W09 已停用"), "{body}");
    assert!(!run(&s, &["post", "list"]).contains("W09"));

    // A meeting that ends before it starts: refused, the form as typed.
    let (status, body) = post_signed(
        &s,
        (&admin, &csrf),
        "/meetings",
        &[
            ("title", "月例会"),
            ("start", "2026-11-18 16:00"),
            ("end", "2026-11-18 15:00"),
            ("sign_in", "0001=15:02"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("不晚于开始时间"), "{body}");
    assert!(
        body.contains("value=\"月例会\"")
            && body.contains("value=\"2026-11-18 15:00\"")
            && body.contains(">0001=15:02</textarea>"),
        "the form as typed: {body}"
    );

    // `/` is the today board.
    let (status, to) = get(&s, Some(&admin), "/").await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/today"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_item4_two_hundred_staff_paged_and_sorted_and_approval_back_on_the_list() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    let mut csv = String::from("工号,姓名,派驻单位\n");
    for i in 1..=200 {
        csv.push_str(&format!("{i:04},员工{i},单位{}\n", i % 5));
    }
    let file = s.dir.path().join("staff.csv");
    std::fs::write(&file, csv).expect("staff list written");
    run(&s, &["staff", "import", &file.display().to_string()]);
    let (admin, csrf) = session(&s, "admin").await;

    let rows = |page: &str| -> Vec<String> {
        page.split("<tr><td>")
            .skip(1)
            .filter_map(|r| r.split("</td>").next())
            .map(str::to_string)
            .collect()
    };
    // 50 a page: page 2 is 0051 to 0100.
    let (_, page) = get(&s, Some(&admin), "/staff?page=2").await;
    let ids = rows(&page);
    assert_eq!(ids.len(), 50, "{page}");
    assert_eq!((ids[0].as_str(), ids[49].as_str()), ("0051", "0100"));
    assert!(page.contains("第 2 / 4"), "{page}");
    assert!(page.contains("page=3"), "the next page's link: {page}");
    // Sorted by id, descending: 0200 first; by department, then id: 单位0's 0005 first.
    let (_, page) = get(&s, Some(&admin), "/staff?sort=-id").await;
    assert_eq!(rows(&page).first().map(String::as_str), Some("0200"));
    let (_, page) = get(&s, Some(&admin), "/staff?sort=department&page=1").await;
    assert_eq!(rows(&page).first().map(String::as_str), Some("0005"));
    // The search narrows before paging: `员工19` and `员工190`..`员工199`.
    let (_, page) = get(&s, Some(&admin), "/staff?q=%E5%91%98%E5%B7%A519").await;
    assert_eq!(rows(&page).len(), 11, "{page}");

    // Approving from October's list sends the supervisor back to October's list.
    run(
        &s,
        &[
            "leave",
            "add",
            "--staff",
            "0001",
            "--kind",
            "personal",
            "--from",
            "2026-10-20",
        ],
    );
    let (_, page) = get(&s, Some(&admin), "/leave?month=2026-10").await;
    assert!(page.contains("id=\"approve-1\""), "{page}");
    assert!(
        page.contains("id=\"month-prev\" href=\"/leave?month=2026-09\""),
        "{page}"
    );
    assert!(
        page.contains("id=\"month-next\" href=\"/leave?month=2026-11\""),
        "{page}"
    );
    let (status, to) = post_to(
        &s,
        &admin,
        "/leave/approve",
        &[("csrf", &csrf), ("id", "1"), ("back", "month=2026-10")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, "/leave?done=approved-1&month=2026-10");
    let (_, page) = get(&s, Some(&admin), &to).await;
    assert_has(&page, &["#1 已批准", "2026-10-20"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_item4_a_leave_cancelled_and_one_closed_early_in_the_browser() {
    // Monday 23 November 2026, 09:00.
    let s = Server::start_at("2026-11-23T09:00:00+08:00");
    s.staff_add(&[("0001", "王芳"), ("0002", "李强"), ("0003", "张伟")]);
    let d = Driver::start().await;
    d.sign_in(&s.base, None).await;
    d.go(&s.url("/leave?month=2026-11")).await;
    // Two leaves entered by name and initials: 王芳 all week, 李强 on Friday.
    for (who, from, to, cover) in [
        ("王芳", "2026-11-23", "2026-11-27", "zw"),
        ("lq", "2026-11-27", "2026-11-27", "张伟"),
    ] {
        d.type_in("#leave-staff", who).await;
        d.type_in("#leave-from", from).await;
        d.type_in("#leave-to", to).await;
        d.type_in("#leave-cover", cover).await;
        d.click("#leave-add").await;
        d.text_when("main", "已登记请假").await;
    }
    let list = d.text("#leaves").await;
    assert!(
        list.contains("0001 王芳") || (list.contains("0001") && list.contains("王芳")),
        "{list}"
    );
    assert!(list.contains("0003 张伟"), "{list}");
    d.go(&s.url("/leave?month=2026-11#leaves")).await;
    d.screenshot("forms-1-leave-list").await;

    // 李强's Friday is withdrawn (撤销).
    d.click("#cancel-2").await;
    let said = d.text_when("main", "#2 已撤销").await;
    assert!(said.contains("#2 已撤销"), "{said}");
    assert!(!d.text("#leaves").await.contains("李强"));

    // 王芳 comes back on Wednesday morning: her leave ends on Tuesday afternoon.
    d.type_in("#close-1-date", "2026-11-25").await;
    d.click("#close-1").await;
    let said = d.text_when("main", "#1 已销假").await;
    assert!(said.contains("#1 已销假"), "{said}");
    let row = d.text("#leave-1").await;
    assert_has(&row, &["2026-11-24 下午", "已销假", "2.0"]);
    d.go(&s.url("/leave?month=2026-11#leaves")).await;
    d.screenshot("forms-2-leave-closed-early").await;
    // The staff table: sortable headers, the typed-id confirmation, the pager.
    d.go(&s.url("/staff?sort=-name")).await;
    assert!(d.text("#pager").await.contains("第 1 / 1"));
    d.screenshot("forms-3-staff").await;
    d.go(&s.url("/audit")).await;
    let audit = d.text("#audit").await;
    assert_has(&audit, &["leave-cancel", "leave-close"]);
    d.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_leftover_the_calendar_shows_days_to_come_as_not_yet() {
    // Wednesday 18 November 2026, 10:00: the morning is open, the afternoon still to come.
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    s.staff_add(&[("0001", "王芳")]);
    run(
        &s,
        &["active-from", "--staff", "0001", "--date", "2026-11-16"],
    );
    let (admin, _) = session(&s, "admin").await;
    // Found by initials, as every staff field.
    let (status, page) = get(&s, Some(&admin), "/calendar?staff=wf&month=2026-11").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cal = page.split("id=\"calendar\"").nth(1).unwrap_or_default();
    let cell = |day: &str| -> String {
        cal.split("<td><b>")
            .find(|c| c.starts_with(&format!("{day}</b>")))
            .unwrap_or_default()
            .split("</td>")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let today = cell("18");
    assert_has(&today, &["上午 待定", "下午 未到"]);
    let tomorrow = cell("19");
    assert_has(&tomorrow, &["上午 未到", "下午 未到"]);
    assert_eq!(
        cal.matches("待定").count(),
        1,
        "only today's open session: {cal}"
    );
    assert!(
        page.contains("id=\"month-next\" href=\"/calendar?month=2026-12&amp;staff=wf\""),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_item4_a_leave_is_changed_before_approval_and_not_after() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    s.staff_add(&[("0001", "王芳"), ("0002", "李强")]);
    let (admin, csrf) = session(&s, "admin").await;
    let leave = leave_form("0001", "personal", ("2026-11-19", "2026-11-19"), &[]);
    let (status, body) = post_signed(&s, (&admin, &csrf), "/leave", &leave).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The change form is filled from the leave.
    let (status, page) = get(&s, Some(&admin), "/leave/edit?id=1&month=2026-11").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_has(
        &page,
        &[
            "value=\"2026-11-19\"",
            "<option value=\"personal\" selected>",
        ],
    );
    // Two days instead of one, with 李强 covering: back on the list, the level follows.
    let change = [
        ("csrf", csrf.as_str()),
        ("id", "1"),
        ("back", "month=2026-11"),
        ("staff", "王芳"),
        ("kind", "annual"),
        ("from", "2026-11-19"),
        ("to", "2026-11-20"),
        ("cover", "lq"),
    ];
    let (status, to) = post_to(&s, &admin, "/leave/edit", &change).await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/leave?done=edited-1&month=2026-11")
    );
    let (_, page) = get(&s, Some(&admin), &to).await;
    assert!(page.contains("#1 已修改"), "{page}");
    let row = page.split("id=\"leave-1\"").nth(1).unwrap_or_default();
    assert_has(row, &["公休", "2026-11-20", "0002 李强", "主要领导"]);
    // Approved, it is no longer changed: cancel it and enter it again.
    run(&s, &approve_leave_1_args("admin", "负责人"));
    let (status, page) = post_to(&s, &admin, "/leave/edit", &change).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("请假 #1 已批准,不能修改"), "{page}");
    assert!(page.contains("value=\"lq\""), "the form as typed: {page}");
}
