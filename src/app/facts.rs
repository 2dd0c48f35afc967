//! The centre's facts applied to the door's store: the holiday files replace the calendar years
//! they mention, and the hall's staff list sets each person's name, first and last judged day
//! (`active-from`, `active-until`), adding people the door does not have yet (they are judged,
//! not recognised, until a face is enrolled). The daemon's decide stage follows the store's facts generation, so
//! a change reaches the light at the door without a restart. Shared by `hallclock facts pull`
//! and the daemon's facts task.
//!
//! From facts protocol 2 the centre also sends the window posts, the leave in force, the duty
//! roster and the meetings: the door's copy of those is replaced (its own entries are kept, and a
//! centre leave that overlaps one of the door's own is reported and not applied). Faces stay the
//! door's alone.

use jiff::civil::Date;
use jiff::Timestamp;

use super::attendance::import_calendar_text;
use super::{AppError, RefusedAs};
use crate::config::Config;
use crate::core::calendar::DutyEntry;
use crate::core::codes::{
    from_code, Codes, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, SESSIONS_CODES, SESSION_CODES,
};
use crate::core::ids::StaffId;
use crate::core::leave::{HalfDay, LeaveRequest, Post, PostId};
use crate::core::rules::{Meeting, SignIn};
use crate::store::{
    Approval, Audit, CentreFacts, CentreFactsApplied, CentreLeave, StaffImportRow, Store,
};
use crate::uplink::wire::{WireFacts, FACTS_PROTOCOL};

/// What applying the facts did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactsApplied {
    /// The version applied (the centre's `ETag`).
    pub version: String,
    pub holiday_files: usize,
    pub staff_added: usize,
    pub staff_updated: usize,
    /// The centre's zone for the hall when it differs from this door's (the door keeps its own).
    pub zone_differs: Option<String>,
    /// People whose last judged day (the centre's active-until) changed.
    pub last_days_changed: usize,
    /// Facts protocol 2: the posts, leave, duty and meetings applied (`None` for protocol 1).
    pub centre: Option<CentreFactsApplied>,
}

/// Applies `facts` to `store` as `by` at `now`; all staff in one transaction.
///
/// # Errors
/// [`AppError::Refused`] when a holiday file or a staff line does not read (naming it; the
/// files before it are kept), [`AppError::Failed`] when the database fails.
pub fn apply(
    store: &mut Store,
    config: &Config,
    facts: &WireFacts,
    now: Timestamp,
    by: &Audit,
) -> Result<FactsApplied, AppError> {
    for file in &facts.holiday_files {
        import_calendar_text(store, config, &file.body, by).map_err(|e| match e {
            AppError::Refused(why) => AppError::Refused(format!(
                "中心下发的节假日文件 {0} 无法导入 / the centre's holiday file {0} does not import: {why}",
                file.name
            )),
            failed => failed,
        })?;
    }
    let mut rows = Vec::with_capacity(facts.staff.len());
    for s in &facts.staff {
        let id = StaffId::new(&s.id).refused_as(|e| {
            format!(
                "中心下发的工号 {:?} 无效 / the centre's staff id {:?} is not valid: {e}",
                s.id, s.id
            )
        })?;
        let active_from = optional_date(s.active_from.as_deref()).refused_as(|e| {
            format!("中心下发的 {} 考勤起始日期无效 / the centre's active-from of {} is not a date: {e}", s.id, s.id)
        })?;
        rows.push(StaffImportRow {
            id,
            name: s.name.clone(),
            post: None,
            department: None,
            active_from,
        });
    }
    // Everything is read before anything is written: a value that does not read changes nothing.
    let mut last_days = Vec::with_capacity(facts.staff.len());
    for (row, s) in rows.iter().zip(&facts.staff) {
        let last = optional_date(s.active_until.as_deref()).refused_as(|e| {
                format!(
                    "中心下发的 {} 考勤截止日期无效 / the centre's active-until of {} is not a date: {e}",
                    s.id, s.id
                )
            })?;
        last_days.push((row.id.clone(), last));
    }
    let centre_facts = if facts.protocol >= FACTS_PROTOCOL {
        Some(read_centre_facts(facts)?)
    } else {
        None
    };
    let summary = store.import_staff(
        &rows,
        now,
        &by.clone().with_detail(format!(
            "facts {} from the centre: {} staff",
            facts.version,
            rows.len()
        )),
    )?;
    let last_days_changed = store.set_last_days(
        &last_days,
        &by.clone()
            .with_detail(format!("facts {} from the centre", facts.version)),
    )?;
    let centre = if let Some(centre_facts) = centre_facts {
        Some(
            store.replace_centre_facts(
                &centre_facts,
                now,
                &by.clone()
                    .with_detail(format!("facts {} from the centre", facts.version)),
            )?,
        )
    } else {
        None
    };
    Ok(FactsApplied {
        version: facts.version.clone(),
        holiday_files: facts.holiday_files.len(),
        staff_added: summary.added,
        staff_updated: summary.updated,
        zone_differs: (facts.zone != config.rules.zone_name).then(|| facts.zone.clone()),
        last_days_changed,
        centre,
    })
}

/// The centre's posts, leave, duty and meetings as the door's store takes them.
///
/// # Errors
/// [`AppError::Refused`] naming the first value that does not read (nothing is applied).
/// A date the centre may leave out (`YYYY-MM-DD`).
fn optional_date(text: Option<&str>) -> Result<Option<Date>, jiff::Error> {
    text.map(str::parse::<Date>).transpose()
}

fn read_centre_facts(facts: &WireFacts) -> Result<CentreFacts, AppError> {
    fn bad(what: &str, value: &str) -> AppError {
        AppError::Refused(format!(
            "中心下发的{what} {value:?} 无法读取 / the centre's {what} {value:?} does not read"
        ))
    }
    let id = |s: &str| StaffId::new(s).map_err(|_| bad("工号 staff id", s));
    let day = |s: &str| s.parse::<Date>().map_err(|_| bad("日期 day", s));
    let at = |s: &str| s.parse::<Timestamp>().map_err(|_| bad("时间 instant", s));
    fn coded<T: Copy>(codes: &Codes<T>, what: &str, s: &str) -> Result<T, AppError> {
        from_code(codes, s).ok_or_else(|| bad(what, s))
    }
    let mut out = CentreFacts::default();
    for p in &facts.posts {
        out.posts.push(Post {
            id: PostId::new(&p.id),
            holder: id(&p.a)?,
            backup: id(&p.b)?,
        });
    }
    for l in &facts.leaves {
        let half = |d: &str, s: &str| -> Result<HalfDay, AppError> {
            Ok(HalfDay {
                date: day(d)?,
                session: coded(SESSION_CODES, "时段 session", s)?,
            })
        };
        out.leaves.push(CentreLeave {
            centre_id: l.id,
            request: LeaveRequest {
                staff: id(&l.staff)?,
                kind: coded(LEAVE_KIND_CODES, "请假类别 leave kind", &l.kind)?,
                first: half(&l.first_day, &l.first_session)?,
                last: half(&l.last_day, &l.last_session)?,
                cover: l.cover.as_deref().map(id).transpose()?,
                reason: l.reason.clone(),
                approval_required: coded(
                    APPROVAL_LEVEL_CODES,
                    "审批级别 approval level",
                    &l.level,
                )?,
            },
            approval: Approval {
                level: coded(APPROVAL_LEVEL_CODES, "审批级别 approval level", &l.level)?,
                by: l.approved_by.clone(),
                certified_by: l.certified_by.clone(),
                at: at(&l.approved_at)?,
            },
            closed_at: l.closed_at.as_deref().map(at).transpose()?,
        });
    }
    for d in &facts.duty {
        out.duty.push(DutyEntry {
            staff: id(&d.staff)?,
            date: day(&d.day)?,
            sessions: coded(SESSIONS_CODES, "值班时段 duty sessions", &d.sessions)?,
        });
    }
    for m in &facts.meetings {
        out.meetings.push((
            m.id,
            Meeting {
                title: m.title.clone(),
                start: at(&m.start)?,
                end: at(&m.end)?,
                invited: m.invited.iter().map(|s| id(s)).collect::<Result<_, _>>()?,
                sign_ins: m
                    .sign_ins
                    .iter()
                    .map(|s| {
                        Ok(SignIn {
                            staff: id(&s.staff)?,
                            at: at(&s.at)?,
                        })
                    })
                    .collect::<Result<_, AppError>>()?,
            },
        ));
    }
    Ok(out)
}
