//! Issue 12, item 8: bulk and foreign files through the real binary and a real SQLite file. The
//! dirty files are generated here: GBK bytes, Chinese headers, slashed dates, a ZKTeco ATTLOG with
//! CRLF line ends, a block of NUL bytes and records dated 1971, device user ids mapped to staff
//! ids; a staff list as CSV and as .xlsx; a month report as CSV for Chinese Excel.

use std::path::{Path, PathBuf};

use hallclock::store::Store;

use super::assert_has;
use crate::{first_judged_days, hallclock_ok, run_hallclock};

/// Runs the binary in `dir`: (succeeded, stdout, stderr).
fn bin(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let o = run_hallclock(dir, args);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a temp file");
    path
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is GBK");
    bytes.into_owned()
}

fn punches(dir: &Path) -> usize {
    Store::open(&dir.join("hallclock.db"))
        .expect("the database")
        .punch_count()
        .expect("a count")
}

/// A staff list in GBK with Chinese headers and an .xlsx with numeric ids and a date cell; the
/// department lands in the store and shows in `staff list`.
#[test]
fn issue12_staff_import_csv_gbk_and_xlsx() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    let csv = put(
        d,
        "人员.csv",
        &gbk("工号,姓名,窗口,派驻单位,考勤起始日期\r\n1,王芳,W01,县人社局,2026/7/1\r\n0002,李强,,县医保局,\r\n"),
    );
    let out = hallclock_ok(
        d,
        &["staff", "import", csv.to_str().unwrap(), "--pad-ids", "4"],
    );
    assert!(out.contains("2 added, 0 updated"), "{out}");
    let list = hallclock_ok(d, &["staff", "list"]);
    for want in [
        "0001",
        "王芳",
        "W01",
        "县人社局",
        "0002",
        "李强",
        "县医保局",
    ] {
        assert!(list.contains(want), "{want} in {list}");
    }

    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (col, head) in ["工号", "姓名", "派驻单位", "考勤起始日期"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, col as u16, *head).unwrap();
    }
    ws.write_number(1, 0, 3.0).unwrap();
    ws.write_string(1, 1, "张伟").unwrap();
    ws.write_string(1, 2, "县公安局").unwrap();
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 9, 15).unwrap();
    ws.write_datetime_with_format(1, 3, &day, &date_format)
        .unwrap();
    ws.write_string(2, 0, "0002").unwrap();
    ws.write_string(2, 1, "李强").unwrap();
    let xlsx = d.join("staff.xlsx");
    book.save(&xlsx).unwrap();
    let out = hallclock_ok(
        d,
        &["staff", "import", xlsx.to_str().unwrap(), "--pad-ids", "4"],
    );
    assert!(out.contains("1 added, 1 updated"), "{out}");
    let list = hallclock_ok(d, &["staff", "list"]);
    assert_has(&list, &["0003", "县公安局"]);
    assert!(
        list.contains("县医保局"),
        "an empty cell keeps the department: {list}"
    );

    // The first judged days reached the store.
    let from = first_judged_days(&d.join("hallclock.db"));
    assert!(
        from.contains(&("0001".into(), "2026-07-01".into())),
        "{from:?}"
    );
    assert!(
        from.contains(&("0003".into(), "2026-09-15".into())),
        "{from:?}"
    );

    // A bad date refuses the whole file, naming the line.
    let bad = put(
        d,
        "bad.csv",
        "staff_id,name,active_from\n0005,赵六,2026-07-01\n0006,钱七,2026-13-01\n".as_bytes(),
    );
    let (ok, _, err) = bin(d, &["staff", "import", bad.to_str().unwrap()]);
    assert!(!ok);
    assert_has(&err, &["nothing imported", "line 3", "2026-13-01"]);
    assert!(!hallclock_ok(d, &["staff", "list"]).contains("0005"));
}

/// A punch CSV in GBK, as a ZKTime export writes it: 工号, 姓名, 考勤时间 with slashed dates.
#[test]
fn issue12_punch_csv_in_gbk_with_chinese_headers() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    for (id, name) in [("0001", "王芳"), ("0002", "李强")] {
        hallclock_ok(d, &["staff", "add", "--id", id, "--name", name]);
    }
    let file = put(
        d,
        "考勤.csv",
        &gbk("工号,姓名,考勤时间\r\n0001,王芳,2026/11/02 07:52\r\n0002,李强,2026/11/2 8:01:30\r\n"),
    );
    let out = hallclock_ok(d, &["punch", "import", file.to_str().unwrap()]);
    assert_has(&out, &["(GBK)", "2 punch(es) added"]);
    let list = hallclock_ok(d, &["punch", "list", "--date", "2026-11-02"]);
    assert_has(&list, &["2026-11-02 07:52:00", "2026-11-02 08:01:30"]);
}

/// A dirty ZKTeco download: CRLF, user ids 1 and 2 mapped to 0001 and 0002 by a file, a block of
/// 600 000 NUL bytes, two records dated 1971. All or nothing by default, with a short error;
/// `--skip-invalid` imports the good lines and writes the bad ones beside the file.
#[test]
fn issue12_dirty_attlog_with_mapping_and_skip_invalid() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    for id in ["0001", "0002"] {
        hallclock_ok(d, &["staff", "add", "--id", id, "--name", id]);
    }
    let map = put(d, "map.csv", "考勤号码,工号\n1,0001\n2,0002\n".as_bytes());
    let mut attlog = Vec::new();
    attlog.extend_from_slice(b"     1\t2026-11-02 07:52:11\t1\t15\t0\t0\r\n");
    attlog.extend_from_slice(b"     2\t2026-11-02 07:58:40\t1\t15\t0\t0\r\n");
    attlog.extend(std::iter::repeat_n(0u8, 600_000));
    attlog.extend_from_slice(b"\r\n     1\t1971-01-01 08:00:00\t1\t15\t0\t0\r\n");
    attlog.extend_from_slice(b"     2\t1971-01-01 08:00:05\t1\t15\t0\t0\r\n");
    attlog.extend_from_slice(b"     1\t2026-11-02 17:31:02\t1\t15\t0\t0\r\n");
    let file = put(d, "1_attlog.dat", &attlog);
    let args = |more: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = ["punch", "import", "--format", "zkteco", "--id-map"]
            .map(String::from)
            .to_vec();
        v.push(map.display().to_string());
        v.push(file.display().to_string());
        v.extend(more.iter().map(|s| s.to_string()));
        v
    };
    let all = args(&[]);
    let (ok, _, err) = bin(d, &all.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok, "the default is all or nothing");
    assert!(
        err.len() < 1_000,
        "a short error, not the NUL block: {} bytes",
        err.len()
    );
    assert_has(
        &err,
        &[
            "nothing imported",
            "line 3 (\"\\0×600000\")",
            "600000 NUL byte(s)",
            "and 2 more bad line(s)",
            "--skip-invalid",
        ],
    );
    assert_eq!(punches(d), 0, "nothing was written");
    let rejected = d.join("1_attlog.dat.rejected.csv");
    assert!(!rejected.exists());

    let skip = args(&["--skip-invalid"]);
    let out = hallclock_ok(d, &skip.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains("3 punch(es) added"), "{out}");
    assert!(out.contains("skipped 3 invalid line(s)"), "{out}");
    assert_eq!(punches(d), 3);
    let list = hallclock_ok(d, &["punch", "list", "--date", "2026-11-02"]);
    assert!(
        list.contains("0001") && list.contains("0002"),
        "ids mapped: {list}"
    );

    let text = std::fs::read_to_string(&rejected).expect("the rejected lines beside the file");
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "header and three lines: {text}");
    assert!(
        lines[1].starts_with("\"3\",") && lines[1].contains("NUL"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("\"4\",") && lines[2].contains("before 2000"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("\"5\",") && lines[3].contains("1971-01-01 08:00:05"),
        "{text}"
    );
    assert!(text.len() < 2_000, "excerpts only: {} bytes", text.len());

    // The same file again: the good punches are already on record, nothing doubles.
    let out = hallclock_ok(d, &skip.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        out.contains("0 punch(es) added, 3 already on record"),
        "{out}"
    );
    assert_eq!(punches(d), 3);
}

/// `--out x.csv` picks CSV from the name; the file starts with a byte-order mark and keeps
/// `0001` as text for Excel and LibreOffice; a clash between --format and the name is refused.
#[test]
fn issue12_csv_export_for_chinese_excel() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let d = dir.path();
    hallclock_ok(d, &["staff", "add", "--id", "0001", "--name", "王芳"]);
    let as_of = ["--as-of", "2026-12-01T09:00:00+08:00"];
    let mut args = vec!["report", "month", "--month", "2026-11", "--out", "11月.csv"];
    args.extend(as_of);
    hallclock_ok(d, &args);
    let csv = std::fs::read_to_string(d.join("11月.csv")).expect("the CSV");
    assert!(csv.starts_with("\u{feff}工号/staff_id,姓名/name,"), "{csv}");
    assert!(csv.contains("\n\"=\"\"0001\"\"\",王芳,"), "{csv}");

    let mut clash = vec!["report", "month", "--month", "2026-11", "--format", "json"];
    clash.extend(["--out", "x.csv"]);
    let (ok, _, err) = bin(d, &clash);
    assert!(
        !ok && err.contains("--format json but --out names a .csv file"),
        "{err}"
    );
    assert!(!d.join("x.csv").exists());
}
