//! Faults while doors upload, with the real `hallclock-central serve` and a real cluster: the
//! database stopped and started again under two doors that keep uploading and retrying (503 with
//! Retry-After meanwhile, recovery without a restart, nothing lost, nothing doubled), and the
//! centre killed in the middle of a batch and started again (the retried batch is stored once).
//! The whole-batch refusals (malformed, oversized, wrong device, bad or revoked token) and a
//! batch posted twice at once are in `receiver.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::receiver::{batch, record, serving, statuses, stored};
use super::Db;

/// A batch of `device` with the records `seqs` (staff 0042 of hall `east`).
fn batch_of(device: &str, seqs: impl Iterator<Item = u64>) -> Value {
    let mut body = batch(seqs.map(|s| record(device, s, "0042")).collect());
    body["device"] = json!(device);
    body
}

/// What a door saw while uploading: every key's answers, and the non-2xx statuses it retried
/// after (with their Retry-After).
#[derive(Default)]
struct Uploads {
    answers: HashMap<String, Vec<String>>,
    refusals: Vec<(u16, Option<String>)>,
}

/// Posts `body` until it is answered 200, as the door does (its backoff shortened); records what
/// came back.
async fn post_until_answered(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
    seen: &mut Uploads,
) {
    for _ in 0..600 {
        match http.post(url).bearer_auth(token).json(body).send().await {
            Ok(r) if r.status().as_u16() == 200 => {
                let answer: Value = r.json().await.unwrap();
                for (key, status) in statuses(&answer) {
                    seen.answers.entry(key).or_default().push(status);
                }
                return;
            }
            Ok(r) => {
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                seen.refusals.push((r.status().as_u16(), retry));
            }
            Err(e) => panic!("the receiver itself must stay up: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a batch was not answered within 600 attempts");
}

#[tokio::test]
async fn a_database_outage_during_uploads_loses_nothing_and_doubles_nothing() {
    let (db, token_1, server) = serving(Db::alone().await);
    let token_2 = db
        .ok(&["device", "add", "--hall", "east", "--id", "door-2"])
        .trim()
        .to_string();
    let url = server.punches_url();
    let answered = Arc::new(AtomicUsize::new(0));
    let recovered = Arc::new(AtomicBool::new(false));
    // A door uploads batches of 25 until three of its batches were answered after the database
    // came back; it returns what it saw and its last seq.
    let door = |device: &'static str, token: String| {
        let (url, answered, recovered) = (url.clone(), answered.clone(), recovered.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut seen = Uploads::default();
            let (mut b, mut after) = (0u64, 0);
            while after < 3 {
                // Each batch after the first also resends the previous batch's last record.
                let first = if b == 0 { 1 } else { b * 25 };
                let body = batch_of(device, first..=(b + 1) * 25);
                post_until_answered(&http, &url, &token, &body, &mut seen).await;
                answered.fetch_add(1, Ordering::SeqCst);
                if recovered.load(Ordering::SeqCst) {
                    after += 1;
                }
                b += 1;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            (seen, b * 25)
        })
    };
    let uploads = [door("door-1", token_1), door("door-2", token_2)];

    while answered.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cluster = db.cluster.clone();
    tokio::task::spawn_blocking(move || {
        cluster.stop();
        std::thread::sleep(Duration::from_millis(700));
        cluster.restart();
    })
    .await
    .unwrap();
    recovered.store(true, Ordering::SeqCst);

    let mut refusals = Vec::new();
    let mut accepted = HashSet::new();
    let mut sent = HashSet::new();
    for (device, upload) in ["door-1", "door-2"].into_iter().zip(uploads) {
        let (seen, last) = upload.await.unwrap();
        refusals.extend(seen.refusals);
        sent.extend((1..=last).map(|seq| format!("{device}:{seq}")));
        assert_eq!(
            seen.answers.len() as u64,
            last,
            "{device}: every record answered"
        );
        for (key, answers) in seen.answers {
            assert!(
                answers.iter().all(|a| a == "accepted" || a == "duplicate"),
                "{key}: {answers:?}"
            );
            let times = answers.iter().filter(|a| *a == "accepted").count();
            assert!(times <= 1, "{key} accepted {times} times");
            if times == 1 {
                accepted.insert(key);
            }
        }
    }
    assert!(
        !refusals.is_empty(),
        "the doors uploaded while the database was down"
    );
    assert!(
        refusals.iter().all(|r| *r == (503, Some("30".to_string()))),
        "only 503 with Retry-After: {refusals:?}"
    );
    let rows = stored(&db).await;
    let keys: HashSet<String> = rows.iter().map(|(d, s, _)| format!("{d}:{s}")).collect();
    assert_eq!(rows.len(), keys.len(), "nothing doubled");
    assert_eq!(keys, sent, "nothing lost, nothing else");
    assert!(accepted.is_subset(&keys));
}

/// How many of the database's sessions are running a punches insert, and how many of those wait
/// for a lock.
async fn inserts(c: &tokio_postgres::Client) -> (i64, i64) {
    let row = c
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock')
             FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND query ILIKE '%INSERT INTO punches%'",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn a_batch_cut_off_by_a_killed_centre_is_stored_once_when_sent_again() {
    let (db, token, server) = serving(Db::new().await);
    let body = batch_of("door-1", 1..=100);
    let watcher = db.client().await;
    // Hold the batch's insert inside the database, so that the centre is killed mid-batch.
    let locker = db.client().await;
    locker
        .batch_execute("BEGIN; LOCK TABLE punches IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let url = server.punches_url();
    let (t, b) = (token.clone(), body.clone());
    let cut_off = tokio::spawn(async move {
        reqwest::Client::new()
            .post(&url)
            .bearer_auth(&t)
            .json(&b)
            .send()
            .await
    });
    for _ in 0..400 {
        if inserts(&watcher).await.1 == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(inserts(&watcher).await.1, 1, "the batch reached the insert");
    drop(server); // SIGKILL, as a crash or an OOM kill would.
    assert!(cut_off.await.unwrap().is_err(), "the door got no answer");
    locker.batch_execute("ROLLBACK").await.unwrap();
    for _ in 0..400 {
        if inserts(&watcher).await.0 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Whatever the killed centre's statement did, the door sends the batch again (twice: its
    // timeout may fire after the first resend got through).
    let server = db.serve();
    let mut answers: HashMap<String, Vec<String>> = HashMap::new();
    for _ in 0..2 {
        let (status, answer) = super::api::post_json(&server.punches_url(), &token, &body).await;
        assert_eq!(status, 200, "{answer}");
        for (key, s) in statuses(&answer) {
            answers.entry(key).or_default().push(s);
        }
    }
    assert_eq!(answers.len(), 100);
    for (key, a) in &answers {
        assert!(
            a == &["accepted", "duplicate"] || a == &["duplicate", "duplicate"],
            "{key}: {a:?}"
        );
    }
    let rows = stored(&db).await;
    assert_eq!(rows.len(), 100, "stored once");
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        (1..=100).collect::<Vec<i64>>()
    );
}
