//! The attendance operations the command line and the web console share: a report's parts and
//! its building from a period's facts, recording and approving leave, setting a window post,
//! importing a holiday file or a duty roster, recording a meeting. Each one checks the user's
//! input, writes through `store` in one transaction (with its audit line), or loads facts from
//! `store` and runs `core::rules::classify`.
//!
//! No SQL, no attendance rule, no format and no printing lives here, and no command-line flag is
//! named: input the user got wrong is [`AppError::Refused`] in words fit for the console and the
//! command line alike; the store failing is [`AppError::Failed`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::{AppError, FailedWhile, RefusedAs};
use crate::admin::import::{check_known_staff, parse_csv_time, parse_duty_csv, parse_holiday_file};
use crate::admin::report::{self, ReportInput, ReportKind, ScoredPart, SpoofCounts};
use crate::admin::web::{CalendarImport, DutyImport, ReportSpan};
use crate::config::Config;
use crate::core::calendar::Calendar;
use crate::core::ids::StaffId;
use crate::core::leave::{
    approval_detail, check_approver, ApprovalClaim, ApprovalLevel, ApprovalRefused, Approver,
    HalfDay, LeaveId, LeaveRequestRefused, Post, PostId,
};
use crate::core::rules::{classify, Amendment, Correction, Facts, Meeting, Period, SignIn};
use crate::core::schedule::ScheduleConfig;
use crate::store::{Approval, AttendanceFacts, Audit, FactsQuery, NewLeave, SpoofOutcome, Store};

/// A report's kind, label, whole period and scoring parts.
pub struct SpanParts {
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
pub fn span_parts(span: ReportSpan, today: Date) -> Result<SpanParts, AppError> {
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
            let first = Date::new(year, 1, 1)
                .refused_as(|e| format!("年份 {year} 超出范围 (year {year}: {e})"))?;
            if first > today {
                return Err(AppError::refused(format!(
                    "{year} 年尚未开始 (year {year} has not started yet; today is {today})"
                )));
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
                    .failed_while(|| "stepping through the year".into())?;
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

/// Loads the facts of `period` (with a day of margin either side for punch windows).
pub fn load_facts(
    store: &Store,
    config: &Config,
    period: Period,
) -> Result<AttendanceFacts, AppError> {
    let zone = &config.rules.engine.schedule.zone;
    let edge = |d: Date| day_start(zone, d);
    let from = edge(
        period
            .first
            .yesterday()
            .failed_while(|| "the day before the period".into())?,
    )?;
    let until = edge(
        period
            .last
            .checked_add(2.days())
            .failed_while(|| "the days after the period".into())?,
    )?;
    let query = FactsQuery {
        first: period.first,
        last: period.last,
        from,
        until,
        summer_rule: config.rules.summer,
    };
    store
        .load_facts(&query)
        .failed_while(|| "loading attendance records".into())
}

/// The report of a span: its facts loaded from the store, then [`build_report`]. Shared by
/// `hallclock report` and the console.
///
/// # Errors
/// As [`load_facts`] and [`build_report`].
pub fn report_for(
    store: &Store,
    config: &Config,
    span: &SpanParts,
    now: Timestamp,
    only: Option<&BTreeSet<StaffId>>,
) -> Result<report::Report, AppError> {
    let facts = load_facts(store, config, span.period)?;
    let spoofs = spoof_counts(store, config, span.period)?;
    let departments = store.departments()?;
    build_report(
        config,
        &facts,
        &departments,
        &spoofs,
        span.kind,
        &span.label,
        span.period,
        &span.parts,
        now,
        only,
    )
}

/// Classifies each scoring part (a day, or a month) and builds the report.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the values are all distinct"
)]
pub fn build_report(
    config: &Config,
    facts: &AttendanceFacts,
    departments: &BTreeMap<StaffId, String>,
    spoofs: &BTreeMap<StaffId, SpoofCounts>,
    kind: ReportKind,
    label: &str,
    period: Period,
    parts: &[(String, Period)],
    now: Timestamp,
    only: Option<&BTreeSet<StaffId>>,
) -> Result<report::Report, AppError> {
    let zone = &config.rules.engine.schedule.zone;
    let mut scored = Vec::with_capacity(parts.len());
    for (part_label, part) in parts {
        // Only the punches near the part: classify is then linear in the part, not the period.
        let edge = |d: Date| day_start(zone, d);
        let from = edge(
            part.first
                .yesterday()
                .failed_while(|| "the day before the part".into())?,
        )?;
        let until = edge(
            part.last
                .checked_add(2.days())
                .failed_while(|| "the days after the part".into())?,
        )?;
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
            .failed_while(|| format!("judging {part_label}"))?;
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
        departments,
        leaves: &facts.leaves,
        calendar: &facts.calendar,
        posts: &facts.posts,
        rules: &config.rules.engine,
        scoring: &config.rules.scoring,
        zone: &config.rules.zone_name,
        now,
        only,
        spoofs,
    }))
}

/// The door's suspected spoofs (代打卡嫌疑: flagged punches, refused attempts) in `period`'s
/// days, counted per claimed person.
///
/// # Errors
/// [`AppError::Failed`] when the zone cannot place a day or the store cannot be read.
pub fn spoof_counts(
    store: &Store,
    config: &Config,
    period: Period,
) -> Result<BTreeMap<StaffId, SpoofCounts>, AppError> {
    let zone = &config.rules.engine.schedule.zone;
    let from = day_start(zone, period.first)?;
    let until = day_start(
        zone,
        period
            .last
            .tomorrow()
            .failed_while(|| "the day after the period".into())?,
    )?;
    let mut counts: BTreeMap<StaffId, SpoofCounts> = BTreeMap::new();
    for line in store
        .spoof_lines(from, until)
        .failed_while(|| "loading the suspected spoofs".into())?
    {
        let c = counts.entry(line.staff).or_default();
        match line.outcome {
            SpoofOutcome::Flagged => c.flagged += 1,
            SpoofOutcome::Refused => c.refused += 1,
        }
    }
    Ok(counts)
}

/// Records a leave with the approval level its length requires (`new.approval_required` is
/// replaced): shared by `leave add` and the web console. Returns the id, the working half days
/// and the level.
pub fn record_leave(
    config: &Config,
    store: &mut Store,
    mut new: NewLeave,
    now: Timestamp,
    by: &Audit,
) -> Result<(LeaveId, u32, ApprovalLevel), AppError> {
    let (half_days, level, detail) = checked_leave(config, store, &mut new)?;
    let id = store
        .add_leave(&new, now, &by.clone().with_detail(detail))
        .map_err(|e| AppError::from(e).within("请假未记录 leave not recorded"))?;
    Ok((id, half_days, level))
}

/// Checks a leave as entered (`core::leave::Leave::check_request`) and sets the approval level
/// its length requires; its working half days, the level and the audit line's detail.
fn checked_leave(
    config: &Config,
    store: &Store,
    new: &mut NewLeave,
) -> Result<(u32, ApprovalLevel, String), AppError> {
    let calendar = store.calendar(config.rules.summer)?;
    let half_days = new
        .settle(&calendar, &config.rules.engine.leave)
        .map_err(leave_request_refused)?;
    let (level, detail) = (new.approval_required, new.audit_detail(half_days));
    Ok((half_days, level, detail))
}

/// A leave that makes no sense, in words: Chinese, then English.
fn leave_request_refused(e: LeaveRequestRefused) -> AppError {
    AppError::refused(format!("{} ({e})", e.zh()))
}

/// Changes a leave not yet approved nor closed (person, kind, half days, cover, reason), with
/// the approval level its new length requires: shared by the console's leave page.
///
/// # Errors
/// [`AppError::Refused`] when the leave is unknown, approved or closed, or the new leave makes
/// no sense or overlaps another; [`AppError::Failed`] when the store fails.
pub fn edit_leave(
    config: &Config,
    store: &mut Store,
    id: LeaveId,
    mut new: NewLeave,
    by: &Audit,
) -> Result<(u32, ApprovalLevel), AppError> {
    let record = open_leave(store, id)?;
    if record.approval.is_some() {
        return Err(AppError::refused(format!(
            "请假 #{} 已批准,不能修改;如需更改,请先撤销再重新登记 (leave {id} is approved; cancel it and enter it again)",
            id.0
        )));
    }
    let (half_days, level, detail) = checked_leave(config, store, &mut new)?;
    let detail = format!(
        "#{} {detail} (was {} to {})",
        id.0, record.leave.first, record.leave.last
    );
    store
        .update_leave(id, &new, &by.clone().with_detail(detail))
        .map_err(|e| AppError::from(e).within("请假未修改 leave not changed"))?;
    Ok((half_days, level))
}

/// Withdraws a leave (撤销) that is not closed yet: it no longer counts, and its row stays.
///
/// # Errors
/// [`AppError::Refused`] when the leave is unknown or closed; [`AppError::Failed`] when the
/// store fails.
pub fn cancel_leave(
    store: &mut Store,
    id: LeaveId,
    now: Timestamp,
    by: &Audit,
) -> Result<(), AppError> {
    let record = open_leave(store, id)?;
    let detail = format!(
        "#{} of {} ({} to {}) cancelled",
        id.0, record.leave.staff, record.leave.first, record.leave.last
    );
    store.cancel_leave(id, now, &by.clone().with_detail(detail))?;
    Ok(())
}

/// Closes a leave (销假) with the person back at work from `back`: a leave planned past `back`
/// ends the half day before it. Returns the leave's last half day away.
///
/// # Errors
/// [`AppError::Refused`] when the leave is unknown or closed, or `back` is not after its start;
/// [`AppError::Failed`] when the store fails.
pub fn close_leave_on(
    store: &mut Store,
    id: LeaveId,
    back: HalfDay,
    now: Timestamp,
    by: &Audit,
) -> Result<HalfDay, AppError> {
    let record = open_leave(store, id)?;
    let last = record.leave.last_when_back(back).map_err(|e| {
        AppError::refused(format!(
            "销假日期 {} 不晚于请假开始 {},无法销假;如未休假请撤销 ({e})",
            back, record.leave.first
        ))
    })?;
    let detail = format!(
        "#{} of {}: back {back}, last half day away {last} (planned {})",
        id.0, record.leave.staff, record.leave.last
    );
    store.close_leave_with_last(id, last, now, &by.clone().with_detail(detail))?;
    Ok(last)
}

/// The leave `id`, refused when unknown (or cancelled), already closed, or the centre's (the
/// centre owns it: its next facts would undo a change made here).
fn open_leave(store: &Store, id: LeaveId) -> Result<crate::store::LeaveRecord, AppError> {
    let record = store.leave(id)?.ok_or_else(|| {
        AppError::refused(format!(
            "没有这条请假 #{} (leave {id} is not on record)",
            id.0
        ))
    })?;
    if record.leave.closed_at.is_some() {
        return Err(AppError::refused(format!(
            "请假 #{} 已销假,不能再更改 (leave {id} is already closed)",
            id.0
        )));
    }
    if record.centre_id.is_some() {
        return Err(AppError::refused(format!(
            "请假 #{} 由中心下发,请在中心修改、撤销或销假 (leave {id} comes from the centre, which owns it; change it there)",
            id.0
        )));
    }
    Ok(record)
}

/// Retires a window post: it keeps its history and is no longer offered nor judged for 断档.
///
/// # Errors
/// [`AppError::Refused`] when no post in service has that id; [`AppError::Failed`] when the
/// store fails.
pub fn retire_post(
    store: &mut Store,
    post: &str,
    now: Timestamp,
    by: &Audit,
) -> Result<(), AppError> {
    let id = PostId::new(post.trim());
    let detail = format!("{id} retired");
    if store.retire_post(&id, now, &by.clone().with_detail(detail))? {
        Ok(())
    } else {
        Err(AppError::refused(format!(
            "没有在用的窗口岗位 {id} (no post {id} in service)"
        )))
    }
}

/// Refuses a correction (补卡 or 作废) of an instant after `now`: a punch that has not happened
/// cannot be added nor voided.
///
/// # Errors
/// [`AppError::Refused`] with the time in the hall's zone.
pub fn check_correction_time(
    schedule: &ScheduleConfig,
    amendment: &Amendment,
    now: Timestamp,
) -> Result<(), AppError> {
    let at = match amendment.correction {
        Correction::AddPunch { at } | Correction::VoidPunch { at } => at,
    };
    if at > now {
        return Err(AppError::refused(format!(
            "更正时间 {} 晚于现在 {},不能更正尚未发生的打卡 (a correction at {} is in the future; now is {})",
            local(schedule, at),
            local(schedule, now),
            local(schedule, at),
            local(schedule, now)
        )));
    }
    Ok(())
}

/// Records an approval after [`check_approver`] (the one rule): shared by `leave approve` and
/// the console. `level`: the level claimed (on the command line), or `None` for the level the
/// leave requires (the console). The approver's role comes from the console account named `by`
/// (`[console] supervisor-approves` / `admin-approves`); a `by` that names no account is the
/// CLI operator recording a paper approval, with an admin's rights. Returns the level recorded.
///
/// # Errors
/// [`AppError::Refused`] when the leave is unknown or the approval is refused (self-approval,
/// a level too low, a missing certificate); [`AppError::Failed`] when the database fails.
#[allow(
    clippy::too_many_arguments,
    reason = "the CLI's and the console's approval, each value distinct"
)]
pub fn approve_leave_checked(
    config: &Config,
    store: &mut Store,
    id: LeaveId,
    level: Option<ApprovalLevel>,
    by: &str,
    certified_by: Option<String>,
    now: Timestamp,
    audit: &Audit,
) -> Result<ApprovalLevel, AppError> {
    let record = store
        .leave(id)?
        .ok_or_else(|| AppError::refused(format!("没有这条请假 (leave {id} is not on record)")))?;
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
        ApprovalRefused::LevelTooLow { required, .. } => AppError::refused(format!(
            "leave {id} needs approval by {} or higher; found {} (hint: approve at level {})",
            level_zh(required),
            level_zh(level),
            level_key(required)
        )),
        e => AppError::refused(e.to_string()),
    })?;
    let detail = approval_detail(id, &record.leave.staff, level, by, certified_by.as_deref());
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

/// Sets a window post's A and B after checking the post is named and A and B differ. Shared by
/// `hallclock post set` and the console.
///
/// # Errors
/// When the post is empty, A is B, or the database fails.
pub fn set_post_checked(
    store: &mut Store,
    post: &str,
    holder: StaffId,
    backup: StaffId,
    now: Timestamp,
    by: &Audit,
) -> Result<Post, AppError> {
    if post.trim().is_empty() {
        return Err(AppError::refused(
            "窗口岗位为空,应填写岗位编号,如 W03 (the post is empty; expected the window post's id, e.g. W03)",
        ));
    }
    if holder == backup {
        return Err(AppError::refused(format!(
            "A角和B角都是 {holder},应为两个不同的人 (A and B are both {holder}; expected two different people)"
        )));
    }
    let post = Post {
        id: PostId::new(post.trim()),
        holder,
        backup,
    };
    if store.retired_posts()?.iter().any(|p| p.id == post.id) {
        return Err(AppError::refused(format!(
            "窗口岗位 {} 已停用,不能再设置A角B角;请用新的岗位编号 (post {} is retired; expected a post in service)",
            post.id, post.id
        )));
    }
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

/// Parses a holiday file and replaces the calendar of every year it mentions. Shared by
/// `hallclock calendar import` and the console.
///
/// # Errors
/// When the file does not parse (nothing is imported) or the database fails.
pub fn import_calendar_text(
    store: &mut Store,
    config: &Config,
    text: &str,
    by: &Audit,
) -> Result<CalendarImport, AppError> {
    let parsed = parse_holiday_file(text, config.rules.summer).refused_as(|e| e.to_string())?;
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
    Ok(CalendarImport {
        holidays,
        workdays: parsed.days.len() - holidays,
        summers: parsed.summers.len(),
        years: parsed.years.iter().copied().collect(),
    })
}

/// Parses a duty roster CSV, checks every person exists, and imports it. Shared by
/// `hallclock duty import` and the console.
///
/// # Errors
/// When the CSV does not parse or names unknown staff (nothing is imported), or the database
/// fails.
pub fn import_duty_text(
    store: &mut Store,
    config: &Config,
    text: &str,
    by: &Audit,
) -> Result<DutyImport, AppError> {
    let parsed = parse_duty_csv(text).refused_as(|e| e.to_string())?;
    let known = store.staff_ids()?;
    check_known_staff(text, &parsed, |e| &e.staff, &known).refused_as(|e| e.to_string())?;
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
    Ok(DutyImport {
        entries: n,
        on_working_days,
    })
}

/// A meeting as typed: hall times or RFC 3339, `STAFF=TIME` sign-ins, invitees (none: all
/// active staff).
pub struct MeetingText<'a> {
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
pub fn record_meeting_text(
    store: &mut Store,
    config: &Config,
    m: &MeetingText<'_>,
    by: &Audit,
) -> Result<(i64, Meeting), AppError> {
    let schedule = &config.rules.engine.schedule;
    if m.title.trim().is_empty() {
        return Err(AppError::refused(
            "会议名称为空,应填写会议名称,如 月例会 (the title is empty; expected the meeting's name)",
        ));
    }
    let start = time_field(m.start, "开始时间 start", schedule)?;
    let end = time_field(m.end, "结束时间 end", schedule)?;
    if end <= start {
        return Err(AppError::refused(format!(
            "结束时间 {} 不晚于开始时间 {} (the end is not after the start)",
            local(schedule, end),
            local(schedule, start)
        )));
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
            .refused_as(|e| format!("参会人员 invitee: {e}"))?
    };
    let day = schedule.to_civil(start).date();
    let mut sign_ins = Vec::new();
    for s in m.sign_in {
        let (who, when) = s.split_once('=').ok_or_else(|| {
            AppError::refused(format!(
                "签到 sign-in {s:?}: 应为 工号=时间 (expected STAFF=TIME, e.g. 0001=15:02)"
            ))
        })?;
        let staff = StaffId::new(who).refused_as(|e| format!("签到 sign-in {s:?}: {e}"))?;
        let at = if when.trim().len() <= 8 {
            let t: jiff::civil::Time = when.trim().parse().refused_as(|e| {
                format!("签到 sign-in {s:?}: 时间 {when:?} 应为 HH:MM (time is not HH:MM: {e})")
            })?;
            time_field(&day.to_datetime(t).to_string(), "签到 sign-in", schedule)?
        } else {
            time_field(when, "签到 sign-in", schedule)?
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

/// The first instant of a civil day in `zone` (a midnight in a DST gap moves later).
pub(crate) fn day_start(zone: &jiff::tz::TimeZone, d: Date) -> Result<Timestamp, AppError> {
    zone.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .failed_while(|| format!("placing {d} in the hall's zone"))
}

/// A time the user typed into the field named `field` (hall time or RFC 3339).
fn time_field(text: &str, field: &str, schedule: &ScheduleConfig) -> Result<Timestamp, AppError> {
    parse_csv_time(text, schedule).refused_as(|e| format!("{field}: {e}"))
}

/// An instant as hall time, to the second.
pub fn local(schedule: &ScheduleConfig, at: Timestamp) -> String {
    schedule
        .to_civil(at)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// An approval level's key (as `hallclock leave approve` takes it).
pub fn level_key(level: ApprovalLevel) -> &'static str {
    crate::core::codes::code_of(crate::core::codes::APPROVAL_LEVEL_CODES, level)
}

/// An approval level in words, Chinese then English.
pub fn level_zh(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "稽查督办科 inspection office",
        ApprovalLevel::DeputyDirector => "分管领导 deputy director",
        ApprovalLevel::DirectorWithUnitCertificate => "主要领导 director (with unit certificate)",
    }
}

/// An amendment in words, for the audit log.
pub fn amendment_detail(a: &Amendment) -> String {
    let (what, at) = match a.correction {
        Correction::AddPunch { at } => ("add", at),
        Correction::VoidPunch { at } => ("void", at),
    };
    format!("{} {what} {at}: {}", a.staff, a.reason.trim())
}
