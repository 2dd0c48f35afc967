//! Liveness (issue 11): the MiniFASNet pair on real captures through the real ONNX Runtime, the
//! missing-model error, and `make-attacks` + `eval-liveness` through the real binary.

use hallclock::core::image::BgrImage;
use hallclock::vision::detector::DetectorSize;
use hallclock::vision::{LivenessModel, OrtRuntime, VisionError};

use super::{assert_has, fixture, models, output_ok, repo};

fn largest_face(img: &BgrImage) -> hallclock::vision::Face {
    let (_rt, mut det, _emb) = models();
    let faces = det
        .detect(img, DetectorSize::Native { max_side: 1024 })
        .expect("detector runs");
    faces
        .into_iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .expect("a face in the fixture")
}

#[test]
fn minifasnet_pair_scores_real_captures_as_live() {
    let rt = OrtRuntime::start(None).expect("ONNX Runtime");
    let mut model =
        LivenessModel::load_from_dir(&rt, &repo().join("models"), 1).expect("both load");
    assert_eq!(model.names(), ["minifasnet-v2", "minifasnet-v1se"]);
    for photo in ["demo/0001_enrol.jpg", "demo/0002_enrol.jpg"] {
        let img = hallclock::hw::read_photo(&fixture(photo)).expect("fixture decodes");
        let face = largest_face(&img);
        let s = model.score(&img, &face.bbox).expect("scores");
        eprintln!("{photo}: {s:?}");
        for v in s.per_model {
            assert!((0.0..=1.0).contains(&v), "{v}");
        }
        assert!((s.mean - (s.per_model[0] + s.per_model[1]) / 2.0).abs() < 1e-6);
        // A frame of a real camera capture of a live person.
        assert!(s.mean > 0.5, "{photo}: {s:?}");
    }
}

#[test]
fn a_missing_liveness_model_says_which_and_what_to_do() {
    let rt = OrtRuntime::start(None).expect("ONNX Runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        repo().join("models/minifasnet_v2.toml"),
        dir.path().join("minifasnet_v2.toml"),
    )
    .expect("copy manifest");
    let e = LivenessModel::load_from_dir(&rt, dir.path(), 1).expect_err("model file is missing");
    assert!(
        matches!(e, VisionError::MissingLivenessModel { .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert_has(&text, &["minifasnet_v2.onnx", "mode = \"off\""]);
    std::fs::remove_file(dir.path().join("minifasnet_v2.toml")).expect("rm");
    let text = LivenessModel::load_from_dir(&rt, dir.path(), 1)
        .expect_err("manifest missing")
        .to_string();
    assert!(text.contains("minifasnet_v2.toml is missing"), "{text}");
}

/// `hallclock make-attacks` into `set` (run in `dir`) from the fixture videos `sources`: one clip
/// of `frames` frames and one still per source and kind, seed 11; it must succeed.
pub(crate) fn make_attacks(
    dir: &std::path::Path,
    set: &std::path::Path,
    sources: &[&str],
    frames: u32,
) {
    let mut c = super::hallclock_command(dir);
    c.args(["make-attacks", "--out"]).arg(set);
    for source in sources {
        c.arg("--source").arg(fixture(source));
    }
    c.args([
        "--clips",
        "1",
        "--images",
        "1",
        "--max-frames",
        "150",
        "--seed",
        "11",
    ])
    .args(["--frames", &frames.to_string()]);
    output_ok(&mut c, "make-attacks runs");
}

/// `make-attacks` then `eval-liveness --json`, through the real binary: a small synthetic set
/// from the repository's sample videos (real captures of live people), the output's shape, and
/// the synthetic attacks scoring below the live samples on average.
#[test]
fn synthetic_attacks_score_below_live_people_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = dir.path().join("set");
    make_attacks(
        dir.path(),
        &set,
        &["demo/WolfgangLanger_Pexels.mp4", "demo/single_face.mp4"],
        12,
    );
    for sub in ["live", "attack/print", "attack/replay"] {
        let n = std::fs::read_dir(set.join(sub)).expect(sub).count();
        assert_eq!(n, 4, "{sub}: one clip and one still per source video");
    }
    let clip = set.join("attack/print/single_face_00");
    assert_eq!(std::fs::read_dir(&clip).expect("clip").count(), 12);

    let out = output_ok(
        super::hallclock_command(dir.path())
            .args(["eval-liveness", "--json", "--dataset"])
            .arg(&set),
        "eval-liveness runs",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["bona_fide"], 4, "{v:#}");
    assert_eq!(v["mode"], "flag");
    assert_eq!(v["target_bpcer"], 0.01);
    let samples = v["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 12);
    for check in ["model", "motion", "combined", "verdict"] {
        let c = &v["checks"][check];
        for rates in [
            "at_configured_threshold",
            "bpcer_at_apcer_5",
            "for_target_bpcer",
        ] {
            let r = &c[rates];
            assert!(r["threshold"].is_number(), "{check}.{rates}: {c:#}");
            assert!(r["bpcer"]
                .as_f64()
                .is_some_and(|b| (0.0..=1.0).contains(&b)));
            for kind in ["print", "replay"] {
                let a = r["apcer"][kind].as_f64().expect("APCER per kind");
                assert!((0.0..=1.0).contains(&a));
                assert!(a <= r["apcer_max"].as_f64().expect("worst APCER") + 1e-12);
            }
        }
        // BPCER at APCER 5% holds the worst attack kind at 5% or less.
        assert!(c["bpcer_at_apcer_5"]["apcer_max"].as_f64().expect("worst") <= 0.05);
        // The threshold chosen for the target refuses at most 1% of the live samples.
        assert!(c["for_target_bpcer"]["bpcer"].as_f64().expect("bpcer") <= 0.01);
    }
    for check in ["model", "combined"] {
        let c = &v["checks"][check];
        let live = c["mean_bona_fide_score"].as_f64().expect("live mean");
        let attack = c["mean_attack_score"].as_f64().expect("attack mean");
        assert!(attack < live, "{check}: attacks {attack} vs live {live}");
    }
    // Every live clip was seen with a face in every frame and is judged live by the model.
    for s in samples.iter().filter(|s| s["attack"].is_null()) {
        assert_eq!(s["faces"], s["frames"], "{s}");
        assert!(s["model"].as_f64().expect("model score") > 0.5, "{s}");
    }

    // A folder without live/ and attack/ is refused, saying what it needs.
    let out = super::hallclock_command(dir.path())
        .args(["eval-liveness", "--dataset"])
        .arg(dir.path().join("nowhere"))
        .output()
        .expect("eval-liveness runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_has(&err, &["live/", "make-attacks"]);
}
