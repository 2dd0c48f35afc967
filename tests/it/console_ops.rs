//! Issue 8, items 6, 7, 9 and 10, over real HTTP against the real binary: an approval is checked
//! against who approves (never their own leave, never above their role), a change and its audit
//! line are one transaction, a web enrolment writes no image file and the running door follows
//! the console's changes without a restart.

use std::process::Output;
use std::time::Duration;

use reqwest::StatusCode;

use super::console::{client, csrf, get, post_form, sign_in, Server, PASSWORD};

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
    let o = cli(&s, &["staff", "add", "--id", "0005", "--name", "王五"]);
    assert!(o.status.success(), "{}", text(&o));
    // A supervisor whose account is their staff id.
    s.user_add("0005", "supervisor");
    let admin = sign_in(&s, "admin", PASSWORD)
        .await
        .expect("admin signs in");
    let ac = csrf(&s, &admin).await;
    // Five working days: the director's approval, with the unit's certificate.
    let (status, body) = post_form(
        &s,
        Some(&admin),
        "/leave",
        &[
            ("csrf", &ac),
            ("staff", "0005"),
            ("kind", "personal"),
            ("from", "2026-11-23"),
            ("to", "2026-11-27"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Self-approval, from the console, naming any certifier.
    let own = sign_in(&s, "0005", PASSWORD).await.expect("0005 signs in");
    let oc = csrf(&s, &own).await;
    let (_, body) = post_form(
        &s,
        Some(&own),
        "/leave/approve",
        &[("csrf", &oc), ("id", "1"), ("certified_by", "anyone")],
    )
    .await;
    assert!(body.contains("self-approval"), "{body}");
    // And from the CLI.
    let o = cli(
        &s,
        &[
            "leave",
            "approve",
            "--id",
            "1",
            "--level",
            "director",
            "--by",
            "0005",
            "--certified-by",
            "anyone",
        ],
    );
    assert!(
        !o.status.success() && text(&o).contains("self-approval"),
        "{}",
        text(&o)
    );
    // A supervisor may not record the director's level.
    let sup = sign_in(&s, "super1", PASSWORD)
        .await
        .expect("super1 signs in");
    let sc = csrf(&s, &sup).await;
    let (_, body) = post_form(
        &s,
        Some(&sup),
        "/leave/approve",
        &[("csrf", &sc), ("id", "1"), ("certified_by", "负责人")],
    )
    .await;
    assert!(body.contains("may approve up to"), "{body}");
    let (_, page) = get(&s, Some(&admin), "/leave?month=2026-11").await;
    assert!(!page.contains("已批准"), "nothing approved yet: {page}");
    // The admin, with a certifier who is someone else, may.
    let (_, body) = post_form(
        &s,
        Some(&admin),
        "/leave/approve",
        &[("csrf", &ac), ("id", "1"), ("certified_by", "负责人")],
    )
    .await;
    assert!(body.contains("#1 已批准"), "{body}");
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
    for (id, name) in [("0001", "张三"), ("0002", "李四")] {
        let o = cli(&s, &["staff", "add", "--id", id, "--name", name]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let admin = sign_in(&s, "admin", PASSWORD)
        .await
        .expect("admin signs in");
    let ac = csrf(&s, &admin).await;
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
    assert!(
        page.contains("post-set")
            && page.contains("W77: A 0001 B 0002 (new)")
            && page.contains("127.0.0.1"),
        "{page}"
    );
    // The CLI's staff add is audited, with who was added.
    assert!(
        page.contains("staff-add") && page.contains("0001 张三"),
        "{page}"
    );
    assert!(!page.contains("sign-in-failed"), "{page}");
    // All lines, page by page.
    let (_, all) = get(&s, Some(&admin), "/audit?show=all").await;
    assert!(
        all.contains("sign-in-failed") && all.contains("page=1"),
        "{all}"
    );
    let (_, last) = get(&s, Some(&admin), "/audit?show=all&page=2").await;
    assert!(
        last.contains("post-set") || last.contains("staff-add"),
        "{last}"
    );
}

/// `hallclock run` with the console on, 0001 and 0002 enrolled, taking turns at the door; the
/// console's accounts added; `now` the clock of every command. `TMPDIR` names a folder that
/// does not exist: a face image written to a temporary file fails the enrolment.
struct DoorWithConsole {
    hall: super::daemon::Hall,
    run: super::daemon::Running,
    base: String,
}

impl DoorWithConsole {
    fn start(now: &str) -> DoorWithConsole {
        let hall = super::daemon::Hall::new();
        hall.enrol(&["0001", "0002"]);
        hall.frames("frames", "0001", "0002", 2);
        let port = super::console::free_port();
        let config = hall.console_config("frames", 4, port);
        for (name, role) in [("admin", "admin"), ("super1", "supervisor")] {
            hall.user_add(&config, name, role);
        }
        // A temporary folder that does not exist: writing a temporary file fails, even as root.
        let locked = hall.path("no-temp");
        let mut child = hall
            .cmd()
            .env("HALLCLOCK_NOW", now)
            .env("TMPDIR", &locked)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("hallclock run starts");
        let out = super::daemon::collect(child.stdout.take().expect("stdout"));
        let err = super::daemon::collect(child.stderr.take().expect("stderr"));
        let run = super::daemon::Running { child, out, err };
        DoorWithConsole {
            hall,
            run,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn sign_in(&self, name: &str) -> String {
        // With the sign-in form's CSRF pair, as a browser sends it.
        let r = super::console::login_request(&client(), &self.base, name, PASSWORD)
            .await
            .expect("login answers");
        r.headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("hallclock_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
            .expect("a session cookie")
    }

    async fn csrf(&self, cookie: &str) -> String {
        let page = client()
            .get(self.url("/status"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .expect("status answers")
            .text()
            .await
            .expect("a page");
        let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        page[at..at + 64].to_string()
    }

    async fn post_form(
        &self,
        cookie: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let r = client()
            .post(self.url(path))
            .header(reqwest::header::COOKIE, cookie)
            .form(form)
            .send()
            .await
            .expect("POST answers");
        (r.status(), r.text().await.unwrap_or_default())
    }

    async fn enrol(
        &self,
        cookie: &str,
        csrf: &str,
        id: &str,
        photo: (&str, Vec<u8>),
    ) -> (StatusCode, String) {
        let form = reqwest::multipart::Form::new()
            .text("id", id.to_string())
            .text("name", format!("Staff {id}"))
            .text("consent", "yes")
            .text("csrf", csrf.to_string())
            .part(
                "photo",
                reqwest::multipart::Part::bytes(photo.1).file_name(photo.0.to_string()),
            );
        let r = client()
            .post(self.url("/enrol"))
            .header(reqwest::header::COOKIE, cookie)
            .multipart(form)
            .send()
            .await
            .expect("enrol answers");
        (r.status(), r.text().await.unwrap_or_default())
    }
}

fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item9_a_web_enrolment_inside_run_writes_no_image_and_loads_no_second_model() {
    let mut door = DoorWithConsole::start("2026-11-18T08:10:00+08:00");
    door.run
        .wait_for("  punch 0001", false, Duration::from_secs(60));
    let admin = door.sign_in("admin").await;
    let csrf = door.csrf(&admin).await;
    // A photo bigger than a face needs (20 MP) is refused by the default budget.
    let (status, body) = door
        .enrol(&admin, &csrf, "0003", ("big.png", png_header(5000, 4000)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // 0003 from a photo: decoded in memory (TMPDIR is not writable), with the daemon's models.
    let photo = std::fs::read(super::fixture("demo/0003_enrol.jpg")).expect("photo");
    let (status, body) = door.enrol(&admin, &csrf, "0003", ("0003.jpg", photo)).await;
    assert_eq!(status, StatusCode::OK, "{body}\n{}", door.run.stderr());
    assert!(body.contains("0003"), "{body}");
    assert!(!door.hall.path("no-temp").exists());
    door.run
        .wait_for("Enrolments reloaded", true, Duration::from_secs(20));
    let loads = door.run.stderr().matches("Face models loaded").count();
    assert_eq!(loads, 1, "{}", door.run.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_item10_the_running_door_follows_calendar_and_post_changes() {
    // A Wednesday, ten past eight: a clock-in is late.
    let mut door = DoorWithConsole::start("2026-11-18T08:10:00+08:00");
    door.run
        .wait_for("clock-in  late", false, Duration::from_secs(60));
    // The hall declares the day a holiday through the console: the running door reads the
    // next punches as outside the punch windows, without a restart.
    let admin = door.sign_in("admin").await;
    let csrf = door.csrf(&admin).await;
    let (status, body) = door
        .post_form(
            &admin,
            "/holidays",
            &[("csrf", &csrf), ("text", "2026-11-18 holiday 停电检修\n")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    door.run
        .wait_for("outside the punch windows", false, Duration::from_secs(20));
    door.run
        .wait_for("Calendar and posts reloaded", true, Duration::from_secs(1));
    // A change from the command line reaches it too (the store's generation moved).
    let before = door
        .run
        .stderr()
        .matches("Calendar and posts reloaded")
        .count();
    let config = door.hall.path("hall.toml");
    let o = door
        .hall
        .cmd()
        .arg("--config")
        .arg(&config)
        .args(["post", "set", "--post", "W01", "--a", "0001", "--b", "0002"])
        .output()
        .expect("post set runs");
    assert!(o.status.success(), "{}", text(&o));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while door
        .run
        .stderr()
        .matches("Calendar and posts reloaded")
        .count()
        == before
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            door.run.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        door.run.stderr().contains("posts=1"),
        "{}",
        door.run.stderr()
    );
}
