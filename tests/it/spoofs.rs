//! Issue 11 at the door and for the supervisor: suspected spoofs at the door (a punch the liveness check
//! flagged, an attempt it refused) are listed on the console's 代打卡嫌疑 page for their month,
//! with the claimed person, the door and the reasons in Chinese (English with `?lang=en`).

use hallclock::core::ids::StaffId;
use hallclock::core::rules::Punch;
use hallclock::core::schedule::PunchRole;
use hallclock::store::{DoorPunch, LivenessMark, SpoofAttempt, SpoofOutcome, Store};
use jiff::Timestamp;
use reqwest::StatusCode;

use super::assert_has;
use super::console::{get, sign_in, Server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flagged_punches_and_refused_attempts_are_listed_for_their_month() {
    let s = Server::start_at("2026-11-18T10:00:00+08:00");
    for (id, name) in [("0001", "张三"), ("0002", "李四")] {
        let o = s
            .hallclock()
            .args(["staff", "add", "--id", id, "--name", name])
            .output()
            .expect("staff add runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let at = |t: &str| -> Timestamp { t.parse().expect("an instant") };
    {
        let mut store = Store::open(&s.dir.path().join("hallclock.db")).expect("the database");
        let staff = |id: &str| StaffId::new(id).expect("an id");
        let punch = |who: &str, t: &str, liveness| DoorPunch {
            punch: Punch {
                staff: staff(who),
                at: at(t),
                clock_trusted: true,
            },
            role: PunchRole::ClockIn,
            verdict: None,
            score: Some(0.88),
            liveness,
        };
        store
            .record_door_punches(
                "door-east",
                &[
                    // live: not listed
                    punch(
                        "0001",
                        "2026-11-17T23:55:00Z",
                        Some(LivenessMark {
                            suspect: false,
                            score: 0.97,
                            reasons: String::new(),
                        }),
                    ),
                    // flagged in November
                    punch(
                        "0002",
                        "2026-11-18T00:02:00Z",
                        Some(LivenessMark {
                            suspect: true,
                            score: 0.21,
                            reasons: "model,flat".into(),
                        }),
                    ),
                ],
                at("2026-11-18T00:02:01Z"),
            )
            .expect("punches recorded");
        for (who, t) in [
            ("0001", "2026-11-18T00:05:00Z"),
            ("0002", "2026-12-01T00:05:00Z"),
        ] {
            store
                .record_spoof_attempt(
                    "door-east",
                    &SpoofAttempt {
                        staff: staff(who),
                        at: at(t),
                        match_score: Some(0.8),
                        live_score: 0.04,
                        reasons: "bezel".into(),
                    },
                    at(t),
                )
                .expect("attempt recorded");
        }
    }
    let supervisor = sign_in(&s, "super1", PASSWORD)
        .await
        .expect("the supervisor signs in");
    let (status, body) = get(&s, Some(&supervisor), "/spoofs?month=2026-11").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows: Vec<&str> = body.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{body}");
    // By time, in the hall's zone: the flagged punch at 08:02, the refused attempt at 08:05.
    assert_has(
        rows[0],
        &[
            "2026-11-18 08:02",
            "李四",
            "door-east",
            "已记打卡，待核查",
            "活体模型判为照片或屏幕，人脸移动如同平面",
        ],
    );
    assert_has(rows[1], &["张三", "已拒绝，未记打卡", "人脸在屏幕边框内"]);
    assert!(
        !body.contains("2026-12-01"),
        "December's attempt is not November's"
    );

    let (_, english) = get(&s, Some(&supervisor), "/spoofs?month=2026-11&lang=en").await;
    assert!(english.contains("Refused, no punch"), "{english}");
    let (_, december) = get(&s, Some(&supervisor), "/spoofs?month=2026-10").await;
    assert!(december.contains("本月没有代打卡嫌疑"), "{december}");
    let (status, _) = get(&s, Some(&supervisor), "/spoofs?month=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Viewers see reports, this page too; anonymous visitors are sent to sign in.
    let (status, _) = get(&s, None, "/spoofs").await;
    assert_ne!(status, StatusCode::OK);

    // The month report counts them per person (flagged / refused), on the console's month page
    // with a link to the list, and in every format of `hallclock report month`.
    let (status, body) = get(&s, Some(&supervisor), "/report?month=2026-11").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("代打卡嫌疑(已记/已拒)"), "{body}");
    let row_of = |who: &str| {
        body.split("<tr>")
            .find(|r| r.contains(&format!("<td>{who}</td>")))
            .unwrap_or_else(|| panic!("no row for {who}: {body}"))
            .to_string()
    };
    assert!(row_of("0001").contains("<td class=\"spoofs\">0 / 1</td>"));
    assert!(row_of("0002").contains("<td class=\"spoofs\">1 / 0</td>"));
    assert!(body.contains("href=\"/spoofs?month=2026-11\""), "{body}");
    let (_, october) = get(&s, Some(&supervisor), "/report?month=2026-10").await;
    assert!(!october.contains("id=\"spoofs\""), "{october}");

    let report = |format: &str| {
        let o = s
            .hallclock()
            .args(["report", "month", "--month", "2026-11", "--format", format])
            .output()
            .expect("report runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let json: serde_json::Value = serde_json::from_str(&report("json")).expect("JSON");
    let counts = |who: &str| {
        (
            json["staff"][who]["spoofs_flagged"].as_u64(),
            json["staff"][who]["spoofs_refused"].as_u64(),
        )
    };
    assert_eq!(counts("0001"), (Some(0), Some(1)), "{json}");
    assert_eq!(
        counts("0002"),
        (Some(1), Some(0)),
        "December's attempt is not November's"
    );
    assert_eq!(json["hall"]["spoofs_refused"].as_u64(), Some(1));
    let csv = report("csv");
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.ends_with("代打卡嫌疑(已记打卡)/spoofs_flagged,代打卡嫌疑(已拒绝)/spoofs_refused"),
        "{header}"
    );
    let table = report("table");
    assert!(
        table.contains("代打卡嫌疑 (活体检测) suspected spoofs: 2"),
        "{table}"
    );
    assert!(
        table.contains("0002 李四: 已记打卡待核查 1, 已拒绝未记打卡 0"),
        "{table}"
    );
}

/// Issue 11 through the real daemon: synthetic replay and print attacks (`make-attacks` from a
/// sample video, seeded) showing an enrolled person get no punch in `refuse` mode (an attempt is
/// kept instead, and the door says so) and a flagged punch in `flag` mode; the real person in the
/// same video still punches, unflagged, in `refuse` mode.
#[test]
fn the_door_refuses_or_flags_synthetic_attacks_and_lets_the_real_person_punch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = super::hallclock_command(dir.path())
            .args(args)
            .output()
            .expect("hallclock runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    let set = dir.path().join("set");
    super::liveness::make_attacks(dir.path(), &set, &["demo/single_face.mp4"], 24);
    let enrolled = dir.path().join("enrolled.db");
    enrol_zhang_san(
        super::hallclock_command(dir.path())
            .arg("--db")
            .arg(&enrolled),
        &set,
    );
    // The door on a clip of `kind`, in `mode`: what it printed and what its database holds.
    let door = |kind: &str, mode: &str| {
        let db = dir
            .path()
            .join(format!("{mode}-{}.db", kind.replace('/', "-")));
        std::fs::copy(&enrolled, &db).expect("a copy of the enrolled database");
        let config = dir.path().join("door.toml");
        let clip = set.join(kind).join("single_face_00");
        write_door_config(&config, &db, &clip, &format!("mode = \"{mode}\"\n"));
        let printed = run(&["--config", &config.to_string_lossy(), "run"]);
        let store = Store::open(&db).expect("the door's database");
        let day = |t: &str| -> Timestamp { t.parse().expect("an instant") };
        let (from, until) = (day("2026-11-17T00:00:00Z"), day("2026-11-19T00:00:00Z"));
        let punches = store.punches_between(from, until, None).expect("punches");
        let spoofs = store.spoof_lines(from, until).expect("spoof lines");
        (printed, punches.len(), spoofs)
    };
    for kind in ["attack/replay", "attack/print"] {
        let (printed, punches, spoofs) = door(kind, "refuse");
        assert_eq!(
            punches, 0,
            "{kind}: a refused attack is no punch\n{printed}"
        );
        assert!(!spoofs.is_empty(), "{kind}: the attempt is kept\n{printed}");
        assert!(
            spoofs
                .iter()
                .all(|l| l.outcome == SpoofOutcome::Refused && l.staff.as_str() == "0001"),
            "{spoofs:?}"
        );
        assert!(
            printed.contains("refused 0001  not recorded: see the supervisor"),
            "{printed}"
        );

        let (printed, punches, spoofs) = door(kind, "flag");
        assert!(punches > 0, "{kind}: flag mode keeps the punch\n{printed}");
        assert_eq!(
            spoofs.len(),
            punches,
            "{kind}: every punch is flagged\n{printed}"
        );
        assert!(
            spoofs.iter().all(|l| l.outcome == SpoofOutcome::Flagged),
            "{spoofs:?}"
        );
        assert!(printed.contains("(liveness suspect: "), "{printed}");
    }
    let (printed, punches, spoofs) = door("live", "refuse");
    assert!(punches > 0, "the real person punches\n{printed}");
    assert!(
        spoofs.is_empty(),
        "and is not suspected: {spoofs:?}\n{printed}"
    );
}

/// Issue 11, calibration on site: `doctor` (and so the status page, which lists its checks) says
/// the site has not calibrated while no attack drill is on record, never "OK";
/// `eval-liveness --from-db` gives the ISO/IEC 30107-3 figures of the kept samples (APCER per
/// kind and the worst, BPCER, BPCER at APCER 5%, the threshold for the target BPCER), and
/// `--save` records that threshold as the site's calibration, which doctor then reports with
/// its date, and asks for in the config until it is set.
#[test]
fn the_site_calibrates_from_its_drill_records_and_doctor_says_so() {
    use hallclock::store::{LivenessSample, SampleKind, SampleSource};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hall.db");
    let config = dir.path().join("hallclock.toml");
    let write_config = |extra: &str| {
        std::fs::write(
            &config,
            format!("[store]\ndatabase = {db:?}\n[daemon]\nclock-check = \"off\"\n{extra}"),
        )
        .expect("config")
    };
    write_config("");
    let run = |args: &[&str]| {
        output_of(
            super::hallclock_command(dir.path())
                .arg("--config")
                .arg(&config),
            args,
        )
    };
    let (ok, text) = run(&["staff", "add", "--id", "0001", "--name", "张三"]);
    assert!(ok, "{text}");
    let calibration_line = |text: &str| super::line_starting_with_any(text, "liveness calibration");
    let (_, doctor) = run(&["doctor", "--no-camera"]);
    let line = calibration_line(&doctor);
    assert!(
        line.starts_with("WARN  liveness calibration: 未校准：尚无攻击演练记录"),
        "{doctor}"
    );
    let (ok, text) = run(&["eval-liveness", "--from-db"]);
    assert!(!ok && text.contains("expected some of each"), "{text}");

    {
        let mut store = Store::open(&db).expect("the database");
        let at: Timestamp = "2026-11-18T02:00:00Z".parse().expect("an instant");
        let mut keep = |kind, source, score: f32| {
            let sample = LivenessSample {
                kind,
                source,
                staff: Some(StaffId::new("0001").expect("an id")),
                model_score: score,
                at,
            };
            store.record_liveness_sample(&sample, at).expect("a sample");
        };
        for i in 0..20 {
            keep(
                SampleKind::Live,
                SampleSource::Enrolment,
                0.6 + 0.02 * i as f32,
            );
        }
        for i in 0..10 {
            keep(
                SampleKind::Print,
                SampleSource::Drill,
                0.05 + 0.03 * i as f32,
            );
            keep(
                SampleKind::Replay,
                SampleSource::Drill,
                0.2 + 0.05 * i as f32,
            );
        }
    }
    let (_, doctor) = run(&["doctor", "--no-camera"]);
    assert!(
        calibration_line(&doctor).contains("未校准：已有 20 条攻击演练、20 条真人记录"),
        "{doctor}"
    );
    let (ok, text) = run(&["eval-liveness", "--from-db", "--json"]);
    assert!(ok, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["bona_fide"], 20);
    assert_eq!(v["attacks"]["print"], 10);
    let chosen = &v["for_target_bpcer"];
    assert_eq!(chosen["bpcer"], 0.0, "{v}");
    let threshold = chosen["threshold"].as_f64().expect("a threshold");
    assert!((0.55..=0.61).contains(&threshold), "{v}");
    // replays reach 0.65: some are accepted at that threshold, no print is
    assert_eq!(chosen["apcer"]["print"], 0.0, "{v}");
    assert!(
        chosen["apcer"]["replay"].as_f64().unwrap_or(0.0) > 0.0,
        "{v}"
    );
    assert_eq!(chosen["apcer_max"], chosen["apcer"]["replay"]);
    assert!(v["bpcer_at_apcer_5"]["bpcer"].as_f64().is_some(), "{v}");
    assert_eq!(v["saved"], false);

    let (ok, text) = run(&["eval-liveness", "--from-db", "--save"]);
    assert!(ok && text.contains("已校准：记录阈值"), "{text}");
    assert!(text.contains("APCER print 0.0%, replay"), "{text}");
    let (_, doctor) = run(&["doctor", "--no-camera"]);
    let line = calibration_line(&doctor);
    assert!(
        line.starts_with("WARN  liveness calibration: 已校准 2026-11-18：阈值 0.")
            && line.contains("set it to"),
        "{doctor}"
    );
    write_config(&format!("[liveness]\nmodel-threshold = {threshold:.3}\n"));
    let (_, doctor) = run(&["doctor", "--no-camera"]);
    assert!(
        calibration_line(&doctor).starts_with("OK    liveness calibration: 已校准 2026-11-18"),
        "{doctor}"
    );
    write_config("[liveness]\nmode = \"off\"\n");
    let (_, doctor) = run(&["doctor", "--no-camera"]);
    assert!(
        calibration_line(&doctor).starts_with("skip  liveness calibration"),
        "{doctor}"
    );
}

/// Issue 11, the attack drill through the real binary: synthetic print and replay attacks
/// (`make-attacks` from a sample video) shown to `hallclock liveness drill --source` land in the
/// database as attack samples of their kind, with an audit line each (who, kind, person);
/// `eval-liveness --from-db --json` then reports them beside the bona fide samples of enrolment.
/// A person not on the staff list is refused, and nothing is recorded.
#[test]
fn an_attack_drill_records_samples_of_its_kind_for_calibration() {
    use hallclock::store::{AuditFilter, LivenessSample, SampleKind, SampleSource};
    let dir = tempfile::tempdir().expect("temp dir");
    let set = dir.path().join("set");
    super::liveness::make_attacks(dir.path(), &set, &["demo/single_face.mp4"], 12);
    let db = dir.path().join("hall.db");
    let run = |args: &[&str]| {
        output_of(
            super::hallclock_command(dir.path()).arg("--db").arg(&db),
            args,
        )
    };
    let (ok, text) = run(&["staff", "add", "--id", "0001", "--name", "张三"]);
    assert!(ok, "{text}");
    let (ok, text) = run(&[
        "liveness",
        "drill",
        "--staff",
        "0009",
        "--kind",
        "print",
        "--source",
        &set.join("attack/print/single_face_00").to_string_lossy(),
    ]);
    assert!(
        !ok && text.contains("0009 is not on the staff list"),
        "{text}"
    );
    for (kind, clip) in [
        ("print", "attack/print/single_face_00"),
        ("replay", "attack/replay/single_face_00"),
    ] {
        let (ok, text) = run(&[
            "liveness",
            "drill",
            "--staff",
            "0001",
            "--kind",
            kind,
            "--count",
            "5",
            "--source",
            &set.join(clip).to_string_lossy(),
        ]);
        assert!(ok, "{text}");
        assert!(
            text.contains(&format!("已记录攻击演练 5 条 ({kind}, 0001)")),
            "{text}"
        );
        assert!(text.contains("eval-liveness --from-db --save"), "{text}");
    }
    let mut store = Store::open(&db).expect("the database");
    assert_eq!(
        store.liveness_sample_counts().expect("counts"),
        [(SampleKind::Print, 5), (SampleKind::Replay, 5)]
    );
    let (audit, _) = store
        .audit_page(AuditFilter::All, 0, 50)
        .expect("the audit log");
    let drills: Vec<String> = audit
        .iter()
        .filter(|(a, _)| a.action == "liveness-drill")
        .map(|(a, _)| a.detail.clone())
        .collect();
    assert_eq!(drills.len(), 2, "{audit:?}");
    assert!(
        drills
            .iter()
            .any(|d| d.starts_with("print 0001: 5 samples from single_face_00")),
        "{drills:?}"
    );
    // Bona fide samples as the console's enrolment from the door camera keeps them.
    let at: Timestamp = "2026-11-18T01:00:00Z".parse().expect("an instant");
    let live: Vec<LivenessSample> = (0..6)
        .map(|i| LivenessSample {
            kind: SampleKind::Live,
            source: SampleSource::Enrolment,
            staff: Some(StaffId::new("0001").expect("an id")),
            model_score: 0.9 + 0.01 * i as f32,
            at,
        })
        .collect();
    store
        .record_liveness_samples(&live, at)
        .expect("live samples");
    drop(store);
    let (ok, text) = run(&["eval-liveness", "--from-db", "--json"]);
    assert!(ok, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["bona_fide"], 6, "{v}");
    assert_eq!(v["attacks"]["print"], 5, "{v}");
    assert_eq!(v["attacks"]["replay"], 5, "{v}");
    for kind in ["print", "replay"] {
        assert!(
            v["at_configured_threshold"]["apcer"][kind].is_number(),
            "{v}"
        );
    }
}

/// Issue 11, evidence frames through the real daemon: with `keep-evidence = true`, a refused
/// synthetic replay leaves a JPEG of the face region (not the whole frame) in the folder beside
/// the database (0700, files 0600), one per refused attempt, which the console's 代打卡嫌疑 page
/// links for admins only; a frame older than the retention is purged when the door starts
/// (its time from the injected clock); with `keep-evidence` off, nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_attack_keeps_an_evidence_frame_only_when_configured() {
    use std::os::unix::fs::PermissionsExt;
    const NOW: &str = "2026-11-18T10:00:00+08:00";
    let s = Server::start_at(NOW);
    let dir = s.dir.path().to_path_buf();
    let set = dir.join("set");
    super::liveness::make_attacks(&dir, &set, &["demo/single_face.mp4"], 24);
    let db = dir.join("hallclock.db");
    enrol_zhang_san(&mut s.hallclock(), &set);
    let off_db = dir.join("off.db");
    // The console holds the first database open (its enrolment may sit in the WAL): the door
    // without evidence frames gets a database of its own, enrolled the same way.
    enrol_zhang_san(
        super::hallclock_command(&dir)
            .env("HALLCLOCK_NOW", NOW)
            .arg("--db")
            .arg(&off_db),
        &set,
    );
    let evidence_dir = |db: &std::path::Path| {
        let mut name = db.as_os_str().to_owned();
        name.push(".evidence");
        std::path::PathBuf::from(name)
    };
    // A frame from September, past the 30 days' retention.
    let old_ms = "2026-09-01T00:00:00Z"
        .parse::<Timestamp>()
        .expect("an instant")
        .as_millisecond();
    let old = evidence_dir(&db).join(format!("{old_ms}-0001.jpg"));
    std::fs::create_dir_all(evidence_dir(&db)).expect("the folder");
    std::fs::write(&old, b"old").expect("an old frame");
    let door = |db: &std::path::Path, keep: bool| {
        let config = dir.join("door.toml");
        let evidence = if keep {
            "keep-evidence = true\nevidence-retention-days = 30\n"
        } else {
            ""
        };
        let clip = set.join("attack/replay/single_face_00");
        write_door_config(
            &config,
            db,
            &clip,
            &format!("mode = \"refuse\"\n{evidence}"),
        );
        // On the console's day, so that the door's passes fall in its month.
        let mut c = super::hallclock_command(&dir);
        c.env("HALLCLOCK_NOW", NOW).arg("--config").arg(&config);
        let (ok, text) = output_of(&mut c, &["run"]);
        assert!(ok, "{text}");
        text
    };
    let printed = door(&db, true);
    assert!(!old.exists(), "the September frame is purged\n{printed}");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(evidence_dir(&db))
        .expect("the evidence folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    let day = |t: &str| -> Timestamp { t.parse().expect("an instant") };
    let lines = Store::open(&db)
        .expect("the database")
        .spoof_lines(day("2026-11-17T00:00:00Z"), day("2026-11-19T00:00:00Z"))
        .expect("spoof lines");
    assert!(!lines.is_empty(), "the attack is refused\n{printed}");
    assert_eq!(
        files.len(),
        lines.len(),
        "one frame per refused attempt: {files:?} {lines:?}"
    );
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&evidence_dir(&db)), 0o700);
    let frame = hallclock::hw::read_photo(
        &std::fs::read_dir(set.join("attack/replay/single_face_00"))
            .expect("the clip")
            .next()
            .expect("a frame")
            .expect("an entry")
            .path(),
    )
    .expect("a frame decodes");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{f:?}");
        let jpeg = hallclock::hw::read_photo(f).expect("a JPEG");
        assert!(
            jpeg.width() < frame.width() && jpeg.height() < frame.height(),
            "the face region, not the whole frame: {}x{} of {}x{}",
            jpeg.width(),
            jpeg.height(),
            frame.width(),
            frame.height()
        );
    }
    let file = lines[0]
        .evidence
        .clone()
        .expect("the attempt names its frame");
    let link = format!("href=\"/spoofs/evidence/{file}\"");
    let admin = sign_in(&s, "admin", PASSWORD)
        .await
        .expect("the admin signs in");
    let (status, body) = get(&s, Some(&admin), "/spoofs?month=2026-11").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_has(&body, &[&link, "现场截图"]);
    let r =
        super::console::get_response(&s, Some(&admin), &format!("/spoofs/evidence/{file}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    let bytes = r.bytes().await.expect("the frame");
    assert_eq!(bytes.get(..2), Some(&[0xff, 0xd8][..]), "a JPEG");
    let (status, _) = get(&s, Some(&admin), "/spoofs/evidence/..%2Fhallclock.db").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let supervisor = sign_in(&s, "super1", PASSWORD)
        .await
        .expect("the supervisor signs in");
    let (_, body) = get(&s, Some(&supervisor), "/spoofs?month=2026-11").await;
    assert!(!body.contains("/spoofs/evidence/"), "admins only: {body}");
    let (status, _) = get(&s, Some(&supervisor), &format!("/spoofs/evidence/{file}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let printed = door(&off_db, false);
    assert!(printed.contains("refused 0001"), "{printed}");
    assert!(
        !evidence_dir(&off_db).exists(),
        "keep-evidence off: nothing written"
    );
}

/// Writes the door's config for a run on the clip `clip` into `config`: database `db`, votes of
/// 3 in 5, 15 frames a second, no clock check, and `liveness`, the `[liveness]` section's lines.
fn write_door_config(
    config: &std::path::Path,
    db: &std::path::Path,
    clip: &std::path::Path,
    liveness: &str,
) {
    std::fs::write(
        config,
        format!(
            "[store]\ndatabase = {db:?}\n[vision]\nvote-k = 3\nvote-n = 5\n\
             [camera]\nsource = {clip:?}\npace-fps = 15\n[daemon]\nclock-check = \"off\"\n\
             [liveness]\n{liveness}"
        ),
    )
    .expect("config");
}

/// Enrols 0001 张三 from the live still that `make_attacks` wrote into `set`, through `c` (the
/// real binary, its database chosen); it must succeed.
fn enrol_zhang_san(c: &mut std::process::Command, set: &std::path::Path) {
    c.args(["enroll", "--id", "0001", "--name", "张三"])
        .arg(set.join("live/single_face_still00.jpg"));
    super::output_ok(c, "enroll runs");
}

/// Runs `c` with `args`: whether it succeeded, and what it printed (stdout, then stderr).
fn output_of(c: &mut std::process::Command, args: &[&str]) -> (bool, String) {
    let out = c.args(args).output().expect("hallclock runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
