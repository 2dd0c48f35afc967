//! The receiver over real HTTP against a real database: a batch is stored once (posted twice,
//! and twice at the same time); records for another hall's staff or naming another device are
//! rejected and stored nowhere; a bad token, an oversized batch and malformed JSON are refused
//! whole and change nothing; a revoked token is refused and a rotated one works; heartbeats keep
//! the door's health; a database outage is a 503 with Retry-After, and the receiver connects
//! again when the database is back.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::api::{attempt_rows, liveness_rows, post, post_json};
use super::{Db, Server};

pub fn record(device: &str, seq: u64, staff: &str) -> Value {
    json!({
        "idempotency_key": format!("{device}:{seq}"), "device": device, "seq": seq,
        "staff_id": staff, "at": "2026-11-18T00:31:12.345Z", "direction": "in",
        "clock_trusted": true, "verdict": "late", "late_minutes": 1, "early_minutes": 0
    })
}

pub fn batch(records: Vec<Value>) -> Value {
    json!({ "protocol": 1, "device": "door-1", "sent_at": "2026-11-18T00:31:15.000Z", "records": records })
}

/// key → status of a 200 answer.
pub fn statuses(answer: &Value) -> HashMap<String, String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["idempotency_key"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub async fn stored(db: &Db) -> Vec<(String, i64, String)> {
    db.client()
        .await
        .query(
            "SELECT device, seq, staff_id FROM punches ORDER BY device, seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn last_seen(db: &Db) -> Option<String> {
    db.client()
        .await
        .query_one(
            "SELECT last_seen_at::text FROM devices WHERE id = 'door-1'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// `db` seeded ([`Db::seeded`]) and served: the database, the device's token and the server.
pub fn serving(db: Db) -> (Db, String, Server) {
    let token = db.seeded();
    let server = db.serve();
    (db, token, server)
}

#[tokio::test]
async fn a_batch_is_stored_once_when_posted_twice() {
    let (db, token, server) = serving(Db::new().await);
    let body = batch((1..=3).map(|s| record("door-1", s, "0042")).collect());
    let (status, first) = post_json(&server.punches_url(), &token, &body).await;
    assert_eq!(status, 200, "{first}");
    assert!(
        statuses(&first).values().all(|s| s == "accepted"),
        "{first}"
    );
    assert!(last_seen(&db).await.is_some());
    let (status, second) = post_json(&server.punches_url(), &token, &body).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&second).len(), 3);
    assert!(
        statuses(&second).values().all(|s| s == "duplicate"),
        "{second}"
    );
    assert_eq!(stored(&db).await.len(), 3);
    let c = db.client().await;
    let row = c
        .query_one(
            "SELECT hall, at = '2026-11-18T00:31:12.345Z'::timestamptz, direction, verdict,
                    late_minutes, clock_trusted FROM punches WHERE seq = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "east");
    assert!(row.get::<_, bool>(1));
    assert_eq!(row.get::<_, String>(2), "in");
    assert_eq!(row.get::<_, String>(3), "late");
    assert_eq!(row.get::<_, i32>(4), 1);
    assert!(row.get::<_, bool>(5));
}

/// Issue 11: a version 2 batch carries punches with their liveness verdicts and the attempts
/// the door refused; both are stored once (a resend is `duplicate`), an attempt for another
/// hall's person is rejected, and version 1 batches are still accepted beside it.
#[tokio::test]
async fn version_2_keeps_liveness_verdicts_and_spoof_attempts() {
    let (db, token, server) = serving(Db::new().await);
    let url = server.punches_url();
    let punch = |seq: u64, liveness: Option<Value>| {
        let mut r = record("door-1", seq, "0042");
        r["kind"] = json!("punch");
        if let Some(l) = liveness {
            r["liveness"] = l;
        }
        r
    };
    let attempt = |seq: u64, staff: &str| {
        json!({
            "kind": "spoof-attempt", "idempotency_key": format!("door-1:attempt:{seq}"),
            "device": "door-1", "seq": seq, "staff_id": staff, "at": "2026-11-18T00:32:00.000Z",
            "live_score": 0.125, "reasons": ["model", "bezel"]
        })
    };
    let body = json!({
        "protocol": 2, "device": "door-1", "sent_at": "2026-11-18T00:33:00.000Z",
        "records": [
            punch(1, Some(json!({"verdict": "suspect", "live_score": 0.25, "reasons": ["flat"]}))),
            punch(2, Some(json!({"verdict": "live", "live_score": 0.875, "reasons": []}))),
            punch(3, None),
            attempt(1, "0042"),
            attempt(2, "0099"),
        ]
    });
    let (status, first) = post_json(&url, &token, &body).await;
    assert_eq!(status, 200, "{first}");
    let first = statuses(&first);
    for key in ["door-1:1", "door-1:2", "door-1:3", "door-1:attempt:1"] {
        assert_eq!(first[key], "accepted", "{key}: {first:?}");
    }
    assert_eq!(first["door-1:attempt:2"], "rejected");
    let (_, second) = post_json(&url, &token, &body).await;
    let second = statuses(&second);
    assert_eq!(second["door-1:attempt:1"], "duplicate");
    assert_eq!(second["door-1:1"], "duplicate");

    let c = db.client().await;
    let verdicts = liveness_rows(&c).await;
    assert_eq!(
        verdicts,
        [
            (1, "suspect".to_string(), 0.25, vec!["flat".to_string()]),
            (2, "live".to_string(), 0.875, vec![]),
        ]
    );
    assert_eq!(
        attempt_rows(&c).await,
        [(
            1,
            "east".to_string(),
            "0042".to_string(),
            "2026-11-18T00:32:00Z".to_string(),
            0.125,
            vec!["model".to_string(), "bezel".to_string()]
        )]
    );
    // Version 1 still works beside it.
    let (status, old) = post_json(&url, &token, &batch(vec![record("door-1", 9, "0042")])).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&old)["door-1:9"], "accepted");
    assert_eq!(stored(&db).await.len(), 4);
}

#[tokio::test]
async fn a_batch_posted_twice_at_once_is_accepted_once() {
    let (db, token, server) = serving(Db::new().await);
    let body = batch((1..=200).map(|s| record("door-1", s, "0043")).collect());
    let url = server.punches_url();
    let (a, b) = tokio::join!(
        post_json(&url, &token, &body),
        post_json(&url, &token, &body)
    );
    assert_eq!((a.0, b.0), (200, 200));
    let (a, b) = (statuses(&a.1), statuses(&b.1));
    for seq in 1..=200 {
        let key = format!("door-1:{seq}");
        let mut pair = [a[&key].as_str(), b[&key].as_str()];
        pair.sort();
        assert_eq!(pair, ["accepted", "duplicate"], "{key}");
    }
    assert_eq!(stored(&db).await.len(), 200);
}

#[tokio::test]
async fn other_halls_staff_and_other_devices_records_are_rejected_and_not_stored() {
    let (db, token, server) = serving(Db::new().await);
    let mut malformed = record("door-1", 4, "0042");
    malformed["direction"] = json!("sideways");
    let body = batch(vec![
        record("door-1", 1, "0042"),
        record("door-1", 2, "0099"),
        record("door-2", 3, "0042"),
        malformed,
    ]);
    let (status, answer) = post_json(&server.punches_url(), &token, &body).await;
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["status"], "accepted");
    assert_eq!(results[1]["status"], "rejected");
    assert_eq!(results[1]["reason"], "unknown staff id 0099 at hall east");
    assert_eq!(results[2]["status"], "rejected");
    assert_eq!(results[2]["idempotency_key"], "door-2:3");
    assert!(results[2]["reason"]
        .as_str()
        .unwrap()
        .contains("record names device \"door-2\""));
    assert_eq!(results[3]["status"], "rejected");
    assert!(results[3]["reason"].as_str().unwrap().contains("sideways"));
    assert_eq!(
        stored(&db).await,
        [("door-1".to_string(), 1, "0042".to_string())]
    );
}

#[tokio::test]
async fn refused_batches_change_nothing() {
    let (db, token, server) = serving(Db::new().await);
    let url = server.punches_url();
    let good = batch(vec![record("door-1", 1, "0042")]);

    let (status, body) = post_json(&url, "hc1_not-a-token", &good).await;
    assert_eq!(status, 401);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("not a live device token"));
    let no_auth = reqwest::Client::new()
        .post(&url)
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status().as_u16(), 401);

    let many = batch((1..=1001).map(|s| record("door-1", s, "0042")).collect());
    let (status, body) = post_json(&url, &token, &many).await;
    assert_eq!(status, 413);
    assert_eq!(
        body["error"],
        "the batch holds 1001 records; expected at most 1000"
    );
    let huge = vec![b' '; 3 * 1024 * 1024];
    let (status, _) = post(&url, &token, huge).await;
    assert_eq!(status, 413);

    let (status, body) = post(&url, &token, b"{\"protocol\": 1, \"device\"".to_vec()).await;
    assert_eq!(status, 400);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("malformed batch"));

    let mut other = good.clone();
    other["device"] = json!("door-2");
    let (status, _) = post_json(&url, &token, &other).await;
    assert_eq!(status, 403);

    let mut v3 = good.clone();
    v3["protocol"] = json!(3);
    let (status, body) = post_json(&url, &token, &v3).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unknown protocol 3; expected 1 or 2");

    assert!(stored(&db).await.is_empty());
    assert_eq!(
        last_seen(&db).await,
        None,
        "a refused request is not a sign of life"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_a_rotated_one_works() {
    let (db, token, server) = serving(Db::new().await);
    let url = server.punches_url();
    db.ok(&["device", "revoke", "--id", "door-1"]);
    let (status, _) = post_json(&url, &token, &batch(vec![record("door-1", 1, "0042")])).await;
    assert_eq!(status, 401);
    assert!(stored(&db).await.is_empty());
    let list = db.ok(&["device", "list"]);
    assert!(list.contains("door-1\trevoked"), "{list}");

    let rotated = db
        .ok(&["device", "rotate", "--id", "door-1"])
        .trim()
        .to_string();
    assert_ne!(rotated, token);
    let (status, _) = post_json(&url, &token, &batch(vec![record("door-1", 1, "0042")])).await;
    assert_eq!(status, 401, "the old token stays dead after a rotation");
    let (status, answer) =
        post_json(&url, &rotated, &batch(vec![record("door-1", 1, "0042")])).await;
    assert_eq!(status, 200);
    assert_eq!(answer["results"][0]["status"], "accepted");

    // Rotating a live token retires the old one at once.
    let again = db
        .ok(&["device", "rotate", "--id", "door-1"])
        .trim()
        .to_string();
    let (status, _) = post_json(&url, &rotated, &batch(vec![record("door-1", 2, "0042")])).await;
    assert_eq!(status, 401);
    let (status, _) = post_json(&url, &again, &batch(vec![record("door-1", 2, "0042")])).await;
    assert_eq!(status, 200);
    assert_eq!(stored(&db).await.len(), 2);
}

/// The line of `device list` output for device `id`.
fn list_line(list: &str, id: &str) -> String {
    list.lines()
        .find(|l| l.contains(&format!("\t{id}\t")))
        .unwrap_or_else(|| panic!("{id} in {list}"))
        .to_string()
}

#[tokio::test]
async fn heartbeats_keep_the_doors_health_and_silent_doors_show() {
    let db = Db::new().await;
    let token = db.seeded();
    db.ok(&["device", "add", "--hall", "west", "--id", "door-w"]);
    db.ok(&["device", "add", "--hall", "east", "--id", "door-2"]);
    db.ok(&["device", "add", "--hall", "east", "--id", "door-3"]);
    db.ok(&["device", "revoke", "--id", "door-3"]);
    let server = db.serve();
    let url = format!("{}/api/hallclock/v1/heartbeat", server.base);
    let beat = json!({
        "protocol": 1, "device": "door-1", "sent_at": "2026-11-18T00:31:15.000Z",
        "version": "0.1.0", "outbox_depth": 7, "clock_trusted": false,
        "last_frame_at": "2026-11-18T00:31:14.900Z"
    });
    let (status, body) = post_json(&url, &token, &beat).await;
    assert_eq!(status, 204, "{body}");
    let mut extra = beat.clone();
    extra["cpu"] = json!(3);
    let (status, _) = post_json(&url, &token, &extra).await;
    assert_eq!(status, 400);
    // Just heard from: live whatever the hour, with its version, outbox depth, clock and frame.
    let list = db.ok(&["device", "list", "--silent-minutes", "30"]);
    let door_1 = list_line(&list, "door-1");
    assert!(door_1.contains("\tlive\t"), "{list}");
    for health in [
        "\"version\": \"0.1.0\"",
        "\"outbox_depth\": 7",
        "\"clock_trusted\": false",
        "\"last_frame_at\": \"2026-11-18T00:31:14.900Z\"",
    ] {
        assert!(door_1.contains(health), "{health} in {list}");
    }
    assert!(list_line(&list, "door-w").contains("\tnever\t"), "{list}");

    // Silence is judged at a chosen instant (--now): door-1 last heard at 08:50 and door-2 at
    // 07:00 on Monday 2 March 2026 in the hall (Asia/Shanghai); door-w never.
    db.client()
        .await
        .batch_execute(
            "UPDATE devices SET last_seen_at = '2026-03-02T00:50:00Z' WHERE id = 'door-1';
             UPDATE devices SET last_seen_at = '2026-03-01T23:00:00Z' WHERE id = 'door-2';",
        )
        .await
        .unwrap();
    let states = |at: &str| {
        let list = db.ok(&["device", "list", "--silent-minutes", "30", "--now", at]);
        ["door-1", "door-2", "door-3", "door-w"].map(|id| {
            let line = list_line(&list, id);
            line.split('\t').nth(2).unwrap().to_string()
        })
    };
    let quiet = ["off-hours", "off-hours", "revoked", "off-hours"];
    for (at, expected) in [
        // 09:00 Monday: working hours.
        (
            "2026-03-02T01:00:00Z",
            ["live", "silent", "revoked", "silent"],
        ),
        // 12:30 Monday (lunch) and 09:00 Saturday: nobody punches, nobody is missed.
        ("2026-03-02T04:30:00Z", quiet),
        ("2026-03-07T01:00:00Z", quiet),
        // 09:00 Tuesday 3 March, a working day until the calendar below makes it a holiday.
        (
            "2026-03-03T01:00:00Z",
            ["silent", "silent", "revoked", "silent"],
        ),
    ] {
        assert_eq!(states(at), expected, "at {at}");
    }
    let dir = tempfile::tempdir().unwrap();
    let holidays = dir.path().join("holidays.txt");
    std::fs::write(&holidays, "2026-03-03 holiday 测试日\n").unwrap();
    db.ok(&["calendar", "import", holidays.to_str().unwrap()]);
    assert_eq!(states("2026-03-03T01:00:00Z"), quiet);
    let bad = db.run(&["device", "list", "--now", "Monday"]);
    assert!(!bad.status.success());
}

#[tokio::test]
async fn a_database_outage_is_a_503_and_the_receiver_reconnects() {
    let (db, token, server) = serving(Db::alone().await);
    let url = server.punches_url();
    let (status, _) = post_json(&url, &token, &batch(vec![record("door-1", 1, "0042")])).await;
    assert_eq!(status, 200);

    let cluster = db.cluster.clone();
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&token)
        .json(&batch(vec![record("door-1", 2, "0042")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "30");
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("unavailable"),
        "{body}"
    );

    let cluster = db.cluster.clone();
    tokio::task::spawn_blocking(move || cluster.restart())
        .await
        .unwrap();
    let body = batch(vec![
        record("door-1", 1, "0042"),
        record("door-1", 2, "0042"),
    ]);
    let (status, answer) = post_json(&url, &token, &body).await;
    assert_eq!(status, 200, "{answer}");
    let s = statuses(&answer);
    assert_eq!(
        (s["door-1:1"].as_str(), s["door-1:2"].as_str()),
        ("duplicate", "accepted")
    );
    assert_eq!(stored(&db).await.len(), 2);
}
