//! Golden tests: our detector and embedder against an independent Python/onnxruntime/OpenCV
//! reference (`tests/fixtures/golden/make_golden.py`), and the model-loading errors.

use hallclock::core::matcher::dot_f32;
use hallclock::hw::read_photo;
use hallclock::vision::detector::DetectorSize;
use hallclock::vision::{Detector, Embedder, ModelManifest, OrtRuntime, VisionError};

use super::assert_has;
use super::{fixture, manifest, models, read_json};

/// The reference embedding of the photo `name` (`golden/golden.json`).
fn reference_embedding(name: &str) -> Vec<f32> {
    let golden = read_json(&fixture("golden/golden.json"));
    golden["embeddings"][name]["vector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn embedding_of_the_aligned_face_matches_the_reference() {
    let (_rt, _det, mut emb) = models();
    let want = reference_embedding("Tom_Hanks_54745.png");
    let img = read_photo(&fixture("golden/Tom_Hanks_54745.png")).unwrap();
    assert_eq!((img.width(), img.height()), (112, 112));
    let got = emb.embed(&[&img], false).unwrap().remove(0);
    assert_eq!(got.0.len(), 512);
    let cos = dot_f32(&got.0, &want);
    assert!(cos >= 0.999, "cosine to the reference {cos}");
}

#[test]
fn detect_align_embed_matches_the_reference() {
    let (_rt, mut det, mut emb) = models();
    let want = reference_embedding("astronaut.png");
    let img = read_photo(&fixture("golden/astronaut.png")).unwrap();
    let faces = det
        .detect(&img, DetectorSize::Native { max_side: 4096 })
        .unwrap();
    let crop = emb.align(&img, &faces[0]).unwrap();
    let got = emb.embed(&[&crop], false).unwrap().remove(0);
    let cos = dot_f32(&got.0, &want);
    assert!(cos >= 0.995, "cosine to the reference pipeline {cos}");
}

#[test]
fn detector_boxes_and_landmarks_match_the_reference() {
    let (_rt, mut det, _emb) = models();
    let golden = read_json(&fixture("golden/golden.json"));
    let cases = golden["detections"].as_object().unwrap();
    assert!(cases.len() >= 4);
    for (key, case) in cases {
        let img = read_photo(&fixture(&format!(
            "golden/{}",
            case["file"].as_str().unwrap()
        )))
        .unwrap();
        let (size, tol) = match case["width"].as_u64() {
            // Same pixels in: the same numbers out, to rounding.
            None => (DetectorSize::Native { max_side: 4096 }, 0.5),
            // Our bilinear resize against OpenCV's fixed-point one: within a pixel or two.
            Some(w) => (DetectorSize::Width(w as usize), 2.0),
        };
        let got = det.detect(&img, size).unwrap();
        let want = case["faces"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{key}: number of faces");
        for w in want {
            let wb: Vec<f32> = w["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            // Match by box centre: NMS order can differ when scores tie.
            let g = got
                .iter()
                .min_by(|a, b| {
                    let da = (a.bbox.x0 - wb[0]).abs() + (a.bbox.y0 - wb[1]).abs();
                    let db = (b.bbox.x0 - wb[0]).abs() + (b.bbox.y0 - wb[1]).abs();
                    da.total_cmp(&db)
                })
                .unwrap();
            let scale = (wb[2] - wb[0]).max(1.0) / 100.0;
            let t = tol * scale.max(1.0);
            for (g, w) in [g.bbox.x0, g.bbox.y0, g.bbox.x1, g.bbox.y1].iter().zip(&wb) {
                assert!((g - w).abs() <= t, "{key}: box {:?} vs {wb:?}", g);
            }
            let wl = w["landmarks"].as_array().unwrap();
            for (p, q) in g.landmarks.iter().zip(wl) {
                let (qx, qy) = (q[0].as_f64().unwrap() as f32, q[1].as_f64().unwrap() as f32);
                assert!(
                    (p.x - qx).abs() <= t && (p.y - qy).abs() <= t,
                    "{key}: landmark {p:?} vs ({qx}, {qy})"
                );
            }
            assert!(
                (g.score - w["score"].as_f64().unwrap() as f32).abs() < 0.02,
                "{key}: score"
            );
        }
    }
}

#[test]
fn a_photo_without_a_face_gives_no_face() {
    let (_rt, mut det, _emb) = models();
    for name in [
        "golden/mask_black.jpg",
        "golden/free-mountain-vector-01.jpg",
        "golden/rocket.jpg",
        "golden/coins.png",
    ] {
        let img = read_photo(&fixture(name)).unwrap();
        assert!(
            det.detect(&img, DetectorSize::Width(320))
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

#[test]
fn a_corrupt_model_is_refused_by_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(super::repo().join("models/w600k_mbf.toml")).unwrap();
    std::fs::write(dir.path().join("w600k_mbf.toml"), &text).unwrap();
    let mut bytes = std::fs::read(super::repo().join("models/insightface_w600k_mbf.onnx")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(dir.path().join("insightface_w600k_mbf.onnx"), &bytes).unwrap();
    let rt = OrtRuntime::start(None).unwrap();
    let m = ModelManifest::load(&dir.path().join("w600k_mbf.toml")).unwrap();
    let e = Embedder::load(&rt, &m, 1).unwrap_err().to_string();
    assert_has(
        &e,
        &[
            "insightface_w600k_mbf.onnx has sha256",
            "corrupt or different file",
        ],
    );
    // A missing model file names the file and its manifest.
    std::fs::remove_file(dir.path().join("insightface_w600k_mbf.onnx")).unwrap();
    let e = Embedder::load(&rt, &m, 1).unwrap_err().to_string();
    assert!(
        e.starts_with("cannot read model file") && e.contains("w600k_mbf.toml"),
        "{e}"
    );
}

#[test]
fn a_model_with_the_wrong_shapes_is_refused() {
    // The dlib model (150x150 in, 128 out) described by a manifest that expects 112x112 in.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(super::repo().join("models/dlib_resnet.toml"))
        .unwrap()
        .replace("shape = [-1, 3, 150, 150]", "shape = [-1, 3, 112, 112]");
    std::fs::write(dir.path().join("dlib_resnet.toml"), text).unwrap();
    std::fs::copy(
        super::repo().join("models/dlib_resnet_v1_faceapi.onnx"),
        dir.path().join("dlib_resnet_v1_faceapi.onnx"),
    )
    .unwrap();
    let rt = OrtRuntime::start(None).unwrap();
    let m = ModelManifest::load(&dir.path().join("dlib_resnet.toml")).unwrap();
    let e = Embedder::load(&rt, &m, 1).unwrap_err();
    assert!(matches!(e, VisionError::ModelShape { .. }), "{e}");
    assert!(e.to_string().contains("expected [-1, 3, 112, 112]"), "{e}");
    // And a detector manifest is not an embedder.
    let det = manifest("yunet_2023mar.toml");
    let e = Embedder::load(&rt, &det, 1).unwrap_err().to_string();
    assert!(
        e.contains("is a detector model; expected a embedder") || e.contains("expected a embedder"),
        "{e}"
    );
    let _ = Detector::load(&rt, &det, 1).unwrap();
}

#[test]
fn the_dlib_embedder_is_a_config_change() {
    let rt = OrtRuntime::start(None).unwrap();
    let mut det = Detector::load(&rt, &manifest("yunet_2023mar.toml"), 1).unwrap();
    let mut emb = Embedder::load(&rt, &manifest("dlib_resnet.toml"), 1).unwrap();
    assert_eq!(emb.dim(), 128);
    let a = read_photo(&fixture("demo/0003_enrol.jpg")).unwrap();
    let b = read_photo(&fixture("golden/astronaut.png")).unwrap();
    let fa = det
        .detect(&a, DetectorSize::Native { max_side: 1280 })
        .unwrap()[0];
    let fb = det
        .detect(&b, DetectorSize::Native { max_side: 1280 })
        .unwrap()[0];
    let ca = emb.align(&a, &fa).unwrap();
    let cb = emb.align(&b, &fb).unwrap();
    assert_eq!(ca.width(), 150);
    let e = emb.embed(&[&ca, &cb], false).unwrap();
    let d = hallclock::core::matcher::similarity(emb.metric(), &e[0].0, &e[1].0).0;
    // Different people: Euclidean distance well above dlib's 0.6.
    assert!(-d > 0.6, "distance {}", -d);
}

#[test]
fn exif_orientation_is_honoured() {
    // The pixels are stored turned a quarter to the left, with EXIF orientation 6 ("rotate 90°
    // clockwise to view"), as a phone writes them. Read upright, the face is level.
    let (_rt, mut det, _emb) = models();
    let img = read_photo(&fixture("golden/biden_exif_rotated.jpg")).unwrap();
    assert_eq!((img.width(), img.height()), (970, 2204));
    let faces = det
        .detect(&img, DetectorSize::Native { max_side: 1280 })
        .unwrap();
    assert!(!faces.is_empty(), "no face in the upright photo");
    let (_, _, roll) = hallclock::vision::quality::pose(&faces[0]);
    assert!(roll.abs() < 15.0, "roll {roll}");
}
