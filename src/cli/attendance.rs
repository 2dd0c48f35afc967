//! `hallclock report|leave|post|calendar|duty|meeting|punch|active-from`: the supervisor's
//! attendance commands. Each one reads its file or flags, calls the operations it shares with the
//! console (`app::attendance`) or the pure parsers in `admin::import` and `store` for what only
//! the command line does, and prints or renders with `admin::export`.
//!
//! This is wiring only: no SQL, no attendance rule, no format lives here. It never loads the face
//! models. Flags for dates, half days and leave kinds are parsed here, at the edge, and errors
//! name the flag at fault.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::admin::export::{
    half_day_zh, render_csv, render_json, render_table, rows_csv, text_table, write_xlsx,
};
use crate::admin::import::{
    decode_text, parse_csv_time, parse_date, parse_id_map, read_punch_csv, read_zkteco,
    reject_unknown_staff, rejected_csv, IdMapping, PunchContext,
};
use crate::admin::report::{kind_zh, ReportKind};
use crate::admin::sheet::{daily_rows, grid_rows};
use crate::admin::web::ReportSpan;
use crate::app::attendance::{
    amendment_detail, approve_leave_checked, import_calendar_text, import_duty_text, level_key,
    level_zh, local, record_leave, record_meeting_text, report_for, set_post_checked, span_parts,
    MeetingText,
};
use crate::app::setup::open_store;
use crate::app::sheet::sheet_for;
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::core::leave::{ApprovalLevel, HalfDay, LeaveId, LeaveKind};
use crate::core::rules::{Amendment, Correction, Period};
use crate::core::schedule::{ScheduleConfig, Session};
use crate::store::{Audit, NewLeave, PunchImportFormat, Store};

// ---------------------------------------------------------------------------------------------
// Arguments

/// `hallclock report day|month|year`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// One day (default: today).
    Day {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        opts: ReportOpts,
    },
    /// One month (default: this month).
    Month {
        /// The month, YYYY-MM (e.g. 2026-11).
        #[arg(long)]
        month: Option<String>,
        #[command(flatten)]
        opts: ReportOpts,
    },
    /// The month's sign-in sheet (签到表): people × days, each day's clock-in and clock-out
    /// times, as a table or CSV (default: this month).
    Sheet {
        /// The month, YYYY-MM (e.g. 2026-11).
        #[arg(long)]
        month: Option<String>,
        #[command(flatten)]
        opts: ReportOpts,
    },
    /// One year, month by month up to today (default: this year).
    Year {
        /// The year, e.g. 2026.
        #[arg(long)]
        year: Option<i16>,
        #[command(flatten)]
        opts: ReportOpts,
    },
}

#[derive(Debug, Args)]
pub struct ReportOpts {
    /// Only these people (repeat, or separate with commas); the hall totals cover everyone.
    #[arg(long, value_delimiter = ',')]
    staff: Vec<String>,
    /// Only the people of this department (派驻单位), e.g. 税务局; with --staff, those of them
    /// in it.
    #[arg(long)]
    department: Option<String>,
    /// Output format (default: from the --out file's extension, else a table).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Output file (.xlsx, .csv, .json, .txt; the name picks the format); xlsx defaults to
    /// hallclock-<kind>-<period>.xlsx.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Judge as of this instant (RFC 3339 or hall time) instead of now.
    #[arg(long)]
    as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for the terminal (CJK aligned).
    Table,
    /// CSV for Chinese Excel (UTF-8 with a byte-order mark, ids kept as text).
    Csv,
    /// One JSON object.
    Json,
    /// An Excel workbook, one sheet per part.
    Xlsx,
}

impl ReportFormat {
    /// The format `--format` names, else the one the `--out` file's extension names, else a
    /// table.
    fn pick(given: Option<Self>, out: Option<&Path>) -> anyhow::Result<Self> {
        let ext = out
            .and_then(Path::extension)
            .map(|e| e.to_string_lossy().to_lowercase());
        let by_name = match ext.as_deref() {
            Some("csv") => Some(Self::Csv),
            Some("json") => Some(Self::Json),
            Some("xlsx") => Some(Self::Xlsx),
            Some("txt") => Some(Self::Table),
            _ => None,
        };
        match (given, by_name) {
            (Some(g), Some(n)) if g != n => bail!(
                "--format {} but --out names a .{} file; expected the two to agree (or drop --format)",
                g.to_possible_value().map_or_else(String::new, |v| v.get_name().to_string()),
                ext.unwrap_or_default()
            ),
            (Some(g), _) => Ok(g),
            (None, Some(n)) => Ok(n),
            (None, None) => Ok(Self::Table),
        }
    }
}

/// `hallclock leave add|approve|close|list`.
#[derive(Debug, Subcommand)]
pub enum LeaveCommand {
    /// Record a leave (请假). Half days: `2026-11-03` (from: morning, to: afternoon),
    /// `2026-11-03am`, `2026-11-03pm`, `2026-11-03上午`, `2026-11-03下午`.
    Add {
        /// Who takes the leave (staff id).
        #[arg(long)]
        staff: String,
        /// sick 病假, personal 事假, annual 公休, home-visit 探亲, marriage-maternity 婚产,
        /// bereavement 丧假, official-errand 临时外出公务, official-duty 公务.
        #[arg(long)]
        kind: String,
        /// First half day: YYYY-MM-DD (from the morning), or with am/上午 or pm/下午.
        #[arg(long)]
        from: String,
        /// Default: the end of the `--from` day (or the same half day if `--from` names one).
        #[arg(long)]
        to: Option<String>,
        /// The B who covers the post (顶岗). Without one the leave counts as absence (脱岗).
        #[arg(long)]
        cover: Option<String>,
        /// Why (事由), for the record.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Approve a leave at the level its length needs (or higher).
    Approve {
        /// The leave's number, as `leave list` shows it.
        #[arg(long)]
        id: u64,
        /// Who approves: inspection-office (稽查督办科), deputy-director (分管领导), director
        /// (主要领导); the Chinese names work too.
        #[arg(long, value_enum)]
        level: LevelArg,
        /// Who approved (name or staff id).
        #[arg(long)]
        by: String,
        /// For two days or more: the window unit's head who certified it in writing.
        #[arg(long)]
        certified_by: Option<String>,
    },
    /// Close a leave: the person reported back (销假).
    Close {
        /// The leave's number, as `leave list` shows it.
        #[arg(long)]
        id: u64,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// List leaves.
    List {
        /// Only this person's leaves (staff id).
        #[arg(long)]
        staff: Option<String>,
        /// YYYY-MM.
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// 稽查督办科
    #[value(alias = "稽查督办科")]
    InspectionOffice,
    /// 分管领导
    #[value(alias = "分管领导")]
    DeputyDirector,
    /// 主要领导
    #[value(alias = "主要领导")]
    Director,
}

/// `hallclock post set|list`.
#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Set a window post's A (holder) and B (backup).
    Set {
        /// The window post's id, e.g. W03.
        #[arg(long)]
        post: String,
        /// The A (holder, A角): staff id.
        #[arg(long)]
        a: String,
        /// The B (backup, B角): staff id.
        #[arg(long)]
        b: String,
    },
    /// List the posts.
    List,
}

/// `hallclock calendar import FILE`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Import a holiday file (holidays, make-up workdays 调休, summer period); it replaces the
    /// calendar of every year it mentions.
    Import {
        /// The holiday file (see firmware-config/holidays-2026.txt).
        file: PathBuf,
    },
}

/// `hallclock duty import FILE`.
#[derive(Debug, Subcommand)]
pub enum DutyCommand {
    /// Import a duty roster CSV (staff_id,date[,sessions]).
    Import {
        /// The CSV (UTF-8 or GBK; 工号, 日期, 时段 headers work too).
        file: PathBuf,
    },
}

/// `hallclock meeting record`.
#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Record a centre meeting or study session and its sign-in sheet.
    Record {
        /// The meeting's title.
        #[arg(long)]
        title: String,
        /// Start, hall time (2026-11-05 15:00) or RFC 3339.
        #[arg(long)]
        start: String,
        /// End, hall time or RFC 3339.
        #[arg(long)]
        end: String,
        /// Who must attend (default: all active staff).
        #[arg(long, value_delimiter = ',')]
        invite: Vec<String>,
        /// `0001=15:02` (time on the meeting's day) or `0001=2026-11-05 15:02`; repeat.
        #[arg(long)]
        sign_in: Vec<String>,
    },
}

/// `hallclock punch import|list|amend`.
#[derive(Debug, Subcommand)]
pub enum PunchCommand {
    /// Import punches (UTF-8 or GBK); the whole file or nothing, unless --skip-invalid.
    Import {
        /// The file: a CSV with staff id and time columns (工号, 考勤时间, ...) or an ATTLOG.
        file: PathBuf,
        /// The file's format.
        #[arg(long, value_enum, default_value_t = PunchFormat::Csv)]
        format: PunchFormat,
        /// Device name for the imported punches' sequence numbers (default: import-csv or
        /// import-zkteco).
        #[arg(long)]
        device: Option<String>,
        /// A CSV mapping the device's user ids to staff ids, one `user id,staff id` a line
        /// (e.g. `1,0001`).
        #[arg(long)]
        id_map: Option<PathBuf>,
        /// Zero-pad all-digit user ids to this many digits (`1` → `0001` with 4), after --id-map.
        #[arg(long)]
        pad_ids: Option<usize>,
        /// Import the valid lines and write the rejected ones, with line numbers and reasons, to
        /// FILE.rejected.csv beside the file.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// List punches and amendments of a day or a month.
    List {
        /// Only this person's punches (staff id).
        #[arg(long)]
        staff: Option<String>,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        /// YYYY-MM.
        #[arg(long)]
        month: Option<String>,
    },
    /// Correct the record: add a pass the door missed or void one. Never edits a punch.
    Amend {
        /// Whose record (staff id).
        #[arg(long)]
        staff: String,
        /// Add a pass at this time.
        #[arg(long, conflicts_with = "void", required_unless_present = "void")]
        add: Option<String>,
        /// Void the punch at this time (to the second, as `punch list` shows it).
        #[arg(long)]
        void: Option<String>,
        /// Why the record is corrected.
        #[arg(long)]
        reason: String,
        /// The supervisor's staff id.
        #[arg(long)]
        by: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PunchFormat {
    /// Header line with staff_id and time columns.
    Csv,
    /// ZKTeco ATTLOG text (user id, time, status, verify mode, tab-separated).
    Zkteco,
}

/// `hallclock active-from`.
#[derive(Debug, Args)]
pub struct ActiveFromArgs {
    /// The person (staff id).
    #[arg(long)]
    staff: String,
    /// The first day the person is judged (YYYY-MM-DD), e.g. enrolled mid-month.
    #[arg(long, required_unless_present = "clear")]
    date: Option<String>,
    /// Judge the person on every day again.
    #[arg(long)]
    clear: bool,
}

// ---------------------------------------------------------------------------------------------
// Reports

/// Runs `hallclock report ...`.
pub fn report(config: &Config, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let schedule = &config.rules.engine.schedule;
    let (span, opts) = match cmd {
        ReportCommand::Sheet { month, opts } => return sign_in_sheet(config, month, &opts),
        ReportCommand::Day { date, opts } => {
            let day = match date {
                Some(d) => date_arg(&d, "--date")?,
                None => schedule.to_civil(as_of(&opts, config)?).date(),
            };
            (ReportSpan::Day(day), opts)
        }
        ReportCommand::Month { month, opts } => {
            let first = match month {
                Some(m) => month_arg(&m)?,
                None => schedule
                    .to_civil(as_of(&opts, config)?)
                    .date()
                    .first_of_month(),
            };
            (ReportSpan::Month(first), opts)
        }
        ReportCommand::Year { year, opts } => {
            let year = match year {
                Some(y) => y,
                None => schedule.to_civil(as_of(&opts, config)?).date().year(),
            };
            (ReportSpan::Year(year), opts)
        }
    };
    let today = schedule.to_civil(as_of(&opts, config)?).date();
    let span = span_parts(span, today)?;
    let (kind, label) = (span.kind, span.label.clone());
    let now = as_of(&opts, config)?;
    let store = open_store(config)?;
    let only = staff_filter(&store, &opts)?;
    let report = report_for(&store, config, &span, now, only.as_ref())?;
    match ReportFormat::pick(opts.format, opts.out.as_deref())? {
        ReportFormat::Table => {
            let mut text = render_table(&report);
            if kind == ReportKind::Day {
                // The daily sheet: 签到/签退 per session with the door, in the hall's zone.
                let mut sheet = sheet_for(&store, config, span.period, None, now)?;
                if let Some(only) = &only {
                    sheet.days.retain(|d| only.contains(&d.staff));
                }
                text.push_str("\n考勤日报:签到签退\n");
                text.push_str(&text_table(&daily_rows(&sheet, &schedule.zone), 10));
            }
            emit(&opts.out, &text)?;
        }
        ReportFormat::Csv => emit(&opts.out, &render_csv(&report)?)?,
        ReportFormat::Json => {
            let text = serde_json::to_string_pretty(&render_json(&report))
                .context("rendering the JSON report")?;
            emit(&opts.out, &format!("{text}\n"))?;
        }
        ReportFormat::Xlsx => {
            let path = opts
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("hallclock-{}-{label}.xlsx", kind.key())));
            write_xlsx(&report, &path)?;
            println!("已写入 wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `hallclock report sheet`: the month's people × days grid, as a table or CSV.
fn sign_in_sheet(
    config: &Config,
    month: Option<String>,
    opts: &ReportOpts,
) -> anyhow::Result<ExitCode> {
    let schedule = &config.rules.engine.schedule;
    let now = as_of(opts, config)?;
    let first = match month {
        Some(m) => month_arg(&m)?,
        None => schedule.to_civil(now).date().first_of_month(),
    };
    let period = Period {
        first,
        last: first.last_of_month(),
    };
    let store = open_store(config)?;
    let only = staff_filter(&store, opts)?;
    let mut sheet = sheet_for(&store, config, period, None, now)?;
    if let Some(only) = &only {
        sheet.days.retain(|d| only.contains(&d.staff));
    }
    let rows = grid_rows(&sheet, &schedule.zone, period);
    let text = match ReportFormat::pick(opts.format, opts.out.as_deref())? {
        ReportFormat::Table => {
            let label = first.strftime("%Y-%m");
            format!(
                "签到表 {label}\n{}",
                text_table(&rows, rows.first().map_or(0, Vec::len))
            )
        }
        ReportFormat::Csv => rows_csv(&rows).context("writing the sign-in sheet as CSV")?,
        ReportFormat::Json | ReportFormat::Xlsx => {
            bail!("签到表只能输出为表格或 CSV (the sign-in sheet is a table or CSV)")
        }
    };
    emit(&opts.out, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn emit(out: &Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    match out {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            println!("已写入 wrote {}", path.display());
        }
    }
    Ok(())
}

fn as_of(opts: &ReportOpts, config: &Config) -> anyhow::Result<Timestamp> {
    let schedule = &config.rules.engine.schedule;
    match &opts.as_of {
        None => Ok(config.clock.now()),
        Some(text) => parse_csv_time(text, schedule).map_err(|e| anyhow!("--as-of: {e}")),
    }
}

fn staff_filter(store: &Store, opts: &ReportOpts) -> anyhow::Result<Option<BTreeSet<StaffId>>> {
    let department = match &opts.department {
        Some(d) => Some(
            crate::app::people::members_of(d, &crate::app::people::departments(store)?)
                .context("reading --department")?,
        ),
        None => None,
    };
    if opts.staff.is_empty() {
        return Ok(department);
    }
    let mut only = BTreeSet::new();
    for s in &opts.staff {
        only.insert(known_staff(store, s, "--staff")?);
    }
    Ok(Some(match department {
        Some(d) => only.intersection(&d).cloned().collect(),
        None => only,
    }))
}

/// A staff id given on the command line that must be on the staff list: an unknown id is an
/// error (exit 1), never an empty listing.
fn known_staff(store: &Store, text: &str, flag: &str) -> anyhow::Result<StaffId> {
    let id = StaffId::new(text).with_context(|| format!("reading {flag}"))?;
    if !store.staff_ids()?.contains(&id) {
        bail!("{flag} {id}: 没有这个工号 (no staff member with that id)");
    }
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Punches

/// Runs `hallclock punch ...`.
pub fn punch(config: &Config, cmd: PunchCommand) -> anyhow::Result<ExitCode> {
    let schedule = &config.rules.engine.schedule;
    let mut store = open_store(config)?;
    match cmd {
        PunchCommand::Import {
            file,
            format,
            device,
            id_map,
            pad_ids,
            skip_invalid,
        } => {
            let refused = || {
                format!(
                    "{} (--skip-invalid imports the valid lines and lists the others)",
                    refused_context("punch", &file)
                )
            };
            let (text, encoding) = decode_text(&read_bytes(&file)?);
            let ids = IdMapping {
                table: match &id_map {
                    None => Default::default(),
                    Some(path) => parse_id_map(&read(path)?)
                        .with_context(|| format!("reading the id mapping {}", path.display()))?,
                },
                pad_to: pad_ids,
            };
            let now = config.clock.now();
            let cx = PunchContext {
                schedule,
                ids: &ids,
                now,
            };
            let mut parsed = match format {
                PunchFormat::Csv => read_punch_csv(&text, &cx).with_context(refused)?,
                PunchFormat::Zkteco => read_zkteco(&text, &cx),
            };
            reject_unknown_staff(&text, &mut parsed, |p| &p.staff, &store.staff_ids()?);
            let (lines, rejected) = if skip_invalid {
                (parsed.records, parsed.rejected)
            } else {
                (parsed.all_or_nothing().with_context(refused)?, Vec::new())
            };
            let punches: Vec<_> = lines.into_iter().map(|l| l.value).collect();
            let (fmt, default_device) = match format {
                PunchFormat::Csv => (PunchImportFormat::Csv, "import-csv"),
                PunchFormat::Zkteco => (PunchImportFormat::Zkteco, "import-zkteco"),
            };
            let device = device.unwrap_or_else(|| default_device.to_string());
            let name = file.display().to_string();
            let rejected_path = rejected_path(&file);
            if !rejected.is_empty() {
                std::fs::write(&rejected_path, rejected_csv(&rejected))
                    .with_context(|| format!("writing {}", rejected_path.display()))?;
            }
            if punches.is_empty() {
                bail!(
                    "{}: no valid punch line (rejected lines are in {})",
                    refused(),
                    rejected_path.display()
                );
            }
            let audit = Audit::cli(
                now,
                "punch-import",
                format!(
                    "{name} ({}): {} punch line(s), {} rejected, device {device}",
                    encoding.label(),
                    punches.len(),
                    rejected.len()
                ),
            );
            let summary = store
                .import_punches(&name, fmt, &device, &punches, now, &audit)
                .with_context(refused)?;
            println!(
                "已导入 imported {name} ({}): {} punch(es) added, {} already on record",
                encoding.label(),
                summary.added,
                summary.skipped
            );
            if !rejected.is_empty() {
                println!(
                    "已跳过 skipped {} invalid line(s), listed with their reasons in {}",
                    rejected.len(),
                    rejected_path.display()
                );
            }
        }
        PunchCommand::List { staff, date, month } => {
            let staff = staff
                .map(|s| known_staff(&store, &s, "--staff"))
                .transpose()?;
            let (first, last) = match (date, month) {
                (_, Some(m)) => {
                    let first = month_arg(&m)?;
                    (first, first.last_of_month())
                }
                (Some(d), None) => {
                    let d = date_arg(&d, "--date")?;
                    (d, d)
                }
                (None, None) => {
                    let today = schedule.to_civil(config.clock.now()).date();
                    (today, today)
                }
            };
            let from = schedule.to_instant(first.to_datetime(jiff::civil::Time::midnight()))?;
            let until = schedule.to_instant(
                last.tomorrow()
                    .context("end of period")?
                    .to_datetime(jiff::civil::Time::midnight()),
            )?;
            let rows = store.punches_between(from, until, staff.as_ref())?;
            let mut table = vec![[
                "时间 time",
                "工号",
                "设备 device",
                "序号",
                "来源 source",
                "时钟",
                "分数",
            ]
            .map(str::to_string)
            .to_vec()];
            for r in &rows {
                table.push(vec![
                    local(schedule, r.punch.at),
                    r.punch.staff.to_string(),
                    r.device.clone(),
                    r.seq.to_string(),
                    r.source.clone(),
                    if r.punch.clock_trusted {
                        "ok"
                    } else {
                        "untrusted"
                    }
                    .to_string(),
                    r.score
                        .map_or_else(|| "-".to_string(), |s| format!("{s:.3}")),
                ]);
            }
            print!("{}", text_table(&table, 7));
            let amendments = store.amendments_between(from, until, staff.as_ref())?;
            if !amendments.is_empty() {
                println!("\n更正 amendments:");
                for a in &amendments {
                    let (what, at) = match a.amendment.correction {
                        Correction::AddPunch { at } => ("补卡 add", at),
                        Correction::VoidPunch { at } => ("作废 void", at),
                    };
                    println!(
                        "  #{} {} {} {} by {}: {}",
                        a.id,
                        what,
                        a.amendment.staff,
                        local(schedule, at),
                        a.amendment.author,
                        a.amendment.reason
                    );
                }
            }
            println!("{} punch(es)", rows.len());
        }
        PunchCommand::Amend {
            staff,
            add,
            void,
            reason,
            by,
        } => {
            let staff = StaffId::new(&staff).context("reading --staff")?;
            let author = StaffId::new(&by).context("reading --by")?;
            if reason.trim().is_empty() {
                bail!("--reason is empty; expected why the record is corrected");
            }
            let correction = match (add, void) {
                (Some(t), _) => Correction::AddPunch {
                    at: time_arg(&t, "--add", schedule)?,
                },
                (None, Some(t)) => {
                    let at = time_arg(&t, "--void", schedule)?;
                    // `punch list` shows seconds; the door stores milliseconds.
                    let within = store.punches_between(
                        at,
                        at + SignedDuration::from_secs(1),
                        Some(&staff),
                    )?;
                    let at = match within.as_slice() {
                        [one] => one.punch.at,
                        _ => at,
                    };
                    Correction::VoidPunch { at }
                }
                (None, None) => bail!("expected --add TIME or --void TIME"),
            };
            let amendment = Amendment {
                staff,
                correction,
                reason,
                author,
            };
            let now = config.clock.now();
            crate::app::attendance::check_correction_time(
                &config.rules.engine.schedule,
                &amendment,
                now,
            )?;
            let audit = Audit::cli(now, "amend", amendment_detail(&amendment));
            let id = store.amend_punch(&amendment, now, &audit)?;
            println!("已记录更正 amendment #{id} recorded");
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// Leave

/// Runs `hallclock leave ...`.
pub fn leave(config: &Config, cmd: LeaveCommand) -> anyhow::Result<ExitCode> {
    let schedule = &config.rules.engine.schedule;
    let policy = &config.rules.engine.leave;
    let mut store = open_store(config)?;
    match cmd {
        LeaveCommand::Add {
            staff,
            kind,
            from,
            to,
            cover,
            reason,
        } => {
            let staff = StaffId::new(&staff).context("reading --staff")?;
            let kind = kind_arg(&kind)?;
            let (first, explicit) = half_day_arg(&from, Session::Morning, "--from")?;
            let last = match to {
                Some(t) => half_day_arg(&t, Session::Afternoon, "--to")?.0,
                None if explicit => first,
                None => HalfDay {
                    date: first.date,
                    session: Session::Afternoon,
                },
            };
            let cover = cover
                .map(|c| StaffId::new(&c))
                .transpose()
                .context("reading --cover")?;
            let (id, half_days, level) = record_leave(
                config,
                &mut store,
                NewLeave {
                    staff: staff.clone(),
                    kind,
                    first,
                    last,
                    cover: cover.clone(),
                    reason,
                    approval_required: ApprovalLevel::InspectionOffice,
                },
                config.clock.now(),
                &Audit::cli(config.clock.now(), "leave-add", ""),
            )?;
            println!(
                "已记录请假 leave {id} for {staff}: {} {} 至 {}, {} working day(s), {}",
                kind_zh(kind),
                half_day_zh(first),
                half_day_zh(last),
                days_text(half_days),
                match policy.class_of(kind) {
                    crate::core::leave::LeaveClass::Public => "公假 public",
                    crate::core::leave::LeaveClass::Private => "私假 private",
                }
            );
            println!(
                "需审批 needs approval by {}: hallclock leave approve --id {} --level {} --by NAME",
                level_zh(level),
                id.0,
                level_key(level)
            );
            match &cover {
                None => println!(
                    "警告 warning: 无人顶岗,按脱岗处理 (no cover: the sessions count as absence)"
                ),
                Some(c) => {
                    let posts = store.posts()?;
                    let is_b = posts.iter().any(|p| p.holder == staff && &p.backup == c);
                    let has_post = posts.iter().any(|p| p.holder == staff);
                    if has_post && !is_b {
                        println!("注意 note: {c} is not the B of {staff}'s post (顶岗人员不是B角)");
                    }
                }
            }
        }
        LeaveCommand::Approve {
            id,
            level,
            by,
            certified_by,
        } => {
            let id = LeaveId(id);
            let level = match level {
                LevelArg::InspectionOffice => ApprovalLevel::InspectionOffice,
                LevelArg::DeputyDirector => ApprovalLevel::DeputyDirector,
                LevelArg::Director => ApprovalLevel::DirectorWithUnitCertificate,
            };
            approve_leave_checked(
                config,
                &mut store,
                id,
                Some(level),
                &by,
                certified_by,
                config.clock.now(),
                &Audit::cli(config.clock.now(), "leave-approve", ""),
            )?;
            println!("已批准 leave {id} approved ({})", level_zh(level));
        }
        LeaveCommand::Close { id, at } => {
            let at = match at {
                Some(t) => time_arg(&t, "--at", schedule)?,
                None => config.clock.now(),
            };
            let audit = Audit::cli(
                config.clock.now(),
                "leave-close",
                format!("leave #{id} closed at {}", local(schedule, at)),
            );
            store.close_leave(LeaveId(id), at, &audit)?;
            println!("已销假 leave #{id} closed at {}", local(schedule, at));
        }
        LeaveCommand::List { staff, month } => {
            let staff = staff
                .map(|s| known_staff(&store, &s, "--staff"))
                .transpose()?;
            let dates = match month {
                Some(m) => {
                    let first = month_arg(&m)?;
                    Some((first, first.last_of_month()))
                }
                None => None,
            };
            let calendar = store.calendar(config.rules.summer)?;
            let records = store.leaves(staff.as_ref(), dates)?;
            let mut rows = vec![[
                "编号", "工号", "类别", "起", "止", "天数", "顶岗", "审批", "销假",
            ]
            .map(str::to_string)
            .to_vec()];
            for r in &records {
                let l = &r.leave;
                let approval = match &r.approval {
                    Some(a) => format!("{} {}", level_zh(a.level), a.by),
                    None => format!("待批 needs {}", level_zh(r.approval_required)),
                };
                rows.push(vec![
                    l.id.0.to_string(),
                    l.staff.to_string(),
                    kind_zh(l.kind).to_string(),
                    half_day_zh(l.first),
                    half_day_zh(l.last),
                    days_text(l.working_half_days(&calendar)),
                    l.cover
                        .as_ref()
                        .map_or("-(脱岗)".to_string(), ToString::to_string),
                    approval,
                    l.closed_at
                        .map_or("未销假 open".to_string(), |t| local(schedule, t)),
                ]);
            }
            print!("{}", text_table(&rows, 9));
            println!("{} leave(s)", records.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// Posts, calendar, duty, meetings, active-from

/// Runs `hallclock post ...`.
pub fn post(config: &Config, cmd: PostCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(config)?;
    match cmd {
        PostCommand::Set { post, a, b } => {
            let holder = StaffId::new(&a).context("reading --a")?;
            let backup = StaffId::new(&b).context("reading --b")?;
            let now = config.clock.now();
            let post = set_post_checked(
                &mut store,
                &post,
                holder,
                backup,
                now,
                &Audit::cli(now, "post-set", ""),
            )?;
            println!(
                "已设置 post {}: A {} B {}",
                post.id, post.holder, post.backup
            );
        }
        PostCommand::List => {
            let mut rows = vec![["窗口 post", "A角 holder", "B角 backup"]
                .map(str::to_string)
                .to_vec()];
            for p in store.posts()? {
                rows.push(vec![
                    p.id.to_string(),
                    p.holder.to_string(),
                    p.backup.to_string(),
                ]);
            }
            print!("{}", text_table(&rows, 3));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `file` (UTF-8 or GBK) and hands its text to an import of `app`, with the audit record
/// `action`; a refusal names the file and says nothing was imported.
fn import_file<T>(
    config: &Config,
    file: &Path,
    action: &str,
    what: &str,
    import: impl FnOnce(&mut Store, &Config, &str, &Audit) -> Result<T, crate::app::AppError>,
) -> anyhow::Result<T> {
    let text = read(file)?;
    let mut store = open_store(config)?;
    let audit = Audit::cli(config.clock.now(), action, file.display().to_string());
    import(&mut store, config, &text, &audit).with_context(|| refused_context(what, file))
}

/// Runs `hallclock calendar import FILE`.
pub fn calendar(config: &Config, cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
    let CalendarCommand::Import { file } = cmd;
    let done = import_file(
        config,
        &file,
        "calendar-import",
        "calendar",
        import_calendar_text,
    )?;
    let years: Vec<String> = done.years.iter().map(ToString::to_string).collect();
    println!(
        "已导入 imported {}: {} holiday(s), {} make-up workday(s), {} summer period(s) for {}",
        file.display(),
        done.holidays,
        done.workdays,
        done.summers,
        if years.is_empty() {
            "no year".to_string()
        } else {
            years.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `hallclock duty import FILE`.
pub fn duty(config: &Config, cmd: DutyCommand) -> anyhow::Result<ExitCode> {
    let DutyCommand::Import { file } = cmd;
    let done = import_file(
        config,
        &file,
        "duty-import",
        "duty roster",
        import_duty_text,
    )?;
    println!(
        "已导入 imported {}: {} duty entr(ies)",
        file.display(),
        done.entries
    );
    if !done.on_working_days.is_empty() {
        println!(
            "注意 note: {} entr(ies) fall on working days and are judged as working days: {}",
            done.on_working_days.len(),
            done.on_working_days.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `hallclock meeting record`.
pub fn meeting(config: &Config, cmd: MeetingCommand) -> anyhow::Result<ExitCode> {
    let MeetingCommand::Record {
        title,
        start,
        end,
        invite,
        sign_in,
    } = cmd;
    let mut store = open_store(config)?;
    let (id, meeting) = record_meeting_text(
        &mut store,
        config,
        &MeetingText {
            title: &title,
            start: &start,
            end: &end,
            invite: &invite,
            sign_in: &sign_in,
        },
        &Audit::cli(config.clock.now(), "meeting-record", ""),
    )?;
    println!(
        "已记录会议 meeting #{id} {}: {} invited, {} signed in",
        meeting.title,
        meeting.invited.len(),
        meeting.sign_ins.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `hallclock active-from`.
pub fn active_from(config: &Config, args: ActiveFromArgs) -> anyhow::Result<ExitCode> {
    let staff = StaffId::new(&args.staff).context("reading --staff")?;
    let date = match (args.clear, args.date) {
        (true, _) => None,
        (false, Some(d)) => Some(date_arg(&d, "--date")?),
        (false, None) => bail!("expected --date YYYY-MM-DD or --clear"),
    };
    let mut store = open_store(config)?;
    let audit = Audit::cli(
        config.clock.now(),
        "active-from",
        match date {
            Some(d) => format!("{staff} judged from {d}"),
            None => format!("{staff} judged on every day"),
        },
    );
    store.set_active_from(&staff, date, &audit)?;
    match date {
        Some(d) => println!("{staff} is judged from {d} (考勤起始日期)"),
        None => println!("{staff} is judged on every day"),
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// Parsing at the edge

fn read(file: &Path) -> anyhow::Result<String> {
    Ok(decode_text(&read_bytes(file)?).0)
}

fn read_bytes(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

/// `FILE.rejected.csv` beside `FILE`.
fn rejected_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".rejected.csv");
    file.with_file_name(name)
}

fn refused_context(what: &str, file: &Path) -> String {
    format!(
        "导入被拒绝,未导入任何记录 {what} import refused, nothing imported: {}",
        file.display()
    )
}

fn days_text(half_days: u32) -> String {
    if half_days.is_multiple_of(2) {
        (half_days / 2).to_string()
    } else {
        format!("{}.5", half_days / 2)
    }
}

fn date_arg(text: &str, flag: &str) -> anyhow::Result<Date> {
    parse_date(text).ok_or_else(|| anyhow!("{flag} {text:?}: expected a real date as YYYY-MM-DD"))
}

fn month_arg(text: &str) -> anyhow::Result<Date> {
    parse_date(&format!("{}-01", text.trim()))
        .ok_or_else(|| anyhow!("--month {text:?}: expected a month as YYYY-MM, e.g. 2026-11"))
}

fn time_arg(text: &str, flag: &str, schedule: &ScheduleConfig) -> anyhow::Result<Timestamp> {
    parse_csv_time(text, schedule).map_err(|e| anyhow!("{flag}: {e}"))
}

/// A half day (`crate::core::leave::parse_half_day`) and whether the session was given.
fn half_day_arg(text: &str, default: Session, flag: &str) -> anyhow::Result<(HalfDay, bool)> {
    crate::core::leave::parse_half_day(text, default).ok_or_else(|| {
        anyhow!("{flag} {text:?}: expected YYYY-MM-DD, optionally followed by am/pm (上午/下午)")
    })
}

fn kind_arg(text: &str) -> anyhow::Result<LeaveKind> {
    crate::core::leave::kind_from_word(text).ok_or_else(|| {
        anyhow!(
            "--kind {:?}: expected one of {}",
            text.trim(),
            crate::core::leave::kind_words()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn half_days_and_kinds() {
        let rows = [
            ("2026-11-03", Session::Morning, Ok((date(2026, 11, 3), Session::Morning, false))),
            ("2026-11-03", Session::Afternoon, Ok((date(2026, 11, 3), Session::Afternoon, false))),
            ("2026-11-03pm", Session::Morning, Ok((date(2026, 11, 3), Session::Afternoon, true))),
            ("2026-11-03 上午", Session::Afternoon, Ok((date(2026, 11, 3), Session::Morning, true))),
            (
                "2026-11-31",
                Session::Morning,
                Err("--from \"2026-11-31\": expected YYYY-MM-DD, optionally followed by am/pm (上午/下午)"),
            ),
            (
                "2026-11-03 evening",
                Session::Morning,
                Err("--from \"2026-11-03 evening\": expected YYYY-MM-DD, optionally followed by am/pm (上午/下午)"),
            ),
        ];
        for (text, default, want) in rows {
            let got = half_day_arg(text, default, "--from")
                .map(|(h, e)| (h.date, h.session, e))
                .map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{text}");
        }
        assert_eq!(kind_arg("事假").unwrap(), LeaveKind::Personal);
        assert_eq!(
            kind_arg("official-errand").unwrap(),
            LeaveKind::OfficialErrand
        );
        assert!(kind_arg("holiday")
            .unwrap_err()
            .to_string()
            .starts_with("--kind \"holiday\": expected one of sick (病假), personal (事假)"));
    }
}
