//! The centre's punches endpoint as a door calls it: a batch posted with a device token, the
//! status and the JSON answer. Shared by the central service's tests and the door's
//! (`tests/it/central.rs`, through `#[path]`).

use serde_json::Value;

/// Posts `body` (as JSON) to `url` with the bearer `token`; the status and the answer (JSON, or
/// the text when it is not).
pub async fn post(url: &str, token: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// [`post`] of a JSON value.
pub async fn post_json(url: &str, token: &str, body: &Value) -> (u16, Value) {
    post(url, token, serde_json::to_vec(body).unwrap()).await
}

/// A punch's liveness verdict as the centre keeps it: seq, verdict, live score, reasons.
pub type LivenessRow = (i64, String, f32, Vec<String>);

/// The centre's `punch_liveness` rows, by seq (issue 11, protocol version 2).
pub async fn liveness_rows(c: &tokio_postgres::Client) -> Vec<LivenessRow> {
    c.query(
        "SELECT seq, verdict, live_score, reasons FROM punch_liveness ORDER BY seq",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

/// A refused spoof attempt as the centre keeps it: seq, hall, staff id, the instant (RFC 3339
/// UTC, to the second), live score, reasons.
pub type AttemptRow = (i64, String, String, String, f32, Vec<String>);

/// The centre's `spoof_attempts` rows, by seq (issue 11, protocol version 2).
pub async fn attempt_rows(c: &tokio_postgres::Client) -> Vec<AttemptRow> {
    c.query(
        "SELECT seq, hall, staff_id,
                to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), live_score, reasons
         FROM spoof_attempts ORDER BY seq",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
    .collect()
}
