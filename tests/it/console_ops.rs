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
