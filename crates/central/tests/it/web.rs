//! The centre's pages over real HTTP, on the real `hallclock-central serve` (receiver and pages
//! on one address) and a real PostgreSQL, with an injected `--now`: sign-in, the lock-out, CSRF
//! refusals, roles (a supervisor kept to their hall, finance kept from people's pages), an
//! inspector's record changing the sheet's score with its audit line, closing a month, and the
//! downloads' bytes.

use std::path::Path;
use std::process::Stdio;

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;

use super::{central, Db, Server};

/// October 8th 2026, 10:00 in Shanghai: September has ended.
const NOW: &str = "2026-10-08T02:00:00Z";
const PASSWORD: &str = "correct-horse-battery-1";

struct Site {
    db: Db,
    server: Server,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The seeded database (halls east and west), an account per role, and the server at `NOW`.
async fn site() -> Site {
    let db = Db::new().await;
    db.seeded();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    for (name, role, hall) in [
        ("inspector", "inspector", None),
        ("east-sup", "supervisor", Some("east")),
        ("director", "director", None),
        ("finance", "finance", None),
    ] {
        add_account(&db, name, role, hall, &file);
    }
    let mut command = central();
    command
        .arg("--db")
        .arg(&db.url)
        .args(["--now", NOW, "serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::inherit());
    let server = Server::spawn(command);
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    Site {
        db,
        server,
        http,
        _dir: dir,
    }
}

fn add_account(db: &Db, name: &str, role: &str, hall: Option<&str>, file: &Path) {
    let mut args = vec!["account", "add", "--name", name, "--role", role];
    if let Some(h) = hall {
        args.extend(["--hall", h]);
    }
    let file = file.to_str().unwrap();
    args.extend(["--password-file", file]);
    db.ok(&args);
}

/// The value of cookie `name` a response sets.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The value of the first `name="FIELD" value="..."` in a page.
fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// Signs in; the status and the session cookie (`hallclock_session=...`) on success.
    async fn sign_in(&self, name: &str, password: &str) -> (u16, Option<String>) {
        let form = self.http.get(self.url("/login")).send().await.unwrap();
        let login = set_cookie(&form, "hallclock_login").expect("the sign-in cookie");
        let page = form.text().await.unwrap();
        let csrf = field(&page, "login_csrf");
        let r = self
            .http
            .post(self.url("/login"))
            .header(COOKIE, format!("hallclock_login={login}"))
            .form(&[
                ("login_csrf", csrf.as_str()),
                ("name", name),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let session = set_cookie(&r, "hallclock_session").map(|s| format!("hallclock_session={s}"));
        (status, session)
    }

    async fn session(&self, name: &str) -> String {
        let (status, session) = self.sign_in(name, PASSWORD).await;
        assert_eq!(status, 303, "{name} signs in");
        session.unwrap()
    }

    async fn get(&self, path: &str, session: &str) -> (u16, String) {
        let (status, _, body) = self.bytes(path, session).await;
        (status, String::from_utf8(body).unwrap())
    }

    async fn bytes(&self, path: &str, session: &str) -> (u16, String, Vec<u8>) {
        let r = self
            .http
            .get(self.url(path))
            .header(COOKIE, session)
            .send()
            .await
            .unwrap();
        let kind = r
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), kind, r.bytes().await.unwrap().to_vec())
    }

    async fn post(&self, path: &str, session: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(self.url(path))
            .header(COOKIE, session)
            .form(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The session's CSRF token, from a page's sign-out form.
    async fn csrf(&self, session: &str) -> String {
        let (_, page) = self.get("/sheet?hall=east", session).await;
        field(&page, "csrf")
    }

    /// 0042's score on east's September sheet, from the CSV download.
    async fn score_0042(&self, session: &str) -> String {
        let (status, _, bytes) = self
            .bytes("/sheet.csv?hall=east&month=2026-09", session)
            .await;
        assert_eq!(status, 200);
        let text = String::from_utf8(bytes).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains("0042"))
            .unwrap_or_else(|| panic!("no 0042 in {text}"));
        // 大厅, 工号, 姓名, four parts, 得分.
        line.split(',').nth(7).unwrap().to_string()
    }

    /// The audit log, oldest first: (actor, client, action, detail).
    async fn audit(&self) -> Vec<(String, String, String, String)> {
        let sql = "SELECT actor, client, action, detail FROM audit_log ORDER BY id";
        let rows = self.db.client().await.query(sql, &[]).await.unwrap();
        let mut out = Vec::new();
        for r in rows {
            out.push((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        out
    }

    /// Closes `month` of east as the session; status and page.
    async fn close(&self, session: &str, month: &str) -> (u16, String) {
        let csrf = self.csrf(session).await;
        let path = format!("/month/close?hall=east&month={month}");
        self.post(&path, session, &[("csrf", &csrf)]).await
    }
}

#[track_caller]
fn has(page: &str, texts: &[&str]) {
    for text in texts {
        assert!(page.contains(text), "no {text:?} in {page}");
    }
}

#[tokio::test]
async fn sign_in_and_the_lock_out_after_repeated_failures() {
    let s = site().await;
    let (status, page) = s.get("/", "").await;
    assert_eq!(status, 303, "the anonymous go to sign in: {page}");
    let (_, form) = s.get("/login", "").await;
    has(&form, &["登录", "lang=\"zh-CN\""]);
    let (_, form) = s.get("/login?lang=en", "").await;
    has(&form, &["Sign in"]);
    // A right password: the county overview, in Chinese, with the hall and its door.
    let director = s.session("director").await;
    let (status, page) = s.get("/", &director).await;
    assert_eq!(status, 200, "{page}");
    has(&page, &["全县总览", "东区政务服务大厅"]);
    has(&page, &["door-1"]);
    // Five wrong passwords lock the account for this address; the right one is refused then.
    for _ in 0..5 {
        let (status, session) = s.sign_in("inspector", "wrong-password-1").await;
        assert_eq!((status, session), (401, None));
    }
    let (status, session) = s.sign_in("inspector", PASSWORD).await;
    assert_eq!((status, session), (401, None), "locked");
    let (status, _) = s.sign_in("nobody", PASSWORD).await;
    assert_eq!(status, 401, "no such account");
    let audit = s.audit().await;
    assert!(
        audit.iter().any(|(who, client, what, _)| who == "inspector"
            && client == "127.0.0.1"
            && what == "account-locked"),
        "{audit:?}"
    );
    assert!(audit
        .iter()
        .any(|(who, _, what, _)| who == "director" && what == "sign-in"));
    // Signing out ends the session.
    let csrf = s.csrf(&director).await;
    let (status, _) = s.post("/logout", &director, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, _) = s.get("/", &director).await;
    assert_eq!(status, 303, "signed out");
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_and_other_halls_are_refused() {
    let s = site().await;
    let inspector = s.session("inspector").await;
    let form = [
        ("staff", "0042"),
        ("item", "C1"),
        ("day", "2026-09-10"),
        ("times", "1"),
    ];
    let (status, _) = s
        .post("/records/add?hall=east&month=2026-09", &inspector, &form)
        .await;
    assert_eq!(status, 403, "no token");
    let mut forged = form.to_vec();
    forged.push(("csrf", "0000"));
    let (status, _) = s
        .post("/records/add?hall=east&month=2026-09", &inspector, &forged)
        .await;
    assert_eq!(status, 403, "a wrong token");
    let (status, _) = s
        .post("/records/add?hall=east&month=2026-09", "", &forged)
        .await;
    assert_eq!(status, 401, "anonymous");
    let stored: i64 =
        s.db.client()
            .await
            .query_one("SELECT count(*) FROM item_records", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(stored, 0);

    // The supervisor of east sees east only, and records nothing.
    let sup = s.session("east-sup").await;
    let (status, page) = s.get("/sheet?hall=east&month=2026-09", &sup).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("王芳") && !page.contains("张伟"), "{page}");
    for path in [
        "/sheet?hall=west&month=2026-09",
        "/sheet.csv?hall=west&month=2026-09",
        "/person?hall=west&staff=0099&month=2026-09",
        "/year?hall=west",
        "/records?hall=east",
    ] {
        let (status, page) = s.get(path, &sup).await;
        assert_eq!(status, 403, "{path}: {page}");
        has(&page, &["无权"]);
    }
    // Its county overview and its downloads hold east alone.
    let (_, page) = s.get("/", &sup).await;
    assert!(page.contains("东区") && !page.contains("西区"), "{page}");
    let (status, _, csv) = s.bytes("/sheet.csv?month=2026-09", &sup).await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("0042") && !csv.contains("0099"), "{csv}");
    // Finance downloads but does not read people's months.
    let finance = s.session("finance").await;
    let (status, _) = s
        .get("/person?hall=east&staff=0042&month=2026-09", &finance)
        .await;
    assert_eq!(status, 403);
    let (status, _) = s.close(&finance, "2026-09").await;
    assert_eq!(status, 403, "finance closes no month");
}

#[tokio::test]
async fn an_inspectors_record_changes_the_sheet_with_its_audit_line_and_the_month_closes() {
    let s = site().await;
    let inspector = s.session("inspector").await;
    let before = s.score_0042(&inspector).await;
    let csrf = s.csrf(&inspector).await;
    let (status, page) = s
        .post(
            "/records/add?hall=east&month=2026-09",
            &inspector,
            &[
                ("csrf", &csrf),
                ("staff", "0042"),
                ("item", "C1"),
                ("day", "2026-09-10"),
                ("times", "2"),
                ("note", "离岗"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    has(&page, &["已录入稽查记录"]);
    let after = s.score_0042(&inspector).await;
    assert_ne!(before, after, "the record counts on the sheet");
    // A record against someone the hall does not have is refused, saying so, and kept nowhere.
    let (status, page) = s
        .post(
            "/records/add?hall=east&month=2026-09",
            &inspector,
            &[
                ("csrf", &csrf),
                ("staff", "0099"),
                ("item", "C1"),
                ("day", "2026-09-10"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    // The person's month shows the record and its author.
    let (status, page) = s
        .get("/person?hall=east&staff=0042&month=2026-09", &inspector)
        .await;
    assert_eq!(status, 200, "{page}");
    has(&page, &["离岗", "inspector"]);
    let audit = s.audit().await;
    let line = audit
        .iter()
        .find(|(_, _, what, _)| what == "record-add")
        .unwrap_or_else(|| panic!("{audit:?}"));
    assert_eq!(
        (line.0.as_str(), line.1.as_str()),
        ("inspector", "127.0.0.1")
    );
    assert!(line.3.contains("0042") && line.3.contains("C1"), "{line:?}");
    assert_eq!(
        audit
            .iter()
            .filter(|(_, _, what, _)| what == "record-add")
            .count(),
        1,
        "the refused record wrote no line"
    );
    // Voided: the score is back.
    let id = line
        .3
        .trim_start_matches('#')
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (status, page) = s
        .post(
            "/records/void?hall=east&month=2026-09",
            &inspector,
            &[("csrf", &csrf), ("id", &id), ("reason", "录错人")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(s.score_0042(&inspector).await, before);
    // Closing September freezes it, with its audit line.
    let (status, page) = s.close(&inspector, "2026-09").await;
    assert_eq!(status, 200, "{page}");
    let (_, page) = s.get("/sheet?hall=east&month=2026-09", &inspector).await;
    has(&page, &["本月已结账"]);
    let (status, page) = s.close(&inspector, "2026-09").await;
    assert_eq!(status, 200, "closing again shows the frozen sheet: {page}");
    // October has not ended.
    let (status, _) = s.close(&inspector, "2026-10").await;
    assert_eq!(status, 422);
    let audit = s.audit().await;
    let actions: Vec<&str> = audit.iter().map(|(_, _, a, _)| a.as_str()).collect();
    assert!(actions.contains(&"record-void"), "{actions:?}");
    assert_eq!(
        actions.iter().filter(|a| **a == "month-close").count(),
        1,
        "{actions:?}"
    );
    let closed: i64 =
        s.db.client()
            .await
            .query_one(
                "SELECT count(*) FROM month_closings WHERE hall = 'east'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
    assert_eq!(closed, 1);
}

#[tokio::test]
async fn downloads_are_excel_ready_and_pages_speak_english_when_asked() {
    let s = site().await;
    let finance = s.session("finance").await;
    let (status, kind, csv) = s.bytes("/sheet.csv?month=2026-09", &finance).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert_eq!(
        &csv[..3],
        b"\xEF\xBB\xBF",
        "a byte-order mark for Chinese Excel"
    );
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("大厅,工号,姓名,") && header.contains("实发(元)"),
        "{header}"
    );
    has(&text, &["0042", "0099"]);
    let (status, kind, xlsx) = s.bytes("/sheet.xlsx?month=2026-09", &finance).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert_eq!(&xlsx[..4], b"PK\x03\x04", "a zip (xlsx)");
    let (_, zh) = s.get("/sheet?hall=east&month=2026-09", &finance).await;
    has(&zh, &["月度考核及专项资金发放表", "实发(元)"]);
    has(&zh, &["制表人"]);
    // Kept for a look in a browser (the pages need no asset: the CSS is inline).
    let folder = super::repo().join("target/console-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("centre-sheet-zh.html"), &zh).unwrap();
    let (_, en) = s
        .get("/sheet?hall=east&month=2026-09&lang=en", &finance)
        .await;
    has(&en, &["Month assessment and fund sheet", "Due (yuan)"]);
    let director = s.session("director").await;
    let (status, page) = s.get("/year?hall=east&year=2026", &director).await;
    assert_eq!(status, 200, "{page}");
    has(&page, &["年度评先评优资格", "王芳", "全年扣分≥30"]);
}

#[test]
fn account_add_refuses_weak_passwords_and_a_supervisor_without_a_hall() {
    let db = tokio::runtime::Runtime::new().unwrap().block_on(Db::new());
    db.ok(&["migrate"]);
    db.ok(&["hall", "add", "--id", "east", "--name", "东区政务服务大厅"]);
    let dir = tempfile::tempdir().unwrap();
    let weak = dir.path().join("weak");
    std::fs::write(&weak, "12345678\n").unwrap();
    let strong = dir.path().join("strong");
    std::fs::write(&strong, format!("{PASSWORD}\n")).unwrap();
    let add = |role: &str, hall: Option<&str>, file: &Path| {
        let mut args = vec!["account", "add", "--name", "x", "--role", role];
        args.extend(hall.map(|h| ["--hall", h]).into_iter().flatten());
        args.extend(["--password-file", file.to_str().unwrap()]);
        let out = db.run(&args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = add("inspector", None, &weak);
    assert!(!ok && err.contains("too short"), "{err}");
    let (ok, err) = add("supervisor", None, &strong);
    assert!(!ok && err.contains("--hall"), "{err}");
    let (ok, err) = add("director", Some("east"), &strong);
    assert!(!ok && err.contains("only a supervisor has a hall"), "{err}");
    let (ok, err) = add("supervisor", Some("nowhere"), &strong);
    assert!(!ok && err.contains("nowhere"), "{err}");
    let (ok, err) = add("supervisor", Some("east"), &strong);
    assert!(ok, "{err}");
    let (ok, err) = add("inspector", None, &strong);
    assert!(!ok && err.contains("already exists"), "{err}");
}
