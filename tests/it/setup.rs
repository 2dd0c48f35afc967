//! Issue 12, item 6: no silent traps for the admin setting a hall up, through the real binary
//! and a real SQLite file: the system-wide config is read without `--config` (a test points
//! `HALLCLOCK_SYSTEM_CONFIG` at its own), a database about to be created is named first,
//! `hallclock setup` takes a mid-year hall from nothing to judged-from-today, and `doctor` warns
//! when the next 30 days have no holiday calendar.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use super::assert_has;
use crate::{first_judged_days, hallclock_command};

fn run_with(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut c = hallclock_command(dir);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("hallclock starts");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("hallclock ends")
}

fn texts(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn issue12_the_system_config_is_read_and_a_new_database_is_named() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    // Without any config: the defaults, and the database about to be created is named.
    let o = run_with(
        d,
        &["staff", "add", "--id", "0001", "--name", "王芳"],
        "",
        &[],
    );
    let (_, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    let default_db = d.join("hallclock.db");
    assert_has(&err, &["未找到配置文件", &default_db.display().to_string()]);
    assert!(default_db.exists());
    // The second time, the database exists: nothing to say.
    let o = run_with(d, &["staff", "list"], "", &[]);
    assert!(texts(&o).1.is_empty(), "{:?}", texts(&o));

    // A system-wide config, read without --config.
    let system = d.join("etc-hallclock.toml");
    std::fs::write(&system, "[store]\ndatabase = \"hall.db\"\n").expect("a config");
    let env = [("HALLCLOCK_SYSTEM_CONFIG", system.to_str().unwrap())];
    let o = run_with(
        d,
        &["staff", "add", "--id", "0002", "--name", "李强"],
        "",
        &env,
    );
    let (_, err) = texts(&o);
    assert!(o.status.success(), "{err}");
    assert_has(
        &err,
        &[
            &d.join("hall.db").display().to_string(),
            &system.display().to_string(),
        ],
    );
    let o = run_with(d, &["staff", "list"], "", &env);
    let (out, _) = texts(&o);
    assert!(out.contains("0002") && !out.contains("0001"), "{out}");
}

/// A hall installed in November: setup writes the hall's name into the config, imports the
/// staff and the holidays, sets the posts, gives everyone without a first judged day today's
/// date, and adds the first admin. November 2 is before anybody's first day: nobody is absent.
#[test]
fn issue12_setup_for_a_mid_year_installation() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    let config = d.join("hallclock.toml");
    std::fs::write(&config, "[store]\ndatabase = \"hall.db\"\n").expect("a config");
    std::fs::write(
        d.join("人员.csv"),
        "工号,姓名,窗口,派驻单位,考勤起始日期\n0001,王芳,W01,县人社局,\n0002,李强,W01,县医保局,\n0003,张伟,W02,县公安局,2026-11-20\n",
    )
    .expect("a staff list");
    std::fs::write(d.join("holidays.txt"), "2026-10-01 holiday 国庆节\n").expect("holidays");
    let now = [("HALLCLOCK_NOW", "2026-11-18T09:00:00+08:00")];
    let args = [
        "--config",
        config.to_str().unwrap(),
        "setup",
        "--hall-name",
        "某某县政务服务中心",
        "--staff",
        "人员.csv",
        "--post",
        "W01=0001/0002",
        "--holidays",
        "holidays.txt",
        "--active-from",
        "2026-11-18",
        "--admin",
        "admin",
    ];
    let o = run_with(d, &args, "a-long-enough-password\n", &now);
    let (out, err) = texts(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("2 person(s) judged from 2026-11-18"), "{out}");
    assert!(out.contains("设置完成 setup done"), "{out}");

    let text = std::fs::read_to_string(&config).expect("the config");
    assert!(
        text.ends_with("[hall]\nname = \"某某县政务服务中心\"\n"),
        "{text}"
    );
    let c = ["--config", config.to_str().unwrap()];
    let o = run_with(d, &[c[0], c[1], "post", "list"], "", &now);
    assert!(texts(&o).0.contains("W01"), "{:?}", texts(&o));
    let o = run_with(d, &[c[0], c[1], "user", "list"], "", &now);
    assert!(texts(&o).0.contains("admin"), "{:?}", texts(&o));

    let from = first_judged_days(&d.join("hall.db"));
    assert_eq!(
        from,
        [
            ("0001".to_string(), "2026-11-18".to_string()),
            ("0002".to_string(), "2026-11-18".to_string()),
            ("0003".to_string(), "2026-11-20".to_string()),
        ],
        "a date in the file wins; everyone else from the installation day"
    );
    let o = run_with(
        d,
        &[
            c[0],
            c[1],
            "report",
            "day",
            "--date",
            "2026-11-02",
            "--format",
            "json",
        ],
        "",
        &now,
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    for id in ["0001", "0002", "0003"] {
        let absence = &json["staff"][id]["absence_days"];
        assert!(
            absence.as_f64() == Some(0.0),
            "{id} is not judged before the installation: {}",
            json["staff"][id]
        );
    }

    // Setup again with nothing to say: it says what is still missing, and does not write the
    // hall's name twice.
    let o = run_with(
        d,
        &[c[0], c[1], "setup", "--hall-name", "别的名字"],
        "",
        &now,
    );
    let (out, _) = texts(&o);
    assert!(o.status.success());
    assert!(out.contains("has a [hall] section already"), "{out}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// On 15 December with only 2026's holidays on record, the next 30 days reach into 2027 (元旦):
/// doctor warns and says which file to import.
#[test]
fn issue12_doctor_warns_without_next_months_holidays() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    std::fs::write(d.join("holidays.txt"), "2026-10-01 holiday 国庆节\n").expect("holidays");
    let dec = [("HALLCLOCK_NOW", "2026-12-15T09:00:00+08:00")];
    let o = run_with(d, &["calendar", "import", "holidays.txt"], "", &dec);
    assert!(o.status.success(), "{:?}", texts(&o));
    let o = run_with(d, &["doctor", "--no-camera"], "", &dec);
    let (out, _) = texts(&o);
    assert_has(
        &out,
        &[
            "WARN  holiday calendar: no holiday calendar for 2027 (the next 30 days, to 2027-01-14)",
            "holidays-2027.txt",
        ],
    );
    let nov = [("HALLCLOCK_NOW", "2026-11-18T09:00:00+08:00")];
    let o = run_with(d, &["doctor", "--no-camera"], "", &nov);
    let (out, _) = texts(&o);
    assert!(
        out.contains("OK    holiday calendar: holidays on record up to 2026-12-18"),
        "{out}"
    );
}
