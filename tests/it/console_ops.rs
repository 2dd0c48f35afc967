//! Issue 8, items 6, 7, 9 and 10, over real HTTP against the real binary: an approval is checked
//! against who approves (never their own leave, never above their role), a change and its audit
//! line are one transaction, a web enrolment writes no image file and the running door follows
//! the console's changes without a restart.

use std::process::Output;

use reqwest::StatusCode;

use super::console::{csrf, get, post_form, sign_in, Server, PASSWORD};

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
