//! Rush hour at the door (issue 10): `hallclock door-clip` composes a small seeded clip of
//! enrolled people from the shared dev photos (read in place from `../shared/eval`, never copied
//! into the repository) walking in side by side, in a queue and crossing, and `hallclock
//! eval-door --json` runs the real recognise, decide and record stages on it: everybody
//! punched, nobody twice, nobody for someone else.

use super::{hallclock_command, output_ok, repo, shared_identities};

#[test]
fn a_small_rush_hour_clip_punches_everybody_once_and_nobody_wrongly() {
    let Some(photos) = shared_identities("rush-hour clip test") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = dir.path().join("clip");
    let background = repo().join("tests/fixtures/demo/WolfgangLanger_Pexels.mp4");
    // 6 people in three groups; seed 4 gives more than one kind of entrance (checked below).
    output_ok(
        hallclock_command(dir.path())
            .args(["door-clip", "--photos"])
            .arg(&photos)
            .arg("--background")
            .arg(&background)
            .args(["--people", "6", "--seed", "4", "--out"])
            .arg(&clip),
        "door-clip runs",
    );
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(clip.join("truth.json")).expect("truth"))
            .expect("truth.json is JSON");
    let people = truth["people"].as_array().expect("people").len();
    assert_eq!(people, 6);
    let scenarios: std::collections::BTreeSet<&str> = truth["people"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["scenario"].as_str())
        .collect();
    assert!(
        scenarios.len() >= 2,
        "one kind of entrance only: {scenarios:?}"
    );

    let o = output_ok(
        hallclock_command(dir.path())
            .args(["eval-door", "--json", "--no-naive"])
            .arg(&clip),
        "eval-door runs",
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value =
        serde_json::from_str(out.lines().last().expect("a JSON line")).expect("JSON");
    assert_eq!(v["people"], 6, "{v:#}");
    assert_eq!(v["not_enrolled"].as_array().map(Vec::len), Some(0), "{v:#}");
    assert_eq!(v["wrong_person"], 0, "{v:#}");
    assert_eq!(v["duplicated"], 0, "{v:#}");
    assert_eq!(v["punched"], 6, "{v:#}");
    assert_eq!(v["missed"], 0, "{v:#}");
    // The tracker embeds far fewer faces than it detects: followed by boxes once concluded.
    let embedded = v["faces_embedded"].as_u64().expect("faces_embedded");
    let detected = v["faces_detected"].as_u64().expect("faces_detected");
    assert!(
        embedded * 2 < detected,
        "{embedded} of {detected} faces embedded"
    );
    // The vote waits for 3 agreeing frames: at 15 fps at least 2 frame intervals.
    let wait = v["vote_wait_at_fps_ms"]["median"].as_f64().expect("wait");
    assert!(wait >= 133.0, "{v:#}");
}
