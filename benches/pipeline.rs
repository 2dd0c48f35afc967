//! Speed and memory of the recognition hot loop, one inference thread (issue 2's targets):
//! - a 640x480 frame with one face, detect + gate + align + embed + match against 1,000 people,
//!   against the two models' bare inference time (target: at most 1.15x);
//! - a frame with no face (target: at most 5 ms);
//! - 1:N search over 10,000 and 100,000 x 512-d (targets: 0.5 ms and 7 ms), with the bytes read
//!   per query and the machine's memory bandwidth beside it;
//! - resident memory with the models loaded and 10,000 people enrolled (target: under 150 MB).
//!
//! `cargo bench --bench pipeline`. Criterion times each case; a summary with the ratios follows.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::Criterion;
use hallclock::core::evaluation::SplitMix;
use hallclock::core::ids::StaffId;
use hallclock::core::image::BgrImage;
use hallclock::core::matcher::{l2_normalize, Gallery, MatchPolicy, Metric, SearchScratch};
use hallclock::hw::read_photo;
use hallclock::vision::pipeline::DoorOutcome;
use hallclock::vision::pixels::{crop_to_planar, Letterbox};
use hallclock::vision::{
    Detector, Embedder, ModelManifest, OrtRuntime, Recognizer, RecognizerConfig,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Places `src` (scaled by nearest neighbour to fit) in the middle of a black 640x480 frame.
fn frame_640x480(src: &BgrImage) -> BgrImage {
    let (w, h) = (640usize, 480usize);
    let s = (w as f32 / src.width() as f32).min(h as f32 / src.height() as f32);
    let (dw, dh) = (
        (src.width() as f32 * s) as usize,
        (src.height() as f32 * s) as usize,
    );
    let (ox, oy) = ((w - dw) / 2, (h - dh) / 2);
    let mut out = BgrImage::black(w, h);
    let sd = src.data();
    let od = out.data_mut();
    for y in 0..dh {
        for x in 0..dw {
            let sx = ((x as f32 / s) as usize).min(src.width() - 1);
            let sy = ((y as f32 / s) as usize).min(src.height() - 1);
            let si = (sy * src.width() + sx) * 3;
            let oi = ((y + oy) * w + x + ox) * 3;
            od[oi..oi + 3].copy_from_slice(&sd[si..si + 3]);
        }
    }
    out
}

/// `n` reproducible pseudo-random unit vectors of `dim` values (uniform in -0.5..0.5, normalised).
fn unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = SplitMix::new(seed);
    (0..n)
        .map(|_| {
            let mut v: Vec<f32> = (0..dim)
                .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
                .collect();
            l2_normalize(&mut v);
            v
        })
        .collect()
}

fn gallery(people: usize, dim: usize) -> Gallery {
    let mut g = Gallery::new(dim, Metric::Cosine);
    g.reserve(people);
    for (i, v) in unit_vectors(people, dim, 42).iter().enumerate() {
        g.add(&StaffId::new(&format!("s{i}")).expect("valid id"), v)
            .expect("valid vector");
    }
    g
}

/// Median of `f`'s wall time over `n` runs, after 3 warm-ups.
fn median(n: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[n / 2]
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Read bandwidth: summing a buffer far larger than the caches, bytes per second.
fn memory_bandwidth() -> f64 {
    let buf: Vec<u64> = (0..(256usize << 20) / 8).map(|i| i as u64).collect();
    let t = median(5, || {
        let s: u64 = buf.iter().fold(0u64, |a, b| a.wrapping_add(*b));
        black_box(s);
    });
    (buf.len() * 8) as f64 / t.as_secs_f64()
}

/// ONNX Runtime, both manifests, and the door recogniser with one inference thread.
fn load() -> (OrtRuntime, ModelManifest, ModelManifest, Recognizer) {
    let rt = OrtRuntime::start(None).expect("ONNX Runtime (scripts/install-onnxruntime)");
    let det_m =
        ModelManifest::load(&repo().join("models/yunet_2023mar.toml")).expect("detector manifest");
    let emb_m =
        ModelManifest::load(&repo().join("models/w600k_mbf.toml")).expect("embedder manifest");
    let detector = Detector::load(&rt, &det_m, 1).expect("detector");
    let embedder = Embedder::load(&rt, &emb_m, 1).expect("embedder");
    let rec = Recognizer::new(detector, embedder, RecognizerConfig::door_defaults());
    (rt, det_m, emb_m, rec)
}

/// The memory scenario alone, in a fresh process: models loaded, 10,000 people enrolled, one
/// frame recognised; prints the resident set size in MB.
fn rss_scenario() {
    let (_rt, _, _, mut rec) = load();
    let g = gallery(10_000, 512);
    hallclock::vision::runtime::trim_heap();
    let frame = frame_640x480(
        &read_photo(&repo().join("tests/fixtures/demo/0002_enrol.jpg")).expect("fixture"),
    );
    let mut scratch = SearchScratch::default();
    for _ in 0..20 {
        if let DoorOutcome::Embedded { embedding, .. } = rec.door_frame(&frame).expect("runs").0 {
            black_box(g.search(&embedding.0, &mut scratch).best);
        }
    }
    println!("{:.1}", rss_mb());
}

fn main() {
    if std::env::var_os("HALLCLOCK_BENCH_RSS").is_some() {
        rss_scenario();
        return;
    }
    let mut c = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let (rt, det_m, emb_m, mut rec) = load();
    let policy = MatchPolicy {
        threshold: 0.3,
        margin: 0.05,
    };

    let face_frame = frame_640x480(
        &read_photo(&repo().join("tests/fixtures/demo/0002_enrol.jpg")).expect("fixture"),
    );
    let empty_frame = frame_640x480(
        &read_photo(&repo().join("tests/fixtures/golden/mask_black.jpg")).expect("fixture"),
    );
    match rec.door_frame(&face_frame).expect("runs").0 {
        DoorOutcome::Embedded { .. } => {}
        other => panic!("the one-face frame must give an embedded face, got {other:?}"),
    }
    assert!(matches!(
        rec.door_frame(&empty_frame).expect("runs").0,
        DoorOutcome::NoFace { .. }
    ));

    // The models' bare inference: the same input shapes, pre-filled, straight into ort.
    let bare_session = |path: &std::path::Path| -> ort::session::Session {
        let b = ort::session::Session::builder(rt.env()).expect("builder");
        let b = b
            .with_intra_threads(1)
            .map_err(|e| e.to_string())
            .expect("threads");
        let mut b = b
            .with_intra_op_spinning(false)
            .map_err(|e| e.to_string())
            .expect("spinning");
        b.commit_from_file(path).expect("model loads")
    };
    let mut det_bare = bare_session(&det_m.model_path);
    let mut emb_bare = bare_session(&emb_m.model_path);
    // The very tensors the pipeline feeds for the one-face frame (inference time depends on the
    // values: a constant input runs a third faster than a real face).
    let mut det_in = Vec::new();
    Letterbox::default().fill(&face_frame, 320, 240, 320, 256, true, 0.0, 1.0, &mut det_in);
    let face = match rec.door_frame(&face_frame).expect("runs").0 {
        DoorOutcome::Embedded { face, .. } => face,
        other => panic!("expected a face, got {other:?}"),
    };
    let crop = rec.embedder.align(&face_frame, &face).expect("aligns");
    let mut emb_in = vec![0f32; 3 * 112 * 112];
    crop_to_planar(&crop, false, 127.5, 1.0 / 127.5, &mut emb_in);
    let mut bare = || {
        let t = ort::value::TensorRef::from_array_view(([1usize, 3, 256, 320], &det_in[..]))
            .expect("tensor");
        black_box(det_bare.run(ort::inputs![t]).expect("runs").len());
        let t = ort::value::TensorRef::from_array_view(([1usize, 3, 112, 112], &emb_in[..]))
            .expect("tensor");
        black_box(emb_bare.run(ort::inputs![t]).expect("runs").len());
    };

    let g1k = gallery(1_000, 512);
    let g10k = gallery(10_000, 512);
    let g100k = gallery(100_000, 512);
    let query = unit_vectors(1, 512, 7).remove(0);
    let mut scratch = SearchScratch::default();

    let full = |rec: &mut Recognizer, scratch: &mut SearchScratch| {
        let (out, _) = rec.door_frame(&face_frame).expect("runs");
        if let DoorOutcome::Embedded { embedding, .. } = out {
            black_box(policy.decide(&g1k.search(&embedding.0, scratch)));
        }
    };

    c.bench_function("models_bare_detect320_embed112", |b| b.iter(&mut bare));
    c.bench_function("frame_640x480_one_face_full_1k_people", |b| {
        b.iter(|| full(&mut rec, &mut scratch))
    });
    c.bench_function("frame_640x480_no_face", |b| {
        b.iter(|| black_box(rec.door_frame(&empty_frame).expect("runs")))
    });
    c.bench_function("search_10k_x_512", |b| {
        b.iter(|| black_box(g10k.search(&query, &mut scratch).best))
    });
    c.bench_function("search_100k_x_512", |b| {
        b.iter(|| black_box(g100k.search(&query, &mut scratch).best))
    });
    c.final_summary();

    // The summary: our own medians, so that the ratios come out as numbers.
    let t_bare = median(60, &mut bare);
    let t_full = median(60, || full(&mut rec, &mut scratch));
    let t_empty = median(60, || {
        black_box(rec.door_frame(&empty_frame).expect("runs"));
    });
    let t10k = median(200, || {
        black_box(g10k.search(&query, &mut scratch).best);
    });
    let t100k = median(50, || {
        black_box(g100k.search(&query, &mut scratch).best);
    });
    let bw = memory_bandwidth();
    let floor100k = g100k.scan_bytes() as f64 / bw;
    drop(g100k);
    drop(g10k);
    drop(g1k);

    // Resident memory, measured in a fresh process so that nothing above counts.
    let rss = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env("HALLCLOCK_BENCH_RSS", "1")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(f64::NAN);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\n== hallclock pipeline summary (1 inference thread) ==");
    println!(
        "models bare (YuNet 320x256 + w600k_mbf 112):    {:8.2} ms",
        ms(t_bare)
    );
    println!(
        "one-face 640x480 frame, full + match 1k people:  {:8.2} ms  = {:.3}x the models (target <= 1.15x)",
        ms(t_full),
        t_full.as_secs_f64() / t_bare.as_secs_f64()
    );
    println!(
        "no-face 640x480 frame:                           {:8.2} ms  (target <= 5 ms)",
        ms(t_empty)
    );
    println!(
        "search 10,000 x 512:                             {:8.3} ms  (target < 0.5 ms)",
        ms(t10k)
    );
    println!(
        "search 100,000 x 512:                            {:8.3} ms  (target < 7 ms); reads {:.1} MB, memory bandwidth {:.1} GB/s, floor {:.2} ms = {:.0}% of bandwidth",
        ms(t100k),
        100_000.0 * (512.0 + 8.0) / 1e6,
        bw / 1e9,
        floor100k * 1e3,
        100.0 * floor100k / t100k.as_secs_f64()
    );
    println!("resident memory, models + 10,000 people:         {rss:8.1} MB  (target < 150 MB)");
}
