//! The facts a door takes a copy of (`GET /api/hallclock/v1/facts`), over real HTTP from the real
//! `serve` on a real database: the hall's staff with their days and windows and the holiday
//! files, an `ETag` that stays while nothing changes (`304` to `If-None-Match`) and changes with
//! the facts, only the device's own hall, and nothing without a live token.

use serde_json::Value;

use super::{repo, Db};

async fn get(url: &str, token: &str, etag: Option<&str>) -> (u16, Option<String>, Value) {
    let mut r = reqwest::Client::new().get(url).bearer_auth(token);
    if let Some(tag) = etag {
        r = r.header("if-none-match", tag);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let tag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    (
        status,
        tag,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_door_takes_its_halls_facts_and_is_told_when_they_change() {
    let db = Db::new().await;
    let token = db.seeded();
    let holidays = repo().join("firmware-config/holidays-2026.txt");
    db.ok(&["calendar", "import", holidays.to_str().unwrap()]);
    db.ok(&[
        "staff",
        "set",
        "--hall",
        "east",
        "--id",
        "0042",
        "--post",
        "W03",
        "--active-from",
        "2026-11-02",
    ]);
    let server = db.serve();
    let url = format!("{}/api/hallclock/v1/facts", server.base);

    let (status, tag, facts) = get(&url, &token, None).await;
    assert_eq!(status, 200, "{facts}");
    let tag = tag.expect("an ETag");
    assert_eq!(tag, format!("\"{}\"", facts["version"].as_str().unwrap()));
    assert_eq!(facts["hall"], "east");
    assert_eq!(facts["zone"], "Asia/Shanghai");
    let ids: Vec<&str> = facts["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["0042", "0043"], "only the device's own hall");
    assert_eq!(facts["staff"][0]["post"], "W03");
    assert_eq!(facts["staff"][0]["active_from"], "2026-11-02");
    assert_eq!(facts["holiday_files"][0]["name"], "holidays-2026.txt");
    assert!(facts["holiday_files"][0]["body"]
        .as_str()
        .unwrap()
        .contains("2026-10-01 holiday"));

    let (status, again, body) = get(&url, &token, Some(&tag)).await;
    assert_eq!(status, 304, "nothing changed");
    assert_eq!(again.as_deref(), Some(tag.as_str()));
    assert_eq!(body, Value::Null, "no body with a 304");

    db.ok(&[
        "staff",
        "set",
        "--hall",
        "east",
        "--id",
        "0043",
        "--active-until",
        "2026-12-31",
    ]);
    let (status, newer, facts) = get(&url, &token, Some(&tag)).await;
    assert_eq!(status, 200, "the facts changed");
    assert_ne!(newer.as_deref(), Some(tag.as_str()));
    assert_eq!(facts["staff"][1]["active_until"], "2026-12-31");

    let (status, _, body) = get(&url, "hc1_not-a-token", None).await;
    assert_eq!(status, 401, "{body}");
}
