//! The inspection office's commands: `calendar import`, `record add | void | list` and
//! `month sheet | close | person | year`. Chinese tables on stdout (`--format csv | json | xlsx`
//! for files and programs); what happened, in a line, on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use hallclock_core::assessment::{ItemCode, ItemRecord, Month, RecordId};
use hallclock_core::ids::StaffId;
use jiff::civil::Date;
use jiff::Timestamp;

use crate::month;
use crate::render;
use crate::store::{AuditEntry, Store};

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Keeps a holiday file (the door's format: `hallclock calendar import`) for every hall;
    /// a file imported again under the same name replaces the earlier one.
    Import {
        /// The holiday file, e.g. firmware-config/holidays-2026.txt.
        file: PathBuf,
        /// The name it is kept under (default: the file's name).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Records an item of the monthly assessment against a person (central-scoring.md section 2).
    Add {
        #[arg(long)]
        hall: String,
        /// The person's staff id.
        #[arg(long)]
        staff: String,
        /// C1-C5 (conduct), A9 (串岗), H1-H3 (cases), D1, D2 (discipline).
        #[arg(long)]
        item: String,
        /// The day it happened, YYYY-MM-DD.
        #[arg(long)]
        day: Date,
        /// How many times (cases for H1 and H2).
        #[arg(long, default_value_t = 1)]
        times: u32,
        /// What was seen; a complaint's number.
        #[arg(long, default_value = "")]
        note: String,
        /// C3 only: filmed and posted online, or dealt with by the discipline commission (the
        /// month's fund is withheld).
        #[arg(long)]
        withhold: bool,
        /// Who records it.
        #[arg(long)]
        by: String,
    },
    /// Voids a record with a reason (records are never edited or deleted).
    Void {
        #[arg(long)]
        hall: String,
        /// The record's number, as `record add` and `record list` show it.
        #[arg(long)]
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: String,
    },
    /// Lists a hall's records of a month, voided ones marked.
    List {
        #[arg(long)]
        hall: String,
        /// YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
    },
}

/// How a sheet is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for the terminal.
    Table,
    /// CSV for Chinese Excel (byte-order mark, ids kept as text).
    Csv,
    Json,
    /// A workbook, one worksheet per hall (needs --out).
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum MonthCommand {
    /// The month sheet: per person the four parts, score, fund, withheld, and the adjustment
    /// lines; every hall unless --hall is given.
    Sheet {
        /// YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// A hall (repeat for several; none: every hall).
        #[arg(long)]
        hall: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to this file instead of stdout (the format from its name when --format is not
        /// given: .csv, .json, .xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Closes a month: its sheet is frozen, later changes go on the next open sheet.
    Close {
        #[arg(long)]
        hall: String,
        /// YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// Who closes it.
        #[arg(long)]
        by: String,
    },
    /// One person's month: the line, every record, every punch with its door.
    Person {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        staff: String,
        /// YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The year's award eligibility (评先评优): deductions of the year, D1 of the person or
    /// their window.
    Year {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        year: i16,
        /// Only this person.
        #[arg(long)]
        staff: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// `YYYY-MM`.
pub(super) fn parse_month(text: &str) -> Result<Month, String> {
    let bad = || format!("{text:?} is not a month; expected YYYY-MM, e.g. 2026-05");
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    let y: i16 = y.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Month::new(y, m).map_err(|e| e.to_string())
}

pub async fn calendar(store: &Store, command: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::Import { file, name } = command;
    let body =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    // The door's parser refuses the whole file on a typo, naming the line: check before keeping.
    hallclock_core::calendar::Calendar::hall_defaults()
        .add_holiday_file(&body)
        .with_context(|| format!("{} is not a holiday file", file.display()))?;
    let name = match name {
        Some(n) => n,
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the holiday file has no name; give --name")?,
    };
    store
        .put_holiday_file(&name, &body)
        .await
        .context("calendar import")?;
    eprintln!("Kept holiday file {name} for every hall.");
    Ok(())
}

pub async fn record(
    store: &mut Store,
    command: RecordCommand,
    now: Timestamp,
) -> anyhow::Result<()> {
    match command {
        RecordCommand::Add {
            hall,
            staff,
            item,
            day,
            times,
            note,
            withhold,
            by,
        } => {
            let record = ItemRecord {
                id: RecordId(0),
                staff: StaffId::new(&staff).context("record add")?,
                item: ItemCode::parse(&item).context("record add")?,
                day,
                times,
                withhold_month: withhold,
                note,
                author: by,
                recorded_at: now,
            };
            record.validate().context("record add")?;
            let line = AuditEntry {
                at: now,
                actor: record.author.clone(),
                client: "cli".into(),
                action: "record-add".into(),
                detail: format!(
                    "{hall} {} ×{} {} on {}",
                    record.item, record.times, record.staff, record.day
                ),
            };
            let id = store
                .add_record_audited(&hall, &record, &line)
                .await
                .context("record add")?;
            println!("{}", id.0);
            eprintln!(
                "Recorded #{} {} ×{} against {} on {}.",
                id.0, record.item, record.times, record.staff, record.day
            );
        }
        RecordCommand::Void {
            hall,
            id,
            reason,
            by,
        } => {
            if reason.trim().is_empty() {
                bail!("record void: give the reason with --reason");
            }
            let line = AuditEntry {
                at: now,
                actor: by.clone(),
                client: "cli".into(),
                action: "record-void".into(),
                detail: format!("{hall} record #{id}: {reason}"),
            };
            store
                .void_record_audited(&hall, RecordId(id), &reason, &line)
                .await
                .context("record void")?;
            eprintln!("Voided record #{id}.");
        }
        RecordCommand::List { hall, month } => {
            let (first, last) = crate::sheet::days_of(month)?;
            let lines = store
                .records(&hall, first, last)
                .await
                .context("record list")?;
            let mut rows = vec![[
                "编号",
                "日期",
                "工号",
                "项目",
                "次数",
                "说明",
                "记录人",
                "状态",
            ]
            .map(String::from)
            .to_vec()];
            for l in lines {
                let r = l.record;
                rows.push(vec![
                    r.id.0.to_string(),
                    r.day.to_string(),
                    r.staff.to_string(),
                    format!("{}{}", r.item, if r.withhold_month { "(扣发)" } else { "" }),
                    r.times.to_string(),
                    r.note,
                    r.author,
                    l.voided.map_or_else(
                        || "有效".to_string(),
                        |(why, by)| format!("已作废: {why} ({by})"),
                    ),
                ]);
            }
            print!("{}", hallclock_report::text_table(&rows, 8));
        }
    }
    Ok(())
}

fn format_of(format: Format, out: Option<&Path>) -> Format {
    let by_name = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (format, by_name.as_deref()) {
        (Format::Table, Some("csv")) => Format::Csv,
        (Format::Table, Some("json")) => Format::Json,
        (Format::Table, Some("xlsx")) => Format::Xlsx,
        (f, _) => f,
    }
}

fn emit(bytes: &[u8], out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote {}.", path.display());
        }
        None => {
            let mut o = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error.
            if let Err(e) = o.write_all(bytes).and_then(|()| o.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("writing to stdout");
                }
            }
        }
    }
    Ok(())
}

fn json_bytes(v: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
    let mut b = serde_json::to_vec_pretty(v).context("writing JSON")?;
    b.push(b'\n');
    Ok(b)
}

pub async fn month(store: &mut Store, command: MonthCommand, now: Timestamp) -> anyhow::Result<()> {
    match command {
        MonthCommand::Sheet {
            month,
            hall,
            format,
            out,
        } => {
            let halls = if hall.is_empty() {
                store.hall_ids().await.context("month sheet")?
            } else {
                hall
            };
            let mut sheets = Vec::new();
            for h in &halls {
                sheets.push(
                    month::sheet(store, h, month, now)
                        .await
                        .with_context(|| format!("month sheet of hall {h}"))?,
                );
            }
            let bytes = match format_of(format, out.as_deref()) {
                Format::Table => render::sheets_text(&sheets).into_bytes(),
                Format::Csv => render::sheets_csv(&sheets)?.into_bytes(),
                Format::Json => json_bytes(&serde_json::Value::Array(
                    sheets.iter().map(render::sheet_json).collect(),
                ))?,
                Format::Xlsx => {
                    if out.is_none() {
                        bail!("month sheet --format xlsx writes a workbook: give --out FILE.xlsx");
                    }
                    render::sheets_xlsx(&sheets)?
                }
            };
            emit(&bytes, out.as_deref())?;
        }
        MonthCommand::Close { hall, month, by } => {
            let audit = AuditEntry {
                at: now,
                actor: by.clone(),
                client: "cli".into(),
                action: "month-close".into(),
                detail: format!("{hall} {month}"),
            };
            let sheet = month::close(store, &hall, month, &by, now, Some(&audit))
                .await
                .context("month close")?;
            let due: i64 = sheet.rows.iter().map(|r| r.due.0).sum();
            eprintln!(
                "Closed {month} of hall {hall}: {} people, {} yuan due, {} adjustment lines.",
                sheet.rows.len(),
                hallclock_core::assessment::Fen(due),
                sheet.adjustments.len()
            );
        }
        MonthCommand::Person {
            hall,
            staff,
            month,
            format,
        } => {
            let staff = StaffId::new(&staff).context("month person")?;
            let p = month::person(store, &hall, &staff, month, now)
                .await
                .context("month person")?;
            let bytes = match format {
                Format::Json => json_bytes(&render::person_json(&p))?,
                _ => render::person_text(&p).into_bytes(),
            };
            emit(&bytes, None)?;
        }
        MonthCommand::Year {
            hall,
            year,
            staff,
            format,
        } => {
            let staff = staff
                .map(|s| StaffId::new(&s))
                .transpose()
                .context("month year")?;
            let lines = month::year(store, &hall, year, now, staff.as_ref())
                .await
                .context("month year")?;
            let bytes = match format {
                Format::Json => json_bytes(&render::year_json(&hall, year, &lines))?,
                _ => render::year_text(&hall, year, &lines).into_bytes(),
            };
            emit(&bytes, None)?;
        }
    }
    Ok(())
}
