//! Issue 12, item 10: the command line as the hall office meets it, through the real binary and a
//! real SQLite file: tables aligned for Chinese names, a closed pipe is no panic, the same
//! half-day and approval-level words in and out, unknown ids fail, a config with several bad keys
//! names every one, and the CLI's changes are in the audit log. (That every option has help text
//! is a unit test beside the commands: `cli::tests::issue12_every_option_has_help`.)

use std::process::Stdio;

use hallclock::admin::export::display_width;
use hallclock::store::Store;

use super::assert_has;
use crate::{hallclock_command, hallclock_ok, run_hallclock};

/// A temporary hall with three people, one with a Latin name.
fn hall() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (id, name) in [("0001", "王芳"), ("0002", "Li Qiang"), ("0003", "欧阳娜娜")] {
        hallclock_ok(dir.path(), &["staff", "add", "--id", id, "--name", name]);
    }
    dir
}

/// Where each column of a table line starts, in terminal columns (CJK counts twice).
fn column_starts(line: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut width, mut spaces) = (0, 0);
    for c in line.chars() {
        if c == ' ' {
            spaces += 1;
        } else {
            // A column starts after two spaces or more (a single space sits inside a cell).
            if starts.is_empty() || spaces >= 2 {
                starts.push(width);
            }
            spaces = 0;
        }
        width += display_width(c.encode_utf8(&mut [0; 4]));
    }
    starts
}

#[test]
fn issue12_tables_are_aligned_for_chinese_names() {
    let dir = hall();
    let d = dir.path();
    let out = hallclock_ok(d, &["staff", "list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    let header = column_starts(lines[0]);
    assert_eq!(header.len(), 6, "{out}");
    for line in &lines[1..] {
        let starts = column_starts(line);
        assert_eq!(
            starts, header,
            "every row's columns start where the header's do:\n{out}"
        );
    }
}

/// `hallclock report year | head` with the reader gone before we write: no panic, no exit 101.
#[test]
fn issue12_a_closed_pipe_is_no_panic() {
    let dir = hall();
    let d = dir.path();
    for args in [
        &["report", "year", "--year", "2026"][..],
        &["staff", "list"][..],
    ] {
        let mut child = hallclock_command(d)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hallclock starts");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("hallclock ends");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(o.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn issue12_unknown_ids_exit_non_zero() {
    let dir = hall();
    let d = dir.path();
    for args in [
        &["punch", "list", "--staff", "9999"][..],
        &["leave", "list", "--staff", "9999"][..],
        &["report", "day", "--date", "2026-11-02", "--staff", "9999"][..],
        &["active-from", "--staff", "9999", "--date", "2026-11-01"][..],
        &["staff", "remove", "--id", "9999"][..],
        &["leave", "close", "--id", "42"][..],
        &["user", "passwd", "--name", "nobody9999"][..],
    ] {
        let o = run_hallclock(d, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("9999") || err.contains("42"),
            "{args:?} names the id: {err}"
        );
    }
}

#[test]
fn issue12_half_day_and_level_words_are_the_same_in_and_out() {
    let dir = hall();
    let d = dir.path();
    let out = hallclock_ok(
        d,
        &[
            "leave",
            "add",
            "--staff",
            "0001",
            "--kind",
            "事假",
            "--from",
            "2026-11-03pm",
            "--to",
            "2026-11-04 上午",
            "--cover",
            "0002",
        ],
    );
    assert!(out.contains("2026-11-03 下午 至 2026-11-04 上午"), "{out}");
    hallclock_ok(
        d,
        &[
            "leave",
            "approve",
            "--id",
            "1",
            "--level",
            "分管领导",
            "--by",
            "主任",
        ],
    );
    let list = hallclock_ok(d, &["leave", "list"]);
    assert_has(&list, &["2026-11-03 下午", "2026-11-04 上午"]);
    assert_has(&list, &["事假", "分管领导"]);
    // What `leave list` prints is what `--from` reads.
    let out = hallclock_ok(
        d,
        &[
            "leave",
            "add",
            "--staff",
            "0003",
            "--kind",
            "sick",
            "--from",
            "2026-11-05 下午",
            "--cover",
            "0002",
        ],
    );
    assert!(out.contains("2026-11-05 下午 至 2026-11-05 下午"), "{out}");
}

#[test]
fn issue12_a_config_with_several_bad_keys_names_them_all() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    std::fs::write(
        d.join("bad.toml"),
        "[vision]\nthreshhold = 0.5\ndetector-width = 333\n[rules]\nzome = \"Asia/Shanghai\"\n\
         late-grace-mins = \"five\"\n[camra]\nsource = \"0\"\n",
    )
    .expect("a temp file");
    let o = run_hallclock(d, &["--config", "bad.toml", "staff", "list"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(78), "{err}");
    for want in [
        "has 5 problem(s)",
        "vision.threshhold (line 2): unknown field `threshhold`",
        "rules.zome (line 5): unknown field `zome`",
        "rules.late-grace-mins (line 6): invalid type: string \"five\"",
        "camra (line 7): unknown field `camra`",
        "vision.detector-width = 333: expected a multiple of 32",
    ] {
        assert!(err.contains(want), "{want:?} in {err}");
    }
}

#[test]
fn issue12_cli_changes_are_in_the_audit_log() {
    let dir = hall();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), "工号,考勤时间\n0001,2026/11/02 07:52\n").expect("a file");
    hallclock_ok(d, &["punch", "import", "p.csv"]);
    hallclock_ok(
        d,
        &["post", "set", "--post", "W01", "--a", "0001", "--b", "0002"],
    );
    hallclock_ok(
        d,
        &["active-from", "--staff", "0003", "--date", "2026-11-10"],
    );
    hallclock_ok(d, &["staff", "remove", "--id", "0003"]);
    let store = Store::open(&d.join("hallclock.db")).expect("the database");
    let log = store.audit_log(100).expect("the audit log");
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    for want in [
        "staff-add",
        "punch-import",
        "post-set",
        "active-from",
        "staff-remove",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    assert!(log.iter().all(|r| r.actor.starts_with("cli")), "{log:?}");
    let post = log
        .iter()
        .find(|r| r.action == "post-set")
        .expect("post-set");
    assert!(post.detail.contains("W01"), "{post:?}");
}
