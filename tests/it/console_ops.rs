//! Issue 8, items 6, 7, 9 and 10, over real HTTP against the real binary: an approval is checked
//! against who approves (never their own leave, never above their role), a change and its audit
//! line are one transaction, a web enrolment writes no image file and the running door follows
//! the console's changes without a restart.

use std::process::Output;
use std::time::Duration;

use reqwest::StatusCode;

use super::assert_has;
use super::console::{
    approve_leave_1_args, get, leave_form, png_header, post_enrolment, post_form, post_signed,
    session, Server,
};
use super::daemon::{DoorWithConsole, Running};

/// Runs a `hallclock` command of the server's config; its output.
fn cli(s: &Server, args: &[&str]) -> Output {
    s.hallclock().args(args).output().expect("hallclock runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item7_self_approval_is_refused_and_the_level_follows_the_role() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    s.staff_add(&[("0005", "王五")]);
    // A supervisor whose account is their staff id.
    s.user_add("0005", "supervisor");
    let admin = session(&s, "admin").await;
    // Five working days: the director's approval, with the unit's certificate.
    let leave = leave_form("0005", "personal", ("2026-11-23", "2026-11-27"), &[]);
    let (status, body) = post_signed(&s, (&admin.0, &admin.1), "/leave", &leave).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Self-approval, from the console, naming any certifier.
    let own = session(&s, "0005").await;
    let body = approve_leave_1(&s, &own, "anyone").await;
    assert!(body.contains("self-approval"), "{body}");
    // And from the CLI.
    let o = cli(&s, &approve_leave_1_args("0005", "anyone"));
    assert!(
        !o.status.success() && text(&o).contains("self-approval"),
        "{}",
        text(&o)
    );
    // A supervisor may not record the director's level.
    let sup = session(&s, "super1").await;
    let body = approve_leave_1(&s, &sup, "负责人").await;
    assert!(body.contains("may approve up to"), "{body}");
    let (_, page) = get(&s, Some(&admin.0), "/leave?month=2026-11").await;
    assert!(!page.contains("已批准"), "nothing approved yet: {page}");
    // The admin, with a certifier who is someone else, may.
    let body = approve_leave_1(&s, &admin, "负责人").await;
    assert!(body.contains("#1 已批准"), "{body}");
}

/// Approves leave #1 from the console as the signed-in `(cookie, csrf token)`, with the unit's
/// certificate from `certifier`; the answer's body.
async fn approve_leave_1(s: &Server, (cookie, csrf): &(String, String), certifier: &str) -> String {
    let form = [
        ("csrf", csrf.as_str()),
        ("id", "1"),
        ("certified_by", certifier),
    ];
    // An approval sends the approver back to the list it was made from.
    let (status, body) = post_form(s, Some(cookie), "/leave/approve", &form).await;
    if status == StatusCode::SEE_OTHER {
        let (_, page) = get(s, Some(cookie), "/leave?done=approved-1&month=2026-11").await;
        return page;
    }
    body
}

/// Makes every audit insert fail (as a full disk or a broken log would), or lets them through.
fn break_audit(s: &Server, broken: bool) {
    let db = rusqlite::Connection::open(s.dir.path().join("hallclock.db")).expect("database");
    let sql = if broken {
        "CREATE TRIGGER audit_breaks BEFORE INSERT ON console_audit
         BEGIN SELECT RAISE(ABORT, 'the audit log is broken'); END;"
    } else {
        "DROP TRIGGER audit_breaks;"
    };
    db.execute_batch(sql).expect("trigger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item6_the_audit_failure_leaves_nothing_saved_and_the_log_is_paged() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    s.staff_add(&[("0001", "张三"), ("0002", "李四")]);
    let (admin, ac) = session(&s, "admin").await;
    let form = [
        ("csrf", ac.as_str()),
        ("post", "W77"),
        ("a", "0001"),
        ("b", "0002"),
    ];

    // With audit inserts failing, the post is not saved either.
    break_audit(&s, true);
    let (status, _) = post_form(&s, Some(&admin), "/posts", &form).await;
    assert_ne!(status, StatusCode::OK);
    let o = cli(&s, &["post", "list"]);
    assert!(
        !text(&o).contains("W77"),
        "the post was saved without its audit line: {}",
        text(&o)
    );
    // Nor a CLI change.
    let o = cli(&s, &["staff", "add", "--id", "0003", "--name", "王五"]);
    assert!(!o.status.success(), "{}", text(&o));
    let o = cli(&s, &["staff", "list"]);
    assert!(!text(&o).contains("0003"), "{}", text(&o));
    break_audit(&s, false);

    // Working again: the post and its line, with the client's address and what changed.
    let (status, body) = post_form(&s, Some(&admin), "/posts", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Sign-in noise cannot push the changes off the first page.
    {
        let db = rusqlite::Connection::open(s.dir.path().join("hallclock.db")).expect("database");
        for _ in 0..250 {
            db.execute(
                "INSERT INTO console_audit (at_ms, actor, action, detail) VALUES (0, 'nobody', 'sign-in-failed', '')",
                [],
            )
            .expect("noise");
        }
    }
    let (_, page) = get(&s, Some(&admin), "/audit").await;
    assert_has(
        &page,
        &["post-set", "W77: A 0001 B 0002 (new)", "127.0.0.1"],
    );
    // The CLI's staff add is audited, with who was added.
    assert_has(&page, &["staff-add", "0001 张三"]);
    assert!(!page.contains("sign-in-failed"), "{page}");
    // All lines, page by page.
    let (_, all) = get(&s, Some(&admin), "/audit?show=all").await;
    assert_has(&all, &["sign-in-failed", "page=1"]);
    let (_, last) = get(&s, Some(&admin), "/audit?show=all&page=2").await;
    assert!(
        last.contains("post-set") || last.contains("staff-add"),
        "{last}"
    );
}

/// `hallclock run` with the console on, 0001 and 0002 enrolled, taking turns at the door; the
/// console's accounts added; `now` the clock of every command. `TMPDIR` names a folder that
/// does not exist: a face image written to a temporary file fails the enrolment.
fn start_door(now: &str) -> (DoorWithConsole, Running) {
    let door = DoorWithConsole::new(
        &["0001", "0002"],
        ("0001", "0002"),
        4,
        &[("admin", "admin"), ("super1", "supervisor")],
    );
    // A temporary folder that does not exist: writing a temporary file fails, even as root.
    let locked = door.hall.path("no-temp");
    let run = door.hall.start_env(
        &door.config,
        &[("HALLCLOCK_NOW", now.as_ref()), ("TMPDIR", locked.as_ref())],
    );
    (door, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item9_a_web_enrolment_inside_run_writes_no_image_and_loads_no_second_model() {
    let (door, mut run) = start_door("2026-11-18T08:10:00+08:00");
    run.wait_for("  punch 0001", false, Duration::from_secs(60));
    let (admin, csrf) = door.session("admin").await;
    let enrol = |photo: (&'static str, Vec<u8>)| {
        post_enrolment(
            &door,
            &admin,
            Some(&csrf),
            ("0003", "Staff 0003"),
            vec![photo],
        )
    };
    // A photo bigger than a face needs (20 MP) is refused by the default budget.
    let (status, body) = enrol(("big.png", png_header(5000, 4000))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // 0003 from a photo: decoded in memory (TMPDIR is not writable), with the daemon's models.
    let photo = std::fs::read(super::fixture("demo/0003_enrol.jpg")).expect("photo");
    let (status, body) = enrol(("0003.jpg", photo)).await;
    assert_eq!(status, StatusCode::OK, "{body}\n{}", run.stderr());
    assert!(body.contains("0003"), "{body}");
    assert!(!door.hall.path("no-temp").exists());
    run.wait_for("Enrolments reloaded", true, Duration::from_secs(20));
    let loads = run.stderr().matches("Face models loaded").count();
    assert_eq!(loads, 1, "{}", run.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item10_the_running_door_follows_calendar_and_post_changes() {
    // A Wednesday, ten past eight: a clock-in is late.
    let (door, mut run) = start_door("2026-11-18T08:10:00+08:00");
    run.wait_for("clock-in  late", false, Duration::from_secs(60));
    // The hall declares the day a holiday through the console: the running door reads the
    // next punches as outside the punch windows, without a restart.
    let (admin, csrf) = door.session("admin").await;
    let (status, body) = post_signed(
        &door,
        (&admin, &csrf),
        "/holidays",
        &[("text", "2026-11-18 holiday 停电检修\n")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    run.wait_for("outside the punch windows", false, Duration::from_secs(20));
    run.wait_for("Calendar and posts reloaded", true, Duration::from_secs(1));
    // A change from the command line reaches it too (the store's generation moved).
    let before = run.stderr().matches("Calendar and posts reloaded").count();
    let o = door
        .hall
        .with_config(&door.config)
        .args(["post", "set", "--post", "W01", "--a", "0001", "--b", "0002"])
        .output()
        .expect("post set runs");
    assert!(o.status.success(), "{}", text(&o));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while run.stderr().matches("Calendar and posts reloaded").count() == before {
        assert!(std::time::Instant::now() < deadline, "{}", run.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(run.stderr().contains("posts=1"), "{}", run.stderr());
}
