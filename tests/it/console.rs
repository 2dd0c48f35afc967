//! The web console over real HTTP against the real binary (`hallclock console` on a loopback
//! port): every page refuses anonymous requests and the wrong roles, forms need their CSRF token,
//! five wrong passwords lock an account, bad uploads (not an image, too big, a decompression
//! bomb) are refused with a message and the server goes on; names are escaped. Then a browser
//! (headless Chromium through chromedriver's W3C WebDriver protocol) signs in, enrols a person
//! from a photo, enters leave and downloads the month report, with a screenshot of each page
//! in `target/console-screenshots/`. With `tls-cert` and `tls-key` it serves HTTPS instead.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION};
use reqwest::{redirect, Client, StatusCode};
use serde_json::{json, Value};

use super::assert_has;
use super::daemon::DoorWithConsole;
// The client side lives in `web` (shared with the console bench); what this module offered
// before stays here for the test modules that take it from `console`.
#[allow(unused_imports)]
pub(crate) use super::web::{client, free_port, login_request, login_token, session_cookie};
use super::web::{set_cookie_header, user_add_with, wait_listening};
use super::{fixture, hallclock_command, output_ok, repo, runtime};

pub(crate) const PASSWORD: &str = "correct-horse-1";

/// Where a console answers: its base URL (scheme, host and port).
pub(crate) trait Site {
    fn base(&self) -> &str;

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }
}

impl Site for str {
    fn base(&self) -> &str {
        self
    }
}

/// A `hallclock console` on its own database, killed on drop.
pub(crate) struct Server {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) child: Child,
    pub(crate) base: String,
    /// `HALLCLOCK_NOW` for every command, when the test chose the day.
    now: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Site for Server {
    fn base(&self) -> &str {
        &self.base
    }
}

impl Server {
    pub(crate) fn start() -> Server {
        Server::start_with("http://127.0.0.1", |_| String::new())
    }

    /// A console whose clock starts at `now` (RFC 3339) and runs on.
    pub(crate) fn start_at(now: &str) -> Server {
        Server::launch("http://127.0.0.1", Some(now), |_| String::new())
    }

    /// A console whose `[console]` section `console` writes (given the temp dir), reached at
    /// `base` (scheme and host) on a free port.
    pub(crate) fn start_with(base: &str, console: impl FnOnce(&Path) -> String) -> Server {
        Server::launch(base, None, console)
    }

    /// [`Server::start_with`], with the clock of every command started at `now` when given.
    pub(crate) fn launch(
        base: &str,
        now: Option<&str>,
        console: impl FnOnce(&Path) -> String,
    ) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let section = console(dir.path());
        std::fs::write(
            dir.path().join("hallclock.toml"),
            format!("[store]\ndatabase = \"hallclock.db\"\n[daemon]\nclock-check = \"off\"\n[console]\n{section}"),
        )
        .expect("config");
        let port = free_port();
        let mut s = Server {
            child: Command::new("true").spawn().expect("placeholder"),
            base: format!("{base}:{port}"),
            dir,
            now: now.map(str::to_string),
        };
        for (name, role) in [
            ("admin", "admin"),
            ("super1", "supervisor"),
            ("viewer1", "viewer"),
            ("locky", "viewer"),
        ] {
            s.user_add(name, role);
        }
        let _ = s.child.wait();
        s.child = s
            .hallclock()
            .args(["console", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .expect("hallclock console starts");
        wait_listening(port);
        s
    }

    pub(crate) fn hallclock(&self) -> Command {
        let mut c = hallclock_command(self.dir.path());
        c.arg("--config")
            .arg(self.dir.path().join("hallclock.toml"));
        if let Some(now) = &self.now {
            c.env("HALLCLOCK_NOW", now);
        }
        c
    }

    pub(crate) fn user_add(&self, name: &str, role: &str) {
        user_add_through(self.hallclock(), name, role);
    }

    /// Adds staff `(id, name)` through the CLI, each of which must succeed.
    pub(crate) fn staff_add(&self, staff: &[(&str, &str)]) {
        for (id, name) in staff {
            output_ok(
                self.hallclock()
                    .args(["staff", "add", "--id", id])
                    .arg(format!("--name={name}")),
                "staff add runs",
            );
        }
    }
}

/// Runs `user add` through `hallclock` (a command with its configuration), the test password
/// typed on its standard input.
pub(crate) fn user_add_through(hallclock: Command, name: &str, role: &str) {
    user_add_with(hallclock, name, role, PASSWORD);
}

/// Signs in; the session cookie, or the refusal's status and body.
pub(crate) async fn sign_in(
    s: &(impl Site + ?Sized),
    name: &str,
    password: &str,
) -> Result<String, (StatusCode, String)> {
    let r = login_request(&client(), s.base(), name, password)
        .await
        .expect("login answers");
    let status = r.status();
    match (status, session_cookie(&r)) {
        (StatusCode::SEE_OTHER, Some(c)) => {
            let flags = set_cookie_header(&r, "hallclock_session").unwrap_or_default();
            assert_has(&flags, &["HttpOnly", "SameSite=Strict", "Path=/"]);
            Ok(c)
        }
        _ => Err((status, r.text().await.unwrap_or_default())),
    }
}

/// Signs `name` in with the test password; the session cookie and its CSRF token.
pub(crate) async fn session(s: &(impl Site + ?Sized), name: &str) -> (String, String) {
    let cookie = sign_in(s, name, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{name} signs in: {e:?}"));
    let token = csrf(s, &cookie).await;
    (cookie, token)
}

/// `GET path`, with the session `cookie` when given; the answer as it comes.
pub(crate) async fn get_response(
    s: &(impl Site + ?Sized),
    cookie: Option<&str>,
    path: &str,
) -> reqwest::Response {
    let mut req = client().get(s.url(path));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    req.send().await.expect("GET answers")
}

/// `GET path`, with the session `cookie` when given; the status and the body (the target of
/// a redirect instead).
pub(crate) async fn get(
    s: &(impl Site + ?Sized),
    cookie: Option<&str>,
    path: &str,
) -> (StatusCode, String) {
    answer(get_response(s, cookie, path).await).await
}

/// An answer's status and body (the target of a redirect instead).
pub(crate) async fn answer(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = r.text().await.unwrap_or_default();
    (status, location.unwrap_or(body))
}

pub(crate) async fn post_form(
    s: &(impl Site + ?Sized),
    cookie: Option<&str>,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut req = client().post(s.url(path)).form(form);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let r = req.send().await.expect("POST answers");
    (r.status(), r.text().await.unwrap_or_default())
}

/// `POST path` as the signed-in `(cookie, csrf token)`, the token added to `form`: the status and
/// the body (the target of a redirect instead).
pub(crate) async fn post_signed(
    s: &(impl Site + ?Sized),
    (cookie, csrf): (&str, &str),
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    post_form(s, Some(cookie), path, &with_csrf(form, csrf)).await
}

/// `hallclock leave approve` of leave #1 at the director's level by `by`, with the unit's
/// certificate from `certifier`: its arguments.
pub(crate) fn approve_leave_1_args<'a>(by: &'a str, certifier: &'a str) -> [&'a str; 10] {
    [
        "leave",
        "approve",
        "--id",
        "1",
        "--level",
        "director",
        "--by",
        by,
        "--certified-by",
        certifier,
    ]
}

/// The leave form's fields: `staff`'s leave of `kind` over the whole days `from` to `to`, then
/// `more` (a cover, a reason, a first or last session).
pub(crate) fn leave_form<'a>(
    staff: &'a str,
    kind: &'a str,
    (from, to): (&'a str, &'a str),
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("staff", staff), ("kind", kind), ("from", from), ("to", to)];
    form.extend_from_slice(more);
    form
}

/// A form's fields, as `reqwest` posts them.
type Form<'a> = &'a [(&'a str, &'a str)];

/// `form` with the CSRF field `token` added.
fn with_csrf<'a>(form: &[(&'a str, &'a str)], token: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut form = form.to_vec();
    form.push(("csrf", token));
    form
}

/// Posts the enrolment form for `id` and `name`, with consent, the CSRF token `csrf` (none
/// when not given) and a photo part per file.
pub(crate) async fn post_enrolment(
    s: &(impl Site + ?Sized),
    cookie: &str,
    csrf: Option<&str>,
    (id, name): (&str, &str),
    files: Vec<(&str, Vec<u8>)>,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("id", id.to_string())
        .text("name", name.to_string())
        .text("consent", "yes");
    if let Some(c) = csrf {
        form = form.text("csrf", c.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    match client()
        .post(s.url("/enrol"))
        .header(COOKIE, cookie)
        .multipart(form)
        .send()
        .await
    {
        Ok(r) => (r.status(), r.text().await.unwrap_or_default()),
        // The server may close the connection on an over-limit body before reading it all.
        Err(e) => (StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
    }
}

async fn post_photos(
    s: &Server,
    cookie: &str,
    csrf: Option<&str>,
    files: Vec<(&str, Vec<u8>)>,
) -> (StatusCode, String) {
    post_enrolment(s, cookie, csrf, ("0007", "测试"), files).await
}

/// The CSRF token of a signed-in page.
pub(crate) async fn csrf(s: &(impl Site + ?Sized), cookie: &str) -> String {
    let (_, page) = get(s, Some(cookie), "/status").await;
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..at + 64].to_string()
}

const GET_PAGES: &[&str] = &[
    "/staff",
    "/enrol",
    "/leave",
    "/report",
    "/report?format=csv",
    "/report?format=xlsx",
    "/calendar?staff=0001",
    "/amend",
    "/status",
    "/audit",
    "/report/day",
    "/report/day?format=csv",
    "/report/day?format=xlsx",
    "/report/year",
    "/report/year?format=csv",
    "/report/year?format=xlsx",
    "/gaps",
    "/posts",
    "/duty",
    "/holidays",
    "/meetings",
];
const POSTS: &[&str] = &[
    "/logout",
    "/staff/deactivate",
    "/enrol",
    "/enrol/capture",
    "/leave",
    "/leave/approve",
    "/amend",
    "/posts",
    "/duty",
    "/holidays",
    "/meetings",
];
/// The door camera's preview (admin only); a standalone console has no camera.
const PREVIEWS: &[&str] = &["/enrol/preview.jpg", "/enrol/preview.json"];
/// The new hall set-up forms: supervisors and admins may post them, never without the token.
const ROSTER_POSTS: &[&str] = &["/posts", "/duty", "/holidays", "/meetings"];

pub(crate) fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_refuses_the_anonymous_the_wrong_role_forged_forms_guessed_passwords_and_bad_uploads(
) {
    let s = Server::start();
    // Anonymous: every page sends to sign-in, every post is 401.
    for p in GET_PAGES {
        let (status, to) = get(&s, None, p).await;
        assert_eq!(
            (status, to.as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "GET {p}"
        );
    }
    for p in POSTS {
        let (status, _) = post_form(&s, None, p, &[("csrf", "x")]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "POST {p}");
    }
    for p in PREVIEWS {
        let (status, _) = get(&s, None, p).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "GET {p}");
    }
    // A forged cookie is anonymous too.
    let (status, _) = get(&s, Some("hallclock_session=deadbeef"), "/staff").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Roles.
    let (viewer, vc) = session(&s, "viewer1").await;
    let (supervisor, sc) = session(&s, "super1").await;
    let (admin, ac) = session(&s, "admin").await;
    // The viewer sees every page but those of the forms (the set-up pages show, read-only).
    let viewer_may_not = ["/enrol", "/leave", "/amend", "/audit"];
    for p in GET_PAGES.iter().filter(|p| !viewer_may_not.contains(p)) {
        assert_ne!(
            get(&s, Some(&viewer), p).await.0,
            StatusCode::FORBIDDEN,
            "viewer GET {p}"
        );
    }
    for (who, cookie, pages, want) in [
        (
            "viewer",
            &viewer,
            &viewer_may_not[..],
            StatusCode::FORBIDDEN,
        ),
        ("viewer", &viewer, PREVIEWS, StatusCode::FORBIDDEN),
        ("supervisor", &supervisor, PREVIEWS, StatusCode::FORBIDDEN),
        (
            "supervisor",
            &supervisor,
            &["/enrol", "/audit"],
            StatusCode::FORBIDDEN,
        ),
        (
            "supervisor",
            &supervisor,
            &["/leave", "/amend", "/report"],
            StatusCode::OK,
        ),
    ] {
        for p in pages {
            assert_eq!(get(&s, Some(cookie), p).await.0, want, "{who} GET {p}");
        }
    }
    let capture = [("id", "0009"), ("name", "Staff 0009"), ("consent", "yes")];
    // The viewer may post no form but signing out (the enrolments are below, with their fields).
    for p in POSTS
        .iter()
        .filter(|p| !["/logout", "/enrol", "/enrol/capture"].contains(p))
    {
        assert_eq!(
            post_signed(&s, (&viewer, &vc), p, &[]).await.0,
            StatusCode::FORBIDDEN,
            "viewer POST {p}"
        );
    }
    // The holiday calendar is the admin's; the roster forms are the supervisor's too (below).
    for (who, cookie, path, form) in [
        (
            "viewer",
            &viewer,
            "/enrol/capture",
            with_csrf(&capture, &vc),
        ),
        (
            "supervisor",
            &supervisor,
            "/staff/deactivate",
            vec![("csrf", sc.as_str()), ("id", "0001")],
        ),
        (
            "supervisor",
            &supervisor,
            "/holidays",
            vec![("csrf", sc.as_str()), ("text", "2026-11-20 holiday 测试\n")],
        ),
    ] {
        let (status, body) = post_form(&s, Some(cookie), path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} POST {path}: {body}");
    }
    for (who, cookie, token) in [
        ("viewer", &viewer, Some(vc.as_str())),
        ("supervisor", &supervisor, Some(sc.as_str())),
        ("admin without a token", &admin, None),
    ] {
        assert_eq!(
            post_photos(&s, cookie, token, vec![("a.png", png_header(10, 10))])
                .await
                .0,
            StatusCode::FORBIDDEN,
            "{who} uploads a photo"
        );
    }
    for p in ["/posts", "/duty", "/meetings"] {
        let status = post_signed(&s, (&supervisor, &sc), p, &[]).await.0;
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "supervisor POST {p}: {status}"
        );
    }
    for p in GET_PAGES {
        let (status, _) = get(&s, Some(&admin), p).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "admin GET {p}: {status}"
        );
    }

    // CSRF: missing or wrong token, on a form and on an upload (above).
    let leave = [
        ("staff", "0001"),
        ("kind", "sick"),
        ("from", "2026-11-03"),
        ("to", "2026-11-03"),
    ];
    let (status, body) = post_form(&s, Some(&admin), "/leave", &leave).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("安全令牌"), "{body}");
    // The camera capture: no token, another session's token; then, standalone, no camera.
    for (path, form, what) in [
        ("/leave", with_csrf(&leave, &sc), "another session's token"),
        (
            "/enrol/capture",
            capture.to_vec(),
            "capture without a token",
        ),
        (
            "/enrol/capture",
            with_csrf(&capture, &sc),
            "capture with another session's token",
        ),
    ] {
        assert_eq!(
            post_form(&s, Some(&admin), path, &form).await.0,
            StatusCode::FORBIDDEN,
            "{what}"
        );
    }
    let (status, body) = post_form(
        &s,
        Some(&admin),
        "/enrol/capture",
        &with_csrf(&capture, &ac),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("此处没有摄像头"), "{body}");
    for p in PREVIEWS {
        let (status, body) = get(&s, Some(&admin), p).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "admin GET {p}: {body}"
        );
        assert!(body.contains("此处没有摄像头"), "admin GET {p}: {body}");
    }
    let (_, body) = get(&s, Some(&admin), "/enrol/preview.json?lang=en").await;
    assert!(body.contains("No camera here"), "{body}");
    let (status, page) = get(&s, Some(&admin), "/enrol").await;
    assert_eq!(status, StatusCode::OK);
    assert_has(&page, &["action=\"/enrol/capture\"", "id=\"preview\""]);

    for p in ROSTER_POSTS {
        for (form, what) in [
            ([("post", "W01")], "without a token"),
            ([("csrf", sc.as_str())], "with another session's token"),
        ] {
            assert_eq!(
                post_form(&s, Some(&admin), p, &form).await.0,
                StatusCode::FORBIDDEN,
                "admin POST {p} {what}"
            );
        }
    }

    // Lock-out: five wrong passwords, then the right one is refused too, all in the same words
    // (issue 8: a lock must not tell that the name exists).
    let mut answers = Vec::new();
    for _ in 0..5 {
        let (status, body) = sign_in(&s, "locky", "wrong-password")
            .await
            .expect_err("wrong password");
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        answers.push(body);
    }
    let (status, body) = sign_in(&s, "locky", PASSWORD).await.expect_err("locked");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("登录失败"), "{body}");
    let said = |b: &str| {
        b.split("msg err\">")
            .nth(1)
            .and_then(|r| r.split("</div>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        answers.iter().all(|a| said(a) == said(&body)),
        "one answer for every failure"
    );
    let (_, audit) = get(&s, Some(&admin), "/audit").await;
    assert!(
        audit.contains("account-locked"),
        "the lock is in the audit log"
    );

    // Uploads: not an image, too big, a decompression bomb (each with what the answer says, if
    // anything); the server answers afterwards.
    for (file, want, says) in [
        (
            ("notes.txt", b"just some text".to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a photo",
        ),
        (
            ("big.jpg", vec![0xff; 11 * 1024 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
        (
            ("bomb.png", png_header(30_000, 30_000)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "30000x30000",
        ),
    ] {
        let (status, body) = post_photos(&s, &admin, Some(&ac), vec![file]).await;
        assert_eq!(status, want, "{body}");
        assert!(body.contains(says), "{body}");
    }
    assert_eq!(
        get(&s, Some(&admin), "/status").await.0,
        StatusCode::OK,
        "still serving"
    );
    let (_, staff) = get(&s, Some(&admin), "/staff").await;
    assert!(!staff.contains("0007"), "nothing was enrolled");

    // Escaping: a name with markup is shown as text.
    s.staff_add(&[("0666", "<script>alert(1)</script>")]);
    let (_, staff) = get(&s, Some(&viewer), "/staff").await;
    assert!(
        staff.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped"
    );
    assert!(!staff.contains("<script>alert"), "never raw");

    // Signing out ends the session.
    assert_eq!(
        post_signed(&s, (&viewer, &vc), "/logout", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get(&s, Some(&viewer), "/staff").await.0,
        StatusCode::SEE_OTHER
    );
}

/// The hall set-up pages over real HTTP: window posts, the duty roster, the holiday calendar,
/// meetings, the day and year reports with downloads, the 断档 list, doctor on the status page,
/// and each change in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_sets_posts_imports_duty_and_holidays_records_meetings_and_reports_days_and_years()
{
    let s = Server::start();
    s.staff_add(&[("0001", "王芳"), ("0002", "李强")]);
    let (admin, ac) = session(&s, "admin").await;

    // Each form (its CSRF token added): the status it must get and what its answer must say.
    let forms: [(&str, Form, StatusCode, &str); 7] = [
        (
            "/posts",
            &[("post", "W03"), ("a", "0001"), ("b", "0002")],
            StatusCode::OK,
            "<td>W03</td><td>0001 王芳</td><td>0002 李强</td>",
        ),
        (
            "/posts",
            &[("post", "W04"), ("a", "0001"), ("b", "0001")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "two different people",
        ),
        (
            "/holidays",
            &[(
                "text",
                "2026-11-14 workday 调休\n2026-11-20 holiday 测试<假日>\n",
            )],
            StatusCode::OK,
            "",
        ),
        (
            "/holidays",
            &[("text", "2026-11-21 party\n")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "line 1",
        ),
        (
            "/duty",
            &[("csv", "staff_id,date,sessions\n0002,2026-11-21,上午\n")],
            StatusCode::OK,
            "",
        ),
        // An unknown person.
        (
            "/duty",
            &[("csv", "staff_id,date\n0999,2026-11-22\n")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            "/meetings",
            &[
                ("title", "月例会"),
                ("start", "2026-11-05 15:00"),
                ("end", "2026-11-05 16:00"),
                ("invite", "0001,0002"),
                ("sign_in", "0001=15:02"),
            ],
            StatusCode::OK,
            "",
        ),
    ];
    for (path, form, want, says) in forms {
        let (status, body) = post_form(&s, Some(&admin), path, &with_csrf(form, &ac)).await;
        assert_eq!(status, want, "POST {path} {form:?}: {body}");
        assert!(body.contains(says), "POST {path} {form:?}: {body}");
    }

    // What the forms saved, and the reports: each page's status and what it must show.
    for (path, want, shows) in [
        (
            "/holidays?year=2026",
            StatusCode::OK,
            &["2026-11-14", "测试&lt;假日&gt;"][..],
        ),
        (
            "/duty?month=2026-11",
            StatusCode::OK,
            &["<td>2026-11-21</td><td>0002</td><td>李强</td>"],
        ),
        (
            "/meetings?month=2026-11",
            StatusCode::OK,
            &["<td>月例会</td>", "<td>2</td><td>1</td>"],
        ),
        (
            "/report/day?date=2026-11-05",
            StatusCode::OK,
            &["id=\"report\""],
        ),
        (
            "/report/year?year=2026&post=W03",
            StatusCode::OK,
            &["0001", "0002"],
        ),
        // A year to come.
        (
            "/report/year?year=2031",
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        ),
        // Out of range (issue 8).
        ("/report/year?year=2999", StatusCode::BAD_REQUEST, &[]),
        ("/gaps?month=2026-11", StatusCode::OK, &[]),
        (
            "/status",
            StatusCode::OK,
            &["id=\"checks\"", "<td>database</td>"],
        ),
    ] {
        let (status, body) = get(&s, Some(&admin), path).await;
        assert_eq!(status, want, "GET {path}: {body}");
        for needle in shows {
            assert!(body.contains(needle), "GET {path}: {needle} in {body}");
        }
    }
    let r = get_response(&s, Some(&admin), "/report/year?year=2026&format=csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .expect("header")
        .contains("hallclock-year-2026.csv"));

    let (_, audit) = get(&s, Some(&admin), "/audit").await;
    for action in [
        "post-set",
        "calendar-import",
        "duty-import",
        "meeting-record",
    ] {
        assert!(audit.contains(action), "{action} in the audit log");
    }
}

/// `[console] tls-cert` and `tls-key`: the console serves HTTPS (a self-signed certificate made
/// with `openssl req` for the test), and the session cookie is `Secure`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_serves_https_with_the_configured_certificate_and_secure_cookies() {
    let s = Server::start_with("https://localhost", |dir| {
        output_ok(
            Command::new("openssl").current_dir(dir).args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
            ]),
            "openssl runs",
        );
        format!(
            "tls-cert = \"{}\"\ntls-key = \"{}\"\n",
            dir.join("cert.pem").display(),
            dir.join("key.pem").display()
        )
    });
    let pem = std::fs::read(s.dir.path().join("cert.pem")).expect("cert");
    let tls = Client::builder()
        .redirect(redirect::Policy::none())
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("a PEM certificate"))
        .https_only(true)
        .build()
        .expect("https client");
    let r = tls
        .get(s.url("/login"))
        .send()
        .await
        .expect("the sign-in page over HTTPS");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("body").contains("name=\"password\""));
    let r = login_request(&tls, &s.base, "admin", PASSWORD)
        .await
        .expect("sign-in over HTTPS");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie_header(&r, "hallclock_session").expect("a session cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP on the same port gets no page.
    let plain = client()
        .get(format!(
            "http://127.0.0.1:{}/login",
            s.base.rsplit(':').next().expect("port")
        ))
        .send()
        .await;
    assert!(
        plain.map_or(true, |r| r.status() != StatusCode::OK),
        "plain HTTP is not served"
    );
}

/// A console inside `hallclock run`: enrolling a person from the browser makes the daemon
/// rebuild its gallery (as SIGHUP does), and the person is recognised at the door without a
/// signal or a restart.
#[test]
fn an_enrolment_through_the_console_inside_run_reloads_the_daemons_gallery() {
    let door = DoorWithConsole::new(&["0003"], ("0002", "0003"), 10, &[("admin", "admin")]);
    let mut run = door.start();
    run.wait_for("  punch 0003", false, Duration::from_secs(60));
    assert!(!run.stdout().iter().any(|l| l.contains("punch 0002")));

    let (status, body) = runtime().block_on(async {
        let (cookie, csrf) = door.session("admin").await;
        let photo = std::fs::read(fixture("demo/0002_enrol.jpg")).expect("photo");
        post_enrolment(
            &door,
            &cookie,
            Some(&csrf),
            ("0002", "Staff 0002"),
            vec![("0002.jpg", photo)],
        )
        .await
    });
    assert_eq!(status, StatusCode::OK, "{body}");
    run.wait_for("Enrolments reloaded", true, Duration::from_secs(20));
    run.wait_for("  punch 0002", false, Duration::from_secs(20));
    run.stop_cleanly();
}

/// A header of `r`, if it is text.
fn header<'r>(r: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Enrolment from the door camera inside `hallclock run`: the preview is a JPEG, its verdict
/// passes with a frame number that counts up, and a capture for a new person enrols three good
/// frames; the daemon reloads its gallery and the person punches.
#[test]
fn a_capture_from_the_door_cameras_preview_inside_run_enrols_and_the_person_punches() {
    let door = DoorWithConsole::new(&["0003"], ("0002", "0002"), 10, &[("admin", "admin")]);
    let mut run = door.start();
    let base = door.base.clone();
    let body = runtime().block_on(async {
        // The console comes up with the daemon.
        let (cookie, _) = door.session("admin").await;
        let json = |path: &'static str| {
            let (door, cookie) = (&door, cookie.clone());
            async move {
                let r = get_response(door, Some(&cookie), path).await;
                assert_eq!(header(&r, "cache-control"), Some("no-store"));
                let status = r.status();
                let v: Value = r.json().await.expect("JSON");
                (status, v)
            }
        };
        // Wait for a passing frame with an image.
        let deadline = Instant::now() + Duration::from_secs(60);
        let first = loop {
            let (status, v) = json("/enrol/preview.json").await;
            if status == StatusCode::OK && v["pass"] == json!(true) && v["image"] == json!(true) {
                break v;
            }
            assert!(Instant::now() < deadline, "no passing frame: {v}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(first["verdict"], json!("pass"), "{first}");
        assert_eq!(first["hint"], json!("合格,请保持不动"), "{first}");
        let n1 = first["frame"].as_u64().expect("a frame number");
        tokio::time::sleep(Duration::from_millis(700)).await;
        let (_, second) = json("/enrol/preview.json?lang=en").await;
        let n2 = second["frame"].as_u64().expect("a frame number");
        assert!(n2 > n1, "{n1} then {n2}");
        assert_eq!(second["hint"], json!("Good: hold still"), "{second}");
        let r = get_response(&door, Some(&cookie), "/enrol/preview.jpg").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header(&r, "content-type"), Some("image/jpeg"));
        assert_eq!(header(&r, "cache-control"), Some("no-store"));
        let jpeg = r.bytes().await.expect("JPEG bytes");
        assert!(jpeg.starts_with(&[0xFF, 0xD8]), "not a JPEG");

        // In the browser: the page shows the live preview and its verdict; capture from it.
        let d = Driver::start().await;
        d.sign_in(&base, None).await;
        d.go(&format!("{base}/enrol")).await;
        let verdict = d.text_when("#verdict", "合格").await;
        assert!(verdict.contains("合格,请保持不动"), "{verdict}");
        d.type_in("#cam-id", "0002").await;
        d.type_in("#cam-name", "李四").await;
        d.click("#cam-consent").await;
        d.screenshot("11-enrol-from-camera").await;
        d.click("#capture").await;
        let said = d.text_when("main", "录入成功").await;
        d.screenshot("12-enrolled-from-camera").await;
        d.quit().await;
        said
    });
    assert!(body.contains("录入成功 0002: 3"), "{body}");
    // Someone else walks past between the frames, so the door tracker starts a new track of 0002.
    let other = door.hall.path("frames").join("f0001.jpg");
    std::fs::remove_file(&other).expect("frame removed");
    std::os::unix::fs::symlink(super::fixture("demo/0003_enrol.jpg"), &other).expect("symlink");
    run.wait_for("Enrolments reloaded", true, Duration::from_secs(20));
    run.wait_for("  punch 0002", false, Duration::from_secs(20));
    run.stop_cleanly();
}

// ---------------------------------------------------------------------------------------------
// The browser

pub(crate) struct Driver {
    child: Child,
    base: String,
    session: String,
    http: Client,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = std::process::Command::new("true").status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let port = free_port();
        // The browser keeps the real clock when the suite runs under faketime (its renderer
        // stalls on a faked clock); the console under test takes its day from HALLCLOCK_NOW.
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver (Debian's chromium-driver; scripts/bootstrap --test installs it)",
            );
        let base = format!("http://127.0.0.1:{port}");
        let http = Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.path().display()),
            ]}
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Driver {
            child,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let r: Value = req
            .send()
            .await
            .expect("webdriver answers")
            .json()
            .await
            .expect("json");
        if r["value"].get("error").is_some() {
            panic!("webdriver {path}: {r}");
        }
        r["value"].clone()
    }

    /// Signs the admin in on the console at `base`, the filled form's screenshot taken as
    /// `screenshot` when given; the page header once it names the admin.
    pub(crate) async fn sign_in(&self, base: &str, screenshot: Option<&str>) -> String {
        self.go(&format!("{base}/login")).await;
        self.type_in("#name", "admin").await;
        self.type_in("#password", PASSWORD).await;
        if let Some(name) = screenshot {
            self.screenshot(name).await;
        }
        self.click("#signin").await;
        self.text_when("header", "admin").await
    }

    /// A WebDriver GET of the session's `path`; its value.
    pub(crate) async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, Value::Null).await
    }

    pub(crate) async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    /// Opens `url` and reads the page's `main` once it shows `needle` (as [`Driver::text_when`]).
    pub(crate) async fn open_main(&self, url: &str, needle: &str) -> String {
        self.go(url).await;
        self.text_when("main", needle).await
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string()
    }

    pub(crate) async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.get(&format!("/element/{e}/text"))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The text of `css` once it contains `needle` (pages after a submit load asynchronously);
    /// whatever it holds after 60 s otherwise.
    pub(crate) async fn text_when(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let found: Option<Value> = match self
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
            {
                Ok(r) => r.json().await.ok(),
                Err(_) => None,
            };
            let id = found
                .as_ref()
                .and_then(|v| v["value"].as_object())
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(id) = id {
                let url = format!("{}/session/{}/element/{id}/text", self.base, self.session);
                if let Ok(r) = self.http.get(url).send().await {
                    if let Ok(v) = r.json::<Value>().await {
                        if let Some(t) = v["value"].as_str() {
                            if t.contains(needle) || Instant::now() > deadline {
                                return t.to_string();
                            }
                        }
                    }
                }
            }
            if Instant::now() > deadline {
                return String::new();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.get("/screenshot").await;
        let bytes = base64_decode(b64.as_str().expect("base64 png"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        keep_capture(&format!("{name}.png"), &bytes, "screenshot")
    }

    /// Prints the page as the browser would (its print stylesheet) on A4 landscape, into
    /// `target/console-screenshots/<name>.pdf`.
    pub(crate) async fn print_pdf(&self, name: &str) -> PathBuf {
        let b64 = self
            .cmd(
                reqwest::Method::POST,
                "/print",
                serde_json::json!({
                    "orientation": "landscape",
                    "page": {"width": 29.7, "height": 21.0},
                    "background": true,
                    "shrinkToFit": true
                }),
            )
            .await;
        let bytes = base64_decode(b64.as_str().expect("base64 pdf"));
        assert!(bytes.starts_with(b"%PDF"), "a PDF");
        keep_capture(&format!("{name}.pdf"), &bytes, "printed")
    }

    pub(crate) async fn cookie(&self, name: &str) -> String {
        let v = self.get(&format!("/cookie/{name}")).await;
        format!("{name}={}", v["value"].as_str().expect("cookie value"))
    }

    pub(crate) async fn quit(&self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

/// Keeps a capture of the page (`file`: its name and ending) in `target/console-screenshots/`
/// and says where, after `said`.
fn keep_capture(file: &str, bytes: &[u8], said: &str) -> PathBuf {
    let dir = repo().join("target/console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let path = dir.join(file);
    std::fs::write(&path, bytes).expect("capture written");
    println!("{said}: {}", path.display());
    path
}

fn base64_decode(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_enrols_from_a_photo_enters_leave_and_downloads_the_month_report() {
    // Issue 8, item 1: the console runs on a day the test chooses (a Wednesday mid-month, with
    // working days before it), never on the machine's today, which may be the first of a month.
    let today = jiff::civil::date(2026, 11, 18);
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    let d = Driver::start().await;
    let month = today.strftime("%Y-%m").to_string();

    // Sign in.
    assert!(
        d.sign_in(&s.base, Some("01-sign-in"))
            .await
            .contains("admin"),
        "signed in"
    );
    // Signed in, the supervisor starts on the today board.
    assert!(d.text("h1").await.contains("今日考勤"));

    // Enrol 0001 from a photo, with consent.
    d.go(&s.url("/enrol")).await;
    d.type_in("#id", "0001").await;
    d.type_in("#name", "张三").await;
    d.type_in("#post", "W03").await;
    let photo = fixture("demo/0001_enrol.jpg");
    d.type_in("#photo", &photo.display().to_string()).await;
    d.click("#consent").await;
    d.screenshot("02-enrol-form").await;
    d.click("#enrol").await;
    let said = d.text_when("main", "录入成功").await;
    assert!(said.contains("录入成功 0001"), "{said}");
    d.screenshot("03-enrolled").await;
    d.go(&s.url("/staff?q=张")).await;
    let list = d.text("#staff").await;
    assert_has(&list, &["0001", "张三", "W03"]);
    d.screenshot("04-staff").await;

    // Leave for today, no cover.
    d.go(&s.url("/leave")).await;
    d.type_in("#leave-staff", "0001").await;
    d.type_in("#leave-from", &today.to_string()).await;
    d.type_in("#leave-to", &today.to_string()).await;
    d.type_in("#leave-reason", "看病").await;
    d.click("#leave-add").await;
    let said = d.text_when("main", "已登记请假").await;
    // A whole day needs the deputy director (分管领导), per the rules' approval table.
    assert_has(&said, &["已登记请假", "需审批: 分管领导", "无人顶岗"]);
    assert!(d.text("#leaves").await.contains("病假"));
    d.screenshot("05-leave").await;
    d.click("#leaves button").await;
    let said = d.text_when("main", "#1 已批准").await;
    assert_has(&said, &["#1 已批准", "已批准 分管领导 admin"]);
    d.screenshot("06-leave-approved").await;

    // The month report, and its downloads with the browser's session.
    d.go(&s.url(&format!("/report?month={month}"))).await;
    let table = d.text("#report").await;
    assert_has(&table, &["0001", "张三", "全中心"]);
    d.screenshot("07-month-report").await;
    let csv_href = d.find("#csv").await;
    let href = d.get(&format!("/element/{csv_href}/property/href")).await;
    let href = href.as_str().expect("href").to_string();
    let cookie = d.cookie("hallclock_session").await;
    let csv = client()
        .get(&href)
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("csv download");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".csv"));
    let csv = csv.text().await.unwrap();
    assert_has(&csv, &["0001", "张三"]);
    let xlsx = client()
        .get(href.replace("format=csv", "format=xlsx"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("xlsx download");
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx (zip) file"
    );

    // The person's month as a calendar, and the status page.
    d.go(&s.url(&format!("/calendar?staff=0001&month={month}")))
        .await;
    d.screenshot("08-calendar").await;
    let cal = d.text("#calendar").await;
    // Nobody punched this month: the working days so far are absences; today, with no cover
    // arranged, absence (an uncovered leave excuses nothing).
    assert_has(&cal, &["一", &today.day().to_string(), "上午", "缺岗"]);
    d.go(&s.url("/status")).await;
    assert!(d.text("#status").await.contains("已录入人数"));
    d.screenshot("09-status").await;
    d.go(&s.url("/audit?lang=en")).await;
    let audit = d.text("#audit").await;
    assert_has(
        &audit,
        &[
            "enrol",
            "leave-add",
            "leave-approve",
            "consent notice 2026-1",
        ],
    );
    assert!(
        d.text("h1").await.contains("Audit log"),
        "English by ?lang=en"
    );
    d.screenshot("10-audit-en").await;
    d.quit().await;
    let _ = Path::new("");
}
