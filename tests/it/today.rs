//! Issue 12, items 1 and 2, in a browser: the supervisor's morning at 08:10 on a working day
//! (the console's clock injected with `HALLCLOCK_NOW`). Staff on time, late, not arrived and on
//! leave, one window with neither A nor B: the today board, the daily sheet with 签到/签退 and the
//! door, the month's sign-in sheet, the calendar with times, and a punch voided by picking it
//! from the day's list. Screenshots go to `target/console-screenshots/today-*.png`. Then the
//! CLI's `report day` at 12:00: the morning without a punch is 缺卡, not pending.

use std::path::Path;

use super::assert_has;
use super::console::{get_response, session, Driver, Server, Site};
use super::output_ok;

/// Writes `text` to `name` in `dir`; its path.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("file written");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisors_morning_board_sheets_and_a_picked_correction() {
    // Wednesday 18 November 2026, 08:10 in the hall (Asia/Shanghai).
    let s = Server::start_at("2026-11-18T08:10:00+08:00");
    s.staff_add(&[
        ("0001", "王芳"),
        ("0002", "李强"),
        ("0003", "张伟"),
        ("0004", "刘洋"),
        ("0005", "陈静"),
        ("0006", "赵磊"),
    ]);
    let run = |args: &[&str]| {
        let out = output_ok(s.hallclock().args(args), "hallclock runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Installed on Monday 16 November: nobody is judged before.
    for id in ["0001", "0002", "0003", "0004", "0005", "0006"] {
        run(&["active-from", "--staff", id, "--date", "2026-11-16"]);
    }
    // W02's A has not come and its B is on leave: 断档. W01 and W03 are served.
    for (post, a, b) in [
        ("W01", "0001", "0002"),
        ("W02", "0003", "0004"),
        ("W03", "0005", "0006"),
    ] {
        run(&["post", "set", "--post", post, "--a", a, "--b", b]);
    }
    run(&[
        "leave",
        "add",
        "--staff",
        "0004",
        "--kind",
        "personal",
        "--from",
        "2026-11-18",
        "--cover",
        "0005",
    ]);
    run(&[
        "leave",
        "approve",
        "--id",
        "1",
        "--level",
        "deputy-director",
        "--by",
        "admin",
    ]);
    let dir = s.dir.path();
    let csv = write(
        dir,
        "punches.csv",
        "staff_id,time\n\
         0001,2026-11-17 07:55\n0001,2026-11-17 11:31\n0001,2026-11-17 13:58\n0001,2026-11-17 17:02\n\
         0002,2026-11-17 08:12\n0002,2026-11-17 11:20\n0002,2026-11-17 14:00\n0002,2026-11-17 17:05\n\
         0001,2026-11-18 07:52\n0002,2026-11-18 08:07\n0005,2026-11-18 08:03\n0006,2026-11-18 07:58\n",
    );
    run(&["punch", "import", &csv, "--device", "大厅正门"]);

    let d = Driver::start().await;
    d.sign_in(&s.base, None).await;

    // 1. The board at 08:10.
    d.go(&s.url("/today")).await;
    let head = d.text("#today-head").await;
    assert_has(&head, &["2026-11-18", "08:10"]);
    let late = d.text("#today-late").await;
    assert_has(
        &late,
        &[
            "0002",
            "李强",
            "08:07",
            "7 分钟",
            "大厅正门",
            "0005",
            "3 分钟",
        ],
    );
    let missing = d.text("#today-missing").await;
    assert_has(&missing, &["0003", "未到"]);
    assert!(!missing.contains("0004"), "{missing}");
    let away = d.text("#today-away").await;
    assert_has(&away, &["0004", "事假", "顶岗 0005 陈静"]);
    let gaps = d.text("#today-gaps").await;
    assert!(
        gaps.contains("W02") && !gaps.contains("W01") && !gaps.contains("W03"),
        "{gaps}"
    );
    let on_time = d.text("#today-arrived").await;
    assert_has(&on_time, &["0001", "07:52"]);
    assert!(d.text("header").await.contains("今日考勤"));
    d.screenshot("today-01-board").await;

    // 2. Yesterday's daily sheet: times per session and the door.
    d.go(&s.url("/report/day?date=2026-11-17")).await;
    let main = d.text("main").await;
    assert!(main.contains("考勤日报:签到签退"), "{main}");
    let sheet = d.text("#day-sheet").await;
    assert_has(
        &sheet,
        &[
            "08:12 迟到 12 分钟",
            "11:20 早退 10 分钟",
            "门 大厅正门",
            "07:55",
        ],
    );
    d.screenshot("today-02-daily-sheet").await;

    // 3. The month's sign-in sheet (签到表).
    d.go(&s.url("/sheet?month=2026-11")).await;
    let grid = d.text("#grid").await;
    assert_has(&grid, &["07:55–11:31", "08:12(+12)–11:20(−10)"]);
    d.screenshot("today-03-grid").await;
    // Printed (issue 12.5): A4 landscape, the hall and the month on top, page numbers, the
    // signature lines, and no navigation bar or form: the grid, the month report, the daily sheet.
    check_printed(
        &d.print_pdf("today-03-grid-print").await,
        &["签到表", "2026-11"],
    );
    d.go(&s.url("/report?month=2026-11")).await;
    check_printed(
        &d.print_pdf("today-03-month-print").await,
        &["月报", "2026-11", "扣分"],
    );
    d.go(&s.url("/report/day?date=2026-11-17")).await;
    check_printed(
        &d.print_pdf("today-03-day-print").await,
        &["2026-11-17", "签到", "签退"],
    );

    // 4. The calendar cell shows the times too.
    d.go(&s.url("/calendar?staff=0002&month=2026-11")).await;
    let cal = d.text("#calendar").await;
    assert!(cal.contains("08:12(+12)–11:20(−10)"), "{cal}");
    d.screenshot("today-04-calendar").await;

    // 5. A correction picked from the day's list: 0002's 08:07 was someone else's face.
    d.go(&s.url("/amend?staff=0002&date=2026-11-18")).await;
    let list = d.text("#amend-punches").await;
    assert_has(&list, &["08:07:00", "大厅正门"]);
    d.type_in("#void-reason-0", "误识别,非本人").await;
    d.screenshot("today-05-amend-list").await;
    d.click("#void-0").await;
    let said = d.text_when("main", "已记录更正").await;
    assert_has(&said, &["0002", "2026-11-18 08:07:00"]);
    assert!(d.text("#amend-punches").await.contains("已作废"));
    d.screenshot("today-06-amend-voided").await;
    d.go(&s.url("/today")).await;
    assert!(d.text("#today-missing").await.contains("0002"));
    d.screenshot("today-07-board-after").await;
    d.quit().await;
    drop(d);

    // 6. The afternoon board at 15:00 keeps the morning's faults in view.
    let pm = Server::start_at("2026-11-18T15:00:00+08:00");
    pm.staff_add(&[("0001", "王芳"), ("0002", "李强")]);
    let csv = write(
        pm.dir.path(),
        "punches.csv",
        "staff_id,time\n0001,2026-11-18 08:09\n0001,2026-11-18 11:31\n0001,2026-11-18 13:50\n",
    );
    output_ok(
        pm.hallclock().args(["punch", "import", &csv]),
        "punch import",
    );
    let d = Driver::start().await;
    d.sign_in(&pm.base, None).await;
    d.go(&pm.url("/today")).await;
    let morning = d.text("#today-morning").await;
    assert_has(&morning, &["0001", "08:09 迟到 9 分钟"]);
    assert_has(&morning, &["0002", "缺卡"]);
    d.screenshot("today-08-afternoon").await;
    // The afternoon board in English.
    d.go(&pm.url("/today?lang=en")).await;
    let morning = d.text("#today-morning").await;
    assert!(morning.contains("late 9 min"), "{morning}");
    d.screenshot("today-10-board-en").await;
    d.quit().await;
    let (cookie, _) = session(&s, "super1").await;
    // The daily sheet as CSV for Chinese Excel.
    let r = get_response(&s, Some(&cookie), "/sheet/day?date=2026-11-17").await;
    let text = r.text().await.expect("daily sheet CSV");
    assert!(
        text.starts_with('\u{feff}')
            && text.contains("08:12 迟到12分")
            && text.contains("大厅正门"),
        "{text}"
    );
    // It refreshes itself, without a script.
    let r = get_response(&s, Some(&cookie), "/today").await;
    assert_eq!(
        r.headers().get("refresh").and_then(|v| v.to_str().ok()),
        Some("60")
    );

    // 7. The CLI at noon: the morning is over, so 0003's missing morning is judged (缺卡).
    let out = run(&[
        "report",
        "day",
        "--date",
        "2026-11-18",
        "--as-of",
        "2026-11-18T12:00:00+08:00",
    ]);
    let daily = out.split("考勤日报:签到签退").nth(1).unwrap_or_default();
    let line = daily
        .lines()
        .find(|l| l.starts_with("0003"))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains("缺卡"), "{out}");
    assert!(!out.contains("待定"), "{out}");

    // The month's sign-in sheet from the CLI, as a table and as CSV for Chinese Excel.
    let as_of = ["--as-of", "2026-11-18T12:00:00+08:00"];
    let out = run(&[&["report", "sheet", "--month", "2026-11"][..], &as_of[..]].concat());
    assert_has(
        &out,
        &[
            "签到表 2026-11",
            "07:55-11:31 13:58-17:02",
            "08:12(+12)-11:20(-10) 14:00-17:05",
        ],
    );
    let csv_out = dir.join("sheet.csv");
    let csv_path = csv_out.display().to_string();
    run(&[
        &["report", "sheet", "--month", "2026-11", "--out", &csv_path][..],
        &as_of[..],
    ]
    .concat());
    let text = std::fs::read_to_string(&csv_out).expect("sheet.csv");
    assert!(
        text.starts_with('\u{feff}') && text.contains("\"=\"\"0001\"\"\",王芳"),
        "{text}"
    );
}

/// A printed sheet: A4, page numbers in the margin, the hall's name, `wanted`, the signature
/// lines, and nothing of the navigation bar or the forms.
fn check_printed(pdf: &std::path::Path, wanted: &[&str]) {
    let info = pdf_command("pdfinfo", pdf);
    assert!(info.contains("(A4)"), "{info}");
    let printed = pdf_command("pdftotext", pdf);
    // The page number is in the page's bottom margin: its text comes out without spaces.
    let numbers: Vec<(usize, usize)> = printed
        .lines()
        .filter_map(|l| {
            let l = l.replace(' ', "");
            let (page, of) = l.split_once('/')?;
            Some((page.parse().ok()?, of.parse().ok()?))
        })
        .collect();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:")?.trim().parse::<usize>().ok())
        .expect("a page count");
    // (Table cells such as 代打卡嫌疑's "0 / 0" read the same way; the page numbers count to M.)
    let numbered: Vec<(usize, usize)> = numbers.into_iter().filter(|n| n.1 == pages).collect();
    let expected: Vec<(usize, usize)> = (1..=pages).map(|n| (n, pages)).collect();
    assert_eq!(numbered, expected, "page numbers N/M: {printed}");
    for w in ["政务服务中心", "制表人", "审核人"].iter().chain(wanted) {
        assert!(printed.contains(w), "{w:?} in the printed sheet: {printed}");
    }
    for unwanted in ["人脸录入", "退出", "下载 CSV", "查询"] {
        assert!(
            !printed.contains(unwanted),
            "{unwanted:?} printed: {printed}"
        );
    }
}

/// What `pdfinfo` or `pdftotext` (poppler-utils) makes of `pdf`.
fn pdf_command(program: &str, pdf: &std::path::Path) -> String {
    let mut c = std::process::Command::new(program);
    c.arg(pdf);
    if program == "pdftotext" {
        c.arg("-");
    }
    let out = c.output().expect("poppler-utils is installed");
    assert!(out.status.success(), "{program} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
