//! The web console's month page for a 200-person hall (the report bench's November 2026, shared
//! in `common/hall.rs`), end to end: the real `hallclock console` binary on a loopback port, a
//! signed-in session, and `GET /report?month=2026-11` timed from request to the last byte of HTML
//! (store load, classify, tally, render, HTTP). Prints the median; the target is under 300 ms.
//!
//! This bench builds its own database in a temp folder; it never touches the real one.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports, dead_code)]
#[path = "common/hall.rs"]
mod hall;

const PASSWORD: &str = "bench-password-1";

fn main() {
    let fixture = hall::build();
    let db = fixture.store.path().to_path_buf();
    let dir = fixture._dir.path().to_path_buf();
    let exe = env!("CARGO_BIN_EXE_hallclock");
    let mut add = Command::new(exe)
        .current_dir(&dir)
        .args(["--db"])
        .arg(&db)
        .args(["user", "add", "--name", "admin", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    writeln!(add.stdin.take().expect("stdin"), "{PASSWORD}").expect("password");
    assert!(add.wait().expect("user add ends").success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = Command::new(exe)
        .current_dir(&dir)
        .arg("--db")
        .arg(&db)
        .args(["console", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("HALLCLOCK_CONFIG")
        .stdout(Stdio::null())
        .spawn()
        .expect("console starts");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = rt.block_on(async {
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "the console never listened");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let r = client
            .post(format!("{base}/login"))
            .form(&[("name", "admin"), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("hallclock_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_string();
        let runs = 11;
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let r = client
                .get(format!("{base}/report?month=2026-11"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("month page");
            assert_eq!(r.status(), 200);
            let body = r.text().await.expect("body");
            times.push(t0.elapsed());
            assert!(body.contains("0199"), "all 200 rows");
            bytes = body.len();
        }
        times.sort();
        (times[runs / 2], times[0], times[runs - 1], bytes)
    });
    let _ = server.kill();
    let _ = server.wait();
    let (median, min, max, bytes) = result;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "console month page, {} staff, {} punches: median {:.1} ms (min {:.1}, max {:.1}; {} bytes of HTML) over HTTP; target < 300 ms",
        hall::STAFF,
        fixture.punches,
        ms(median),
        ms(min),
        ms(max),
        bytes
    );
}
