//! Liveness (issue 11): the MiniFASNet pair on real captures through the real ONNX Runtime, the
//! missing-model error, and `make-attacks` + `eval-liveness` through the real binary.

use hallclock::core::image::BgrImage;
use hallclock::vision::detector::DetectorSize;
use hallclock::vision::{LivenessModel, OrtRuntime, VisionError};

use super::{fixture, models, repo};

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
    assert!(
        text.contains("minifasnet_v2.onnx") && text.contains("mode = \"off\""),
        "{text}"
    );
    std::fs::remove_file(dir.path().join("minifasnet_v2.toml")).expect("rm");
    let text = LivenessModel::load_from_dir(&rt, dir.path(), 1)
        .expect_err("manifest missing")
        .to_string();
    assert!(text.contains("minifasnet_v2.toml is missing"), "{text}");
}
