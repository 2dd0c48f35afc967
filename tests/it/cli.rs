//! The real `hallclock` binary end to end, on a real SQLite file in a temporary folder.

use std::path::Path;
use std::process::Output;

use super::assert_has;
use super::{fixture, hallclock_command, repo, run_hallclock, shared_identities};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn f(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

#[test]
fn enroll_list_identify_remove() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "0003",
            "--name",
            "Barack Obama",
            "--post",
            "W02",
            &f("demo/0003_enrol.jpg"),
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("enrolled 0003: 1 face(s) from 1 photo(s)"),
        "{out}"
    );
    let o = run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "0004",
            "--name",
            "Joe Biden",
            &f("demo/0004_enrol.jpg"),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));

    let o = run_hallclock(d, &["staff", "list"]);
    let (out, _) = text(&o);
    assert_has(&out, &["0003", "Barack Obama", "W02"]);

    // Another photo of Obama is recognised as 0003, and the database holds no image.
    let other =
        "../shared/eval/registry/identities/pypi-face_recognition-1.3.0/barack_obama/obama2.jpg";
    let probe = repo().join(other);
    let probe = if probe.is_file() {
        probe
    } else {
        fixture("demo/0003_enrol.jpg")
    };
    let o = run_hallclock(d, &["identify", &probe.to_string_lossy()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("1 face(s)") && out.contains("0003 Barack Obama (score"),
        "{out}"
    );

    // The astronaut is nobody here.
    let o = run_hallclock(d, &["identify", &f("golden/astronaut.png")]);
    let (out, _) = text(&o);
    assert!(out.contains("unknown (BelowThreshold"), "{out}");

    let o = run_hallclock(d, &["staff", "remove", "--id", "0003"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("removed 0003: 1 face embedding(s) erased"),
        "{out}"
    );
    let o = run_hallclock(d, &["identify", &probe.to_string_lossy()]);
    let (out, _) = text(&o);
    assert!(!out.contains("0003 Barack Obama (score"), "{out}");

    let conn = rusqlite::Connection::open(d.join("hallclock.db")).unwrap();
    let images: i64 = conn
        .query_row("SELECT COUNT(*) FROM face_images", [], |r| r.get(0))
        .unwrap();
    assert_eq!(images, 0);
}

#[test]
fn enrolment_refuses_bad_photos_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cut = d.join("cut.jpg");
    let bytes = std::fs::read(fixture("demo/0004_enrol.jpg")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "0009",
            "--name",
            "测试",
            &f("demo/0001_enrol.jpg"),
            &f("golden/mask_black.jpg"),
            &f("golden/t1.jpg"),
            &cut.to_string_lossy(),
        ],
    );
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("enrolment of 0009 refused, nothing was saved"),
        "{err}"
    );
    assert!(
        err.contains("mask_black.jpg: no face found (未检测到人脸)"),
        "{err}"
    );
    assert_has(&err, &["t1.jpg: ", "faces in the photo; expected one"]);
    assert!(err.contains("cut.jpg is truncated"), "{err}");
    let o = run_hallclock(d, &["staff", "list"]);
    assert!(text(&o).0.contains("no staff yet"), "{:?}", text(&o));

    // A new person needs a name.
    let o = run_hallclock(d, &["enroll", "--id", "0010", &f("demo/0001_enrol.jpg")]);
    assert!(text(&o)
        .1
        .contains("0010 is not on the staff list yet: give their name"));
    // A bad id says what is allowed.
    let o = run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "王",
            "--name",
            "x",
            &f("demo/0001_enrol.jpg"),
        ],
    );
    assert!(
        text(&o)
            .1
            .contains("expected only letters, digits, '-' or '_'"),
        "{:?}",
        text(&o)
    );
}

/// Issue 12 item 7: a face already enrolled under someone else is refused, naming the person,
/// and nothing is saved; `--same-person` re-enrols it under the new id, and the old id loses its
/// face data (the door would otherwise know neither).
#[test]
fn issue12_a_face_enrolled_under_someone_else_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let enrol = |id: &str, name: &str, photo: &str, more: &[&str]| {
        let mut args = vec!["enroll", "--id", id, "--name", name];
        args.extend(more);
        let photo = f(photo);
        args.push(&photo);
        run_hallclock(d, &args)
    };
    assert!(enrol("0001", "王芳", "demo/0001_enrol.jpg", &[])
        .status
        .success());
    assert!(enrol("0002", "李强", "demo/0002_enrol.jpg", &[])
        .status
        .success());
    // The same face under a second id.
    let o = enrol("0099", "Someone", "demo/0001_enrol.jpg", &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_has(&err, &["此人脸已录入为 0001 王芳", "nothing was saved"]);
    assert!(err.contains("--same-person"), "{err}");
    let (list, _) = text(&run_hallclock(d, &["staff", "list"]));
    assert!(
        !list.contains("0099"),
        "a refused enrolment writes nothing: {list}"
    );

    // Confirmed: the same person, enrolled again under 0099.
    let o = enrol("0099", "王芳", "demo/0001_enrol.jpg", &["--same-person"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_has(&out, &["re-enrolment: 0001", "inactive"]);
    let (list, _) = text(&run_hallclock(d, &["staff", "list"]));
    let line = |id: &str| super::line_starting(&list, id);
    assert!(
        line("0001").contains("否 no") && line("0001").ends_with(" 0"),
        "{list}"
    );
    assert!(
        line("0099").contains("是 yes") && line("0099").ends_with(" 1"),
        "{list}"
    );
    assert!(
        line("0002").ends_with(" 1"),
        "a person the face does not match keeps theirs: {list}"
    );
    // The door now knows the face as 0099 only.
    let (out, err) = text(&run_hallclock(d, &["identify", &f("demo/0001_enrol.jpg")]));
    assert!(out.contains("0099") && !out.contains("0001 "), "{out}{err}");
}

#[test]
fn identify_on_a_video_recognises_the_enrolled_person() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "0002",
            "--name",
            "李明",
            &f("demo/0002_enrol.jpg")
        ]
    )
    .status
    .success());
    assert!(run_hallclock(
        d,
        &[
            "enroll",
            "--id",
            "0001",
            "--name",
            "王芳",
            &f("demo/0001_enrol.jpg")
        ]
    )
    .status
    .success());
    let o = run_hallclock(d, &["identify", &f("demo/single_face.mp4")]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("0002 李明  score"), "{out}");
    assert!(!out.contains("0001 王芳"), "{out}");
    assert!(
        out.contains("72 frames, 72 with a face, 1 recognised, 0 unknown"),
        "{out}"
    );
}

#[test]
fn identify_with_nobody_enrolled_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_hallclock(
        dir.path(),
        &["identify", "--max-frames", "10", &f("demo/single_face.mp4")],
    );
    let (out, err) = text(&o);
    assert!(o.status.success());
    assert!(err.contains("nobody is enrolled"), "{err}");
    assert!(out.contains("10 frames"), "{out}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A config with a typo exits 78 and names the key.
    std::fs::write(d.join("bad.toml"), "[vision]\ndetector-width = 333\n").unwrap();
    let o = run_hallclock(d, &["--config", "bad.toml", "staff", "list"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        text(&o)
            .1
            .contains("vision.detector-width = 333: expected a multiple of 32"),
        "{:?}",
        text(&o)
    );
    // A video that does not exist.
    let o = run_hallclock(d, &["identify", "nope.mp4"]);
    assert!(!o.status.success());
    assert!(
        text(&o)
            .1
            .contains("cannot open video file nope.mp4: no such file"),
        "{:?}",
        text(&o)
    );
    // A models folder without models (relative paths: inside this test's own temporary folder).
    let o = super::hallclock_command(d)
        .args([
            "--models",
            "no-models",
            "identify",
            &f("golden/astronaut.png"),
        ])
        .output()
        .unwrap();
    assert!(
        text(&o).1.contains("cannot find the models folder"),
        "{:?}",
        text(&o)
    );
    // A database in a folder that does not exist.
    let o = run_hallclock(d, &["--db", "no-such-dir/x.db", "staff", "list"]);
    assert!(
        text(&o)
            .1
            .contains("the database folder no-such-dir does not exist"),
        "{:?}",
        text(&o)
    );
}

#[test]
fn eval_prints_the_agreed_json_keys() {
    // A small dataset from fixtures: two identities, a stranger.
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    for (id, files) in [
        ("obama", vec!["demo/0003_enrol.jpg"]),
        ("biden", vec!["demo/0004_enrol.jpg"]),
        ("wang", vec!["demo/0001_enrol.jpg"]),
        ("li", vec!["demo/0002_enrol.jpg"]),
    ] {
        std::fs::create_dir_all(ds.join(id)).unwrap();
        for f in files {
            std::fs::copy(
                fixture(f),
                ds.join(id).join(Path::new(f).file_name().unwrap()),
            )
            .unwrap();
        }
    }
    let obama2 = repo().join(
        "../shared/eval/registry/identities/pypi-face_recognition-1.3.0/barack_obama/obama2.jpg",
    );
    let extra = if obama2.is_file() {
        obama2
    } else {
        fixture("demo/0003_enrol.jpg")
    };
    std::fs::copy(extra, ds.join("obama/second.jpg")).unwrap();
    let o = run_hallclock(
        dir.path(),
        &[
            "eval",
            "--dataset",
            &ds.to_string_lossy(),
            "--json",
            "--rounds",
            "3",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["images"], 5);
    assert_eq!(v["identities"], 4);
    assert_eq!(v["detect_failures"], 0);
    assert_eq!(v["genuine_pairs"], 1);
    assert_eq!(v["impostor_pairs"], 9);
    for k in ["1e-2", "1e-3", "1e-4"] {
        assert!(v["tar_at_far"].get(k).is_some(), "{k}");
    }
    assert!(v["eer"].is_number() && v["threshold"].is_number());
    for k in ["correct_accept", "wrong_person_accept", "stranger_accept"] {
        let x = v["open_set"][k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&x), "{k} = {x}");
    }
    assert_eq!(v["open_set"]["wrong_person_accept"], 0.0);
    assert!(v["stage_ms"]["detect"].as_f64().unwrap() > 0.0);

    let o = run_hallclock(dir.path(), &["eval", "--dataset", "no-such-dataset"]);
    assert!(text(&o)
        .1
        .contains("the dataset folder no-such-dataset does not exist"));
}

/// Accuracy on the real-face photos of ../shared/eval/github-snapshot (read in place, never
/// copied into the repository): the issue's floor of no detection failures, TAR >= 98% at
/// FAR 1e-3, no wrong-person accept, and at most 1% of strangers accepted.
#[test]
fn accuracy_on_the_shared_identities() {
    let Some(ds) = shared_identities("accuracy test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = run_hallclock(
        dir.path(),
        &["eval", "--dataset", &ds.to_string_lossy(), "--json"],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    eprintln!("{out}");
    assert_eq!(v["detect_failures"], 0, "{out}");
    assert!(v["tar_at_far"]["1e-3"].as_f64().unwrap() >= 0.98, "{out}");
    assert_eq!(v["open_set"]["wrong_person_accept"], 0.0, "{out}");
    assert!(
        v["open_set"]["stranger_accept"].as_f64().unwrap() <= 0.01,
        "{out}"
    );
}

#[test]
fn the_demo_runs_from_a_fresh_folder() {
    // The README's main job: the door on the sample videos uploading to a local centre on a
    // throwaway PostgreSQL, ending with the centre's month sheet. The centre's binary is built
    // beside the door's by the workspace's `cargo test`; run alone (`--test it`), without it, the
    // demo runs the door only (`--no-centre`) rather than building inside a test.
    let door = std::path::PathBuf::from(env!("CARGO_BIN_EXE_hallclock"));
    let with_centre = door.with_file_name("hallclock-central").is_file();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let fixtures = fixture("demo").to_string_lossy().into_owned();
    let out_arg = out_dir.to_string_lossy().into_owned();
    let mut args = vec!["demo", "--fixtures", &fixtures, "--out", &out_arg];
    if !with_centre {
        eprintln!(
            "hallclock-central is not built beside the door: the demo runs without the centre"
        );
        args.push("--no-centre");
    }
    let o = hallclock_command(dir.path())
        .env_remove("CARGO")
        .args(&args)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("enrolled 0004 Joe Biden"), "{out}");
    // The daemon ran on the sample videos and printed each punch with the rules' reading.
    assert!(
        out.contains("ready: device door-1, 4 people enrolled"),
        "{out}"
    );
    assert!(out.contains("punch 0001  "), "{out}");
    assert!(out.contains("punch 0002  "), "{out}");
    assert!(out.contains("demo done: 2 punch(es) recorded"), "{out}");
    assert!(out_dir.join("demo.db").is_file());
    if with_centre {
        assert!(
            out.contains("every punch is uploaded to the centre"),
            "{out}"
        );
        assert!(out.contains("月度考核及专项资金发放表"), "{out}");
        assert!(out.contains("0004  Joe Biden"), "{out}");
    }
}
