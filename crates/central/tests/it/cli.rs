//! The operator's commands against a real database: registering a device prints a token once and
//! stores only its sha256; migrations are applied once; a missing database is a configuration
//! error (exit 78); `device list` tells live, silent and revoked doors apart.

use sha2::{Digest, Sha256};

use super::{central, Db};

#[tokio::test]
async fn device_add_prints_a_token_once_and_stores_only_its_hash() {
    let db = Db::new().await;
    let token = db.seeded();
    assert!(token.starts_with("hc1_") && token.len() == 68, "{token:?}");
    let c = db.client().await;
    let row = c
        .query_one(
            "SELECT token_sha256, d::text FROM devices d WHERE id = 'door-1'",
            &[],
        )
        .await
        .unwrap();
    let stored: Vec<u8> = row.get(0);
    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());
    let whole_row: String = row.get(1);
    assert!(
        !whole_row.contains(&token[4..]),
        "the token is stored: {whole_row}"
    );
    // A second device gets another token; the list never shows one.
    let other = db.ok(&["device", "add", "--hall", "east", "--id", "door-2"]);
    assert_ne!(other.trim(), token);
    let list = db.ok(&["device", "list"]);
    assert!(!list.contains(&token[4..]) && !list.contains(&other.trim()[4..]));
    assert!(list.contains("door-2"), "{list}");
}

#[tokio::test]
async fn migrate_runs_once_and_refuses_nothing_twice() {
    let db = Db::new().await;
    db.ok(&["migrate"]);
    db.ok(&["migrate"]);
    let c = db.client().await;
    let versions: Vec<i32> = c
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let every: Vec<i32> = (1..=hallclock_central::store::latest_version()).collect();
    assert_eq!(versions, every, "each migration once, in order");
}

#[tokio::test]
async fn commands_say_what_is_wrong() {
    let db = Db::new().await;
    let before = db.run(&["hall", "add", "--id", "east", "--name", "东区"]);
    assert!(!before.status.success());
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("run hallclock-central migrate"),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    db.seeded();
    let again = db.run(&["device", "add", "--hall", "east", "--id", "door-1"]);
    assert!(!again.status.success());
    assert!(again.stdout.is_empty(), "no token for a refused device");
    assert!(String::from_utf8_lossy(&again.stderr).contains("device \"door-1\" already exists"));
    let nowhere = db.run(&["device", "add", "--hall", "north", "--id", "door-9"]);
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("hall \"north\" does not exist"));
    let bad = db.run(&["device", "add", "--hall", "east", "--id", "door 9"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected 1 to 64 of"));
    let missing = db.run(&["device", "revoke", "--id", "door-9"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("device \"door-9\" does not exist"));
}

#[test]
fn no_database_is_a_configuration_error() {
    let out = central().args(["migrate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected --db URL"));
}

#[tokio::test]
async fn a_password_in_the_url_or_file_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "s3cret-pw\n").unwrap();
    // Nothing listens here: the connection fails, and the error must not show the secrets.
    let out = central()
        .args([
            "--db",
            "postgresql://hallclock:url-s3cret@127.0.0.1:1/hallclock",
            "--db-password-file",
        ])
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("cannot connect to the database"), "{all}");
    assert!(!all.contains("s3cret"), "{all}");
}
