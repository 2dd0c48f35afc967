//! The web console's month page for a 200-person hall (the report bench's November 2026, shared
//! in `common/hall.rs`), end to end: the real `hallclock console` binary on a loopback port, a
//! signed-in session, and `GET /report?month=2026-11` timed from request to the last byte of HTML
//! (store load, classify, tally, render, HTTP). Prints the median; the target is under 300 ms.
//!
//! This bench builds its own database in a temp folder; it never touches the real one.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports, dead_code)]
#[path = "common/hall.rs"]
mod hall;
#[allow(dead_code)]
#[path = "../tests/it/web.rs"]
mod web;

const PASSWORD: &str = "bench-password-1";

fn main() {
    let fixture = hall::build();
    let db = fixture.store.path().to_path_buf();
    let dir = fixture._dir.path().to_path_buf();
    let exe = env!("CARGO_BIN_EXE_hallclock");
    let hallclock = || {
        let mut c = Command::new(exe);
        c.current_dir(&dir)
            .env_remove("HALLCLOCK_CONFIG")
            .arg("--db")
            .arg(&db);
        c
    };
    web::user_add_with(hallclock(), "admin", "admin", PASSWORD);
    let port = web::free_port();
    let mut server = hallclock()
        .args(["console", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .expect("console starts");
    web::wait_listening(port);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = rt.block_on(async {
        let base = format!("http://127.0.0.1:{port}");
        let client = web::client();
        // With the sign-in form's CSRF pair, as a browser signs in.
        let r = web::login_request(&client, &base, "admin", PASSWORD)
            .await
            .expect("sign in");
        let cookie = web::session_cookie(&r).expect("a session cookie");
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
