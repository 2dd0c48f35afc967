//! `hallclock report|leave|post|calendar|duty|meeting|punch|active-from`: the supervisor's
//! attendance commands. Each one reads its file or arguments, calls the pure parsers in
//! `admin::import`, writes through `store` in one transaction, or loads a period's facts from
//! `store`, runs `core::rules::classify`, and renders with `admin::report` / `admin::export`.
//!
//! This is wiring only: no SQL, no attendance rule, no format lives here. It never loads the face
//! models. Strings for dates, half days and leave kinds are parsed here, at the edge.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::setup::open_store;
use crate::admin::export::{render_csv, render_json, render_table, write_xlsx};
use crate::admin::import::{
    check_known_staff, parse_csv_time, parse_date, parse_duty_csv, parse_holiday_file,
    parse_punch_csv, parse_zkteco,
};
use crate::admin::report::{self, kind_key, kind_zh, ReportInput, ReportKind, ScoredPart};
use crate::admin::web::ReportSpan;
use crate::config::Config;
use crate::core::calendar::Calendar;
use crate::core::ids::StaffId;
use crate::core::leave::{
    check_approver, ApprovalClaim, ApprovalLevel, ApprovalRefused, Approver, HalfDay, Leave,
    LeaveId, LeaveKind, Post, PostId,
};
use crate::core::rules::{classify, Amendment, Correction, Facts, Meeting, Period, SignIn};
use crate::core::schedule::{ScheduleConfig, Session};
use crate::store::{
    Approval, AttendanceFacts, Audit, FactsQuery, NewLeave, PunchImportFormat, Store,
};

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
    /// One year, month by month up to today (default: this year).
    Year {
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
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Output file (xlsx, csv, json); xlsx defaults to hallclock-<kind>-<period>.xlsx.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Judge as of this instant (RFC 3339 or hall time) instead of now.
    #[arg(long)]
    as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
    Xlsx,
}

/// `hallclock leave add|approve|close|list`.
#[derive(Debug, Subcommand)]
pub enum LeaveCommand {
    /// Record a leave (请假). Half days: `2026-11-03` (from: morning, to: afternoon),
    /// `2026-11-03am`, `2026-11-03pm`, `2026-11-03上午`, `2026-11-03下午`.
    Add {
        #[arg(long)]
        staff: String,
        /// sick 病假, personal 事假, annual 公休, home-visit 探亲, marriage-maternity 婚产,
        /// bereavement 丧假, official-errand 临时外出公务, official-duty 公务.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        from: String,
        /// Default: the end of the `--from` day (or the same half day if `--from` names one).
        #[arg(long)]
        to: Option<String>,
        /// The B who covers the post (顶岗). Without one the leave counts as absence (脱岗).
        #[arg(long)]
        cover: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Approve a leave at the level its length needs (or higher).
    Approve {
        #[arg(long)]
        id: u64,
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
        #[arg(long)]
        id: u64,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// List leaves.
    List {
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
    InspectionOffice,
    /// 分管领导
    DeputyDirector,
    /// 主要领导
    Director,
}

/// `hallclock post set|list`.
#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Set a window post's A (holder) and B (backup).
    Set {
        #[arg(long)]
        post: String,
        #[arg(long)]
        a: String,
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
    Import { file: PathBuf },
}

/// `hallclock duty import FILE`.
#[derive(Debug, Subcommand)]
pub enum DutyCommand {
    /// Import a duty roster CSV (staff_id,date[,sessions]).
    Import { file: PathBuf },
}

/// `hallclock meeting record`.
#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Record a centre meeting or study session and its sign-in sheet.
    Record {
        #[arg(long)]
        title: String,
        /// Start, hall time (2026-11-05 15:00) or RFC 3339.
        #[arg(long)]
        start: String,
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
    /// Import punches; the whole file or nothing.
    Import {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = PunchFormat::Csv)]
        format: PunchFormat,
        /// Device name for the imported punches' sequence numbers (default: import-csv or
        /// import-zkteco).
        #[arg(long)]
        device: Option<String>,
    },
    /// List punches and amendments of a day or a month.
    List {
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
        #[arg(long)]
        staff: String,
        /// Add a pass at this time.
        #[arg(long, conflicts_with = "void", required_unless_present = "void")]
        add: Option<String>,
        /// Void the punch at this time (to the second, as `punch list` shows it).
        #[arg(long)]
        void: Option<String>,
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
    let SpanParts {
        kind,
        label,
        period,
        parts,
    } = span_parts(span, today)?;
    let now = as_of(&opts, config)?;
    let store = open_store(config)?;
    let only = staff_filter(&store, &opts.staff)?;
    let facts = load_facts(&store, config, period)?;
    let report = build_report(
        config,
        &facts,
        kind,
        &label,
        period,
        &parts,
        now,
        only.as_ref(),
    )?;
    match opts.format {
        ReportFormat::Table => emit(&opts.out, &render_table(&report))?,
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

/// A report's kind, label, whole period and scoring parts.
pub(crate) struct SpanParts {
    pub kind: ReportKind,
    pub label: String,
    pub period: Period,
    pub parts: Vec<(String, Period)>,
}

/// The parts a report of `span` is scored in: the day, the month, or each month of the year up
/// to `today`. Shared by `hallclock report` and the console.
///
/// # Errors
/// When the year has not started by `today`, or is out of range.
pub(crate) fn span_parts(span: ReportSpan, today: Date) -> anyhow::Result<SpanParts> {
    Ok(match span {
        ReportSpan::Day(day) => {
            let period = Period {
                first: day,
                last: day,
            };
            SpanParts {
                kind: ReportKind::Day,
                label: day.to_string(),
                period,
                parts: vec![(day.to_string(), period)],
            }
        }
        ReportSpan::Month(month) => {
            let first = month.first_of_month();
            let period = Period {
                first,
                last: first.last_of_month(),
            };
            let label = first.strftime("%Y-%m").to_string();
            SpanParts {
                kind: ReportKind::Month,
                label: label.clone(),
                period,
                parts: vec![(label, period)],
            }
        }
        ReportSpan::Year(year) => {
            let first = Date::new(year, 1, 1).with_context(|| format!("year {year}"))?;
            if first > today {
                bail!("year {year} has not started yet (today is {today})");
            }
            let mut parts = Vec::new();
            let mut month = first;
            while month.year() == year && month <= today {
                let label = month.strftime("%Y-%m").to_string();
                parts.push((
                    label,
                    Period {
                        first: month,
                        last: month.last_of_month(),
                    },
                ));
                month = month
                    .checked_add(1.month())
                    .context("stepping through the year")?;
            }
            let last = parts.last().map_or(first, |(_, p)| p.last);
            SpanParts {
                kind: ReportKind::Year,
                label: year.to_string(),
                period: Period { first, last },
                parts,
            }
        }
    })
}

fn as_of(opts: &ReportOpts, config: &Config) -> anyhow::Result<Timestamp> {
    let schedule = &config.rules.engine.schedule;
    match &opts.as_of {
        None => Ok(config.clock.now()),
        Some(text) => parse_csv_time(text, schedule).map_err(|e| anyhow!("--as-of: {e}")),
    }
}

fn staff_filter(store: &Store, staff: &[String]) -> anyhow::Result<Option<BTreeSet<StaffId>>> {
    if staff.is_empty() {
        return Ok(None);
    }
    let known = store.staff_ids()?;
    let mut only = BTreeSet::new();
    for s in staff {
        let id = StaffId::new(s).context("reading --staff")?;
        if !known.contains(&id) {
            bail!("--staff {id}: no staff member with that id");
        }
        only.insert(id);
    }
    Ok(Some(only))
}

/// Loads the facts of `period` (with a day of margin either side for punch windows).
pub(crate) fn load_facts(
    store: &Store,
    config: &Config,
    period: Period,
) -> anyhow::Result<AttendanceFacts> {
    let zone = &config.rules.engine.schedule.zone;
    let edge = |d: Date| day_start(zone, d);
    let from = edge(period.first.yesterday().context("period start")?)?;
    let until = edge(period.last.checked_add(2.days()).context("period end")?)?;
    let query = FactsQuery {
        first: period.first,
        last: period.last,
        from,
        until,
        summer_rule: config.rules.summer,
    };
    store
        .load_facts(&query)
        .context("loading attendance records")
}

/// Classifies each scoring part (a day, or a month) and builds the report.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the values are all distinct"
)]
pub(crate) fn build_report(
    config: &Config,
    facts: &AttendanceFacts,
    kind: ReportKind,
    label: &str,
    period: Period,
    parts: &[(String, Period)],
    now: Timestamp,
    only: Option<&BTreeSet<StaffId>>,
) -> anyhow::Result<report::Report> {
    let zone = &config.rules.engine.schedule.zone;
    let mut scored = Vec::with_capacity(parts.len());
    for (part_label, part) in parts {
        // Only the punches near the part: classify is then linear in the part, not the period.
        let edge = |d: Date| day_start(zone, d);
        let from = edge(part.first.yesterday().context("period start")?)?;
        let until = edge(part.last.checked_add(2.days()).context("period end")?)?;
        let lo = facts.punches.partition_point(|p| p.at < from);
        let hi = facts.punches.partition_point(|p| p.at < until);
        let amendments: Vec<Amendment> = facts
            .amendments
            .iter()
            .filter(|a| {
                let at = match a.correction {
                    Correction::AddPunch { at } | Correction::VoidPunch { at } => at,
                };
                from <= at && at < until
            })
            .cloned()
            .collect();
        let part_facts = Facts {
            punches: &facts.punches[lo..hi],
            amendments: &amendments,
            ..facts.facts()
        };
        let attendance = classify(&config.rules.engine, &part_facts, *part, now)
            .with_context(|| format!("judging {part_label}"))?;
        scored.push(ScoredPart {
            label: part_label.clone(),
            attendance,
        });
    }
    Ok(report::build(&ReportInput {
        kind,
        label,
        period,
        parts: &scored,
        names: &facts.names,
        leaves: &facts.leaves,
        calendar: &facts.calendar,
        posts: &facts.posts,
        rules: &config.rules.engine,
        scoring: &config.rules.scoring,
        zone: &config.rules.zone_name,
        now,
        only,
    }))
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
        } => {
            let text = read(&file)?;
            let refused = || refused_context("punch", &file);
            let parsed = match format {
                PunchFormat::Csv => parse_punch_csv(&text, schedule),
                PunchFormat::Zkteco => parse_zkteco(&text, schedule),
            }
            .with_context(refused)?;
            let known = store.staff_ids()?;
            check_known_staff(&text, &parsed, |p| &p.staff, &known).with_context(refused)?;
            let punches: Vec<_> = parsed.into_iter().map(|l| l.value).collect();
            let (fmt, default_device) = match format {
                PunchFormat::Csv => (PunchImportFormat::Csv, "import-csv"),
                PunchFormat::Zkteco => (PunchImportFormat::Zkteco, "import-zkteco"),
            };
            let device = device.unwrap_or_else(|| default_device.to_string());
            let name = file.display().to_string();
            let now = config.clock.now();
            let audit = Audit::cli(
                now,
                "punch-import",
                format!("{name}: {} punch line(s), device {device}", punches.len()),
            );
            let summary = store
                .import_punches(&name, fmt, &device, &punches, now, &audit)
                .with_context(refused)?;
            println!(
                "已导入 imported {name}: {} punch(es) added, {} already on record",
                summary.added, summary.skipped
            );
        }
        PunchCommand::List { staff, date, month } => {
            let staff = staff
                .map(|s| StaffId::new(&s))
                .transpose()
                .context("reading --staff")?;
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
            println!(
                "{:<20} {:<10} {:<14} {:>6} {:<14} {:<7} 分数",
                "时间 time", "工号", "设备 device", "序号", "来源 source", "时钟"
            );
            for r in &rows {
                println!(
                    "{:<20} {:<10} {:<14} {:>6} {:<14} {:<7} {}",
                    local(schedule, r.punch.at),
                    r.punch.staff,
                    r.device,
                    r.seq,
                    r.source,
                    if r.punch.clock_trusted {
                        "ok"
                    } else {
                        "untrusted"
                    },
                    r.score
                        .map_or_else(|| "-".to_string(), |s| format!("{s:.3}"))
                );
            }
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
                "已记录请假 leave {id} for {staff}: {} {} to {}, {} working day(s), {}",
                kind_zh(kind),
                first,
                last,
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
                .map(|s| StaffId::new(&s))
                .transpose()
                .context("reading --staff")?;
            let dates = match month {
                Some(m) => {
                    let first = month_arg(&m)?;
                    Some((first, first.last_of_month()))
                }
                None => None,
            };
            let calendar = store.calendar(config.rules.summer)?;
            let records = store.leaves(staff.as_ref(), dates)?;
            println!("编号  工号       类别      起                 止                 天数  顶岗       审批                  销假");
            for r in &records {
                let l = &r.leave;
                let approval = match &r.approval {
                    Some(a) => format!("{} {}", level_zh(a.level), a.by),
                    None => format!("待批 needs {}", level_key(r.approval_required)),
                };
                println!(
                    "{:<5} {:<10} {:<8} {:<18} {:<18} {:>4}  {:<10} {:<21} {}",
                    l.id.0,
                    l.staff,
                    kind_key(l.kind),
                    l.first.to_string(),
                    l.last.to_string(),
                    days_text(l.working_half_days(&calendar)),
                    l.cover
                        .as_ref()
                        .map_or("-(脱岗)".to_string(), ToString::to_string),
                    approval,
                    l.closed_at
                        .map_or("未销假 open".to_string(), |t| local(schedule, t))
                );
            }
            println!("{} leave(s)", records.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records a leave with the approval level its length requires (`new.approval_required` is
/// replaced): shared by `leave add` and the web console. Returns the id, the working half days
/// and the level.
pub(crate) fn record_leave(
    config: &Config,
    store: &mut Store,
    mut new: NewLeave,
    now: Timestamp,
    by: &Audit,
) -> anyhow::Result<(LeaveId, u32, ApprovalLevel)> {
    let calendar = store.calendar(config.rules.summer)?;
    let candidate = Leave {
        id: LeaveId(0),
        staff: new.staff.clone(),
        kind: new.kind,
        first: new.first,
        last: new.last,
        cover: new.cover.clone(),
        closed_at: None,
    };
    let half_days = candidate.working_half_days(&calendar);
    let level = config.rules.engine.leave.required_approval(half_days);
    new.approval_required = level;
    let detail = format!(
        "{} {} {} to {}, {} half day(s), cover {}, needs {}",
        new.staff,
        kind_key_of(new.kind),
        new.first,
        new.last,
        half_days,
        new.cover
            .as_ref()
            .map_or("none".to_string(), ToString::to_string),
        level_key(level)
    );
    let id = store
        .add_leave(&new, now, &by.clone().with_detail(detail))
        .context("请假未记录 leave not recorded")?;
    Ok((id, half_days, level))
}

/// Records an approval after [`check_approver`] (the one rule): shared by `leave approve` and
/// the console. `level`: the level claimed (the CLI's `--level`), or `None` for the level the
/// leave requires (the console). The approver's role comes from the console account named `by`
/// (`[console] supervisor-approves` / `admin-approves`); a `--by` that names no account is the
/// CLI operator recording a paper approval, with an admin's rights. Returns the level recorded.
///
/// # Errors
/// When the leave is unknown, the approval is refused, or the database fails.
#[allow(
    clippy::too_many_arguments,
    reason = "the CLI's and the console's approval, each value distinct"
)]
pub(crate) fn approve_leave_checked(
    config: &Config,
    store: &mut Store,
    id: LeaveId,
    level: Option<ApprovalLevel>,
    by: &str,
    certified_by: Option<String>,
    now: Timestamp,
    audit: &Audit,
) -> anyhow::Result<ApprovalLevel> {
    let record = store
        .leave(id)?
        .ok_or_else(|| anyhow!("leave {id} is not on record"))?;
    let rights = config.console.approval;
    let may_approve = match store.account(by.trim())? {
        Some(a) => match a.role.as_str() {
            "admin" => rights.admin,
            "supervisor" => rights.supervisor,
            _ => None,
        },
        None => rights.admin,
    };
    let person = store.staff(&record.leave.staff)?;
    let level = level.unwrap_or(record.approval_required);
    check_approver(
        &ApprovalClaim {
            leave: id,
            staff: &record.leave.staff,
            staff_name: person.as_ref().map(|p| p.name.as_str()),
            required: record.approval_required,
            level,
            certified_by: certified_by.as_deref(),
        },
        &Approver {
            name: by,
            may_approve,
        },
    )
    .map_err(|e| match e {
        ApprovalRefused::LevelTooLow { required, .. } => anyhow!(
            "leave {id} needs approval by {} or higher; found {} (hint: --level {})",
            level_zh(required),
            level_zh(level),
            level_key(required)
        ),
        e => anyhow!(e),
    })?;
    let detail = format!(
        "leave #{} of {} at {} by {}{}",
        id.0,
        record.leave.staff,
        level_key(level),
        by.trim(),
        certified_by
            .as_deref()
            .map_or(String::new(), |c| format!(", certified by {c}"))
    );
    store.approve_leave(
        id,
        &Approval {
            level,
            by: by.trim().to_string(),
            certified_by,
            at: now,
        },
        &audit.clone().with_detail(detail),
    )?;
    Ok(level)
}

// ---------------------------------------------------------------------------------------------
// Posts, calendar, duty, meetings, active-from

/// Sets a window post's A and B after checking the post is named and A and B differ. Shared by
/// `hallclock post set` and the console.
///
/// # Errors
/// When the post is empty, A is B, or the database fails.
pub(crate) fn set_post_checked(
    store: &mut Store,
    post: &str,
    holder: StaffId,
    backup: StaffId,
    now: Timestamp,
    by: &Audit,
) -> anyhow::Result<Post> {
    if post.trim().is_empty() {
        bail!("--post is empty; expected the window post's id, e.g. W03");
    }
    if holder == backup {
        bail!("--a and --b are both {holder}; expected two different people (A角 and B角)");
    }
    let post = Post {
        id: PostId::new(post.trim()),
        holder,
        backup,
    };
    let before = store.posts()?.into_iter().find(|p| p.id == post.id);
    let detail = match before {
        Some(b) => format!(
            "{}: A {} B {} (was A {} B {})",
            post.id, post.holder, post.backup, b.holder, b.backup
        ),
        None => format!("{}: A {} B {} (new)", post.id, post.holder, post.backup),
    };
    store.set_post(&post, now, &by.clone().with_detail(detail))?;
    Ok(post)
}

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
            println!("窗口 post   A角 holder  B角 backup");
            for p in store.posts()? {
                println!("{:<11} {:<11} {}", p.id, p.holder, p.backup);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a holiday file import did.
pub(crate) struct CalendarImported {
    pub holidays: usize,
    pub workdays: usize,
    pub summers: usize,
    pub years: Vec<i16>,
}

/// Parses a holiday file and replaces the calendar of every year it mentions. Shared by
/// `hallclock calendar import` and the console.
///
/// # Errors
/// When the file does not parse (nothing is imported) or the database fails.
pub(crate) fn import_calendar_text(
    store: &mut Store,
    config: &Config,
    text: &str,
    by: &Audit,
) -> anyhow::Result<CalendarImported> {
    let parsed = parse_holiday_file(text, config.rules.summer)?;
    let holidays = parsed.days.iter().filter(|d| d.1).count();
    let years: Vec<String> = parsed.years.iter().map(ToString::to_string).collect();
    let detail = format!(
        "years {} replaced: {} holiday(s), {} make-up workday(s), {} summer period(s)",
        years.join(", "),
        holidays,
        parsed.days.len() - holidays,
        parsed.summers.len()
    );
    store.replace_calendar_years(
        &parsed.years,
        &parsed.days,
        &parsed.summers,
        &by.clone().with_detail(detail),
    )?;
    Ok(CalendarImported {
        holidays,
        workdays: parsed.days.len() - holidays,
        summers: parsed.summers.len(),
        years: parsed.years.iter().copied().collect(),
    })
}

/// Runs `hallclock calendar import FILE`.
pub fn calendar(config: &Config, cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
    let CalendarCommand::Import { file } = cmd;
    let text = read(&file)?;
    let mut store = open_store(config)?;
    let audit = Audit::cli(
        config.clock.now(),
        "calendar-import",
        file.display().to_string(),
    );
    let done = import_calendar_text(&mut store, config, &text, &audit)
        .with_context(|| refused_context("calendar", &file))?;
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

/// What a duty roster import did.
pub(crate) struct DutyImported {
    pub entries: usize,
    /// Lines on working days (judged as working days), as `line N (date)`.
    pub on_working_days: Vec<String>,
}

/// Parses a duty roster CSV, checks every person exists, and imports it. Shared by
/// `hallclock duty import` and the console.
///
/// # Errors
/// When the CSV does not parse or names unknown staff (nothing is imported), or the database
/// fails.
pub(crate) fn import_duty_text(
    store: &mut Store,
    config: &Config,
    text: &str,
    by: &Audit,
) -> anyhow::Result<DutyImported> {
    let parsed = parse_duty_csv(text)?;
    let known = store.staff_ids()?;
    check_known_staff(text, &parsed, |e| &e.staff, &known)?;
    let calendar: Calendar = store.calendar(config.rules.summer)?;
    let on_working_days: Vec<String> = parsed
        .iter()
        .filter(|l| calendar.is_working_day(l.value.date))
        .map(|l| format!("line {} ({})", l.line, l.value.date))
        .collect();
    let entries: Vec<_> = parsed.into_iter().map(|l| l.value).collect();
    let dates: BTreeSet<Date> = entries.iter().map(|e| e.date).collect();
    let people: BTreeSet<&StaffId> = entries.iter().map(|e| &e.staff).collect();
    let detail = format!(
        "{} entr(ies) for {} person(s) on {} date(s){}",
        entries.len(),
        people.len(),
        dates.len(),
        match (dates.first(), dates.last()) {
            (Some(a), Some(b)) => format!(", {a} to {b}"),
            _ => String::new(),
        }
    );
    let n = store.import_duty(&entries, &by.clone().with_detail(detail))?;
    Ok(DutyImported {
        entries: n,
        on_working_days,
    })
}

/// Runs `hallclock duty import FILE`.
pub fn duty(config: &Config, cmd: DutyCommand) -> anyhow::Result<ExitCode> {
    let DutyCommand::Import { file } = cmd;
    let text = read(&file)?;
    let mut store = open_store(config)?;
    let audit = Audit::cli(
        config.clock.now(),
        "duty-import",
        file.display().to_string(),
    );
    let done = import_duty_text(&mut store, config, &text, &audit)
        .with_context(|| refused_context("duty roster", &file))?;
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

/// A meeting as typed: hall times or RFC 3339, `STAFF=TIME` sign-ins, invitees (none: all
/// active staff).
pub(crate) struct MeetingText<'a> {
    pub title: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub invite: &'a [String],
    pub sign_in: &'a [String],
}

/// Parses and records a meeting with its sign-in sheet; returns its id and the meeting. Shared
/// by `hallclock meeting record` and the console.
///
/// # Errors
/// When a field does not parse (nothing is recorded) or the database fails.
pub(crate) fn record_meeting_text(
    store: &mut Store,
    config: &Config,
    m: &MeetingText<'_>,
    by: &Audit,
) -> anyhow::Result<(i64, Meeting)> {
    let schedule = &config.rules.engine.schedule;
    if m.title.trim().is_empty() {
        bail!("--title is empty; expected the meeting's name, e.g. 月例会");
    }
    let start = time_arg(m.start, "--start", schedule)?;
    let end = time_arg(m.end, "--end", schedule)?;
    if end <= start {
        bail!(
            "--end {} is not after --start {}",
            local(schedule, end),
            local(schedule, start)
        );
    }
    let invited: Vec<StaffId> = if m.invite.is_empty() {
        let facts_day = schedule.to_civil(start).date();
        let query = FactsQuery {
            first: facts_day,
            last: facts_day,
            from: start,
            until: start,
            summer_rule: config.rules.summer,
        };
        store
            .load_facts(&query)?
            .staff
            .into_iter()
            .map(|e| e.staff)
            .collect()
    } else {
        m.invite
            .iter()
            .map(|s| StaffId::new(s))
            .collect::<Result<_, _>>()
            .context("reading --invite")?
    };
    let day = schedule.to_civil(start).date();
    let mut sign_ins = Vec::new();
    for s in m.sign_in {
        let (who, when) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--sign-in {s:?}: expected STAFF=TIME, e.g. 0001=15:02"))?;
        let staff = StaffId::new(who).with_context(|| format!("--sign-in {s:?}"))?;
        let at = if when.trim().len() <= 8 {
            let t: jiff::civil::Time = when
                .trim()
                .parse()
                .map_err(|e| anyhow!("--sign-in {s:?}: time {when:?} is not HH:MM ({e})"))?;
            time_arg(&day.to_datetime(t).to_string(), "--sign-in", schedule)?
        } else {
            time_arg(when, "--sign-in", schedule)?
        };
        sign_ins.push(SignIn { staff, at });
    }
    let meeting = Meeting {
        title: m.title.to_string(),
        start,
        end,
        invited,
        sign_ins,
    };
    let detail = format!(
        "{} {} to {}: {} invited, {} signed in",
        meeting.title,
        local(schedule, meeting.start),
        local(schedule, meeting.end),
        meeting.invited.len(),
        meeting.sign_ins.len()
    );
    let id = store.record_meeting(
        &meeting,
        config.clock.now(),
        &by.clone().with_detail(detail),
    )?;
    Ok((id, meeting))
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

/// The first instant of a civil day in `zone` (a midnight in a DST gap moves later).
fn day_start(zone: &jiff::tz::TimeZone, d: Date) -> anyhow::Result<Timestamp> {
    zone.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .with_context(|| format!("placing {d} in the hall's zone"))
}

fn read(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

fn refused_context(what: &str, file: &Path) -> String {
    format!(
        "导入被拒绝,未导入任何记录 {what} import refused, nothing imported: {}",
        file.display()
    )
}

fn local(schedule: &ScheduleConfig, at: Timestamp) -> String {
    schedule
        .to_civil(at)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
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

/// `2026-11-03` (then `default`), `2026-11-03am`, `2026-11-03 pm`, `2026-11-03上午`/`下午`.
/// Returns the half day and whether the session was given.
fn half_day_arg(text: &str, default: Session, flag: &str) -> anyhow::Result<(HalfDay, bool)> {
    let t = text.trim();
    let bad = || {
        anyhow!("{flag} {text:?}: expected YYYY-MM-DD, optionally followed by am/pm (上午/下午)")
    };
    let date_part = t.get(..10).ok_or_else(bad)?;
    let date = parse_date(date_part).ok_or_else(bad)?;
    let rest = t[10..]
        .trim()
        .trim_start_matches(['T', ' ', '-'])
        .to_lowercase();
    let (session, explicit) = match rest.as_str() {
        "" => (default, false),
        "am" | "morning" | "上午" => (Session::Morning, true),
        "pm" | "afternoon" | "下午" => (Session::Afternoon, true),
        _ => return Err(bad()),
    };
    Ok((HalfDay { date, session }, explicit))
}

fn kind_arg(text: &str) -> anyhow::Result<LeaveKind> {
    let t = text.trim();
    report::LEAVE_KINDS
        .iter()
        .copied()
        .find(|k| kind_key(*k) == t || kind_zh(*k) == t)
        .ok_or_else(|| {
            let names: Vec<String> = report::LEAVE_KINDS
                .iter()
                .map(|k| format!("{} ({})", kind_key(*k), kind_zh(*k)))
                .collect();
            anyhow!("--kind {t:?}: expected one of {}", names.join(", "))
        })
}

fn level_key(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "inspection-office",
        ApprovalLevel::DeputyDirector => "deputy-director",
        ApprovalLevel::DirectorWithUnitCertificate => "director",
    }
}

fn level_zh(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "稽查督办科 inspection office",
        ApprovalLevel::DeputyDirector => "分管领导 deputy director",
        ApprovalLevel::DirectorWithUnitCertificate => "主要领导 director (with unit certificate)",
    }
}

/// An amendment in words, for the audit log.
pub(crate) fn amendment_detail(a: &Amendment) -> String {
    let (what, at) = match a.correction {
        Correction::AddPunch { at } => ("add", at),
        Correction::VoidPunch { at } => ("void", at),
    };
    format!("{} {what} {at}: {}", a.staff, a.reason.trim())
}

/// A leave kind's key, for the audit log.
fn kind_key_of(kind: LeaveKind) -> String {
    format!("{kind:?}").to_lowercase()
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
