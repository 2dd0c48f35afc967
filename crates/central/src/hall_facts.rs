//! The operations on the hall's facts the centre owns beside the staff list, shared by the
//! commands (and the pages): a leave recorded with the approval level its length requires, an
//! approval checked by the core's one rule (`check_approver`: nobody approves their own leave,
//! the level covers the length, two days or more name an independent certifier), a meeting's
//! times read in the hall's zone. Joins `store` to the core; holds no SQL.

use hallclock_core::calendar::Calendar;
use hallclock_core::ids::StaffId;
use hallclock_core::leave::{
    approval_detail, check_approver, ApprovalClaim, ApprovalLevel, ApprovalRefused, Approver,
    LeaveId, LeavePolicy, LeaveRequestRefused,
};
use hallclock_core::rules::{Meeting, SignIn};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::month::{self, MonthError};
use crate::store::{AuditEntry, NewLeave, Store, StoreError};

/// Why a fact was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Month(#[from] MonthError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("leave {0} is not on record in that hall")]
    UnknownLeave(LeaveId),
    #[error(transparent)]
    Approval(#[from] ApprovalRefused),
    #[error(transparent)]
    Request(#[from] LeaveRequestRefused),
    #[error("{field} {text:?}: expected {expected}")]
    BadTime {
        field: &'static str,
        text: String,
        expected: &'static str,
    },
    #[error("the meeting ends at {end}, not after it starts at {start}")]
    Backwards { start: String, end: String },
}

/// A leave recorded: its id, its working half days and the level it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaveRecorded {
    pub id: LeaveId,
    pub half_days: u32,
    pub level: ApprovalLevel,
}

/// Records `new` in `hall` with the approval level its working half days require (the
/// county's calendar counts them; `new.approval_required` is replaced), and `audit` (its detail
/// written here) in the same transaction.
///
/// # Errors
/// [`FactsError`]: the calendar does not read, the leave makes no sense (the core's
/// `check_request`: covering oneself, only days off), overlaps another, or names someone unknown.
pub async fn record_leave(
    store: &mut Store,
    hall: &str,
    mut new: NewLeave,
    policy: &LeavePolicy,
    audit: &AuditEntry,
) -> Result<LeaveRecorded, FactsError> {
    let calendar: Calendar = month::calendar(store).await?;
    let half_days = new.settle(&calendar, policy)?;
    let level = new.approval_required;
    let audit = audit.with_detail(new.audit_detail(half_days));
    let id = store.add_leave(hall, &new, &audit).await?;
    Ok(LeaveRecorded {
        id,
        half_days,
        level,
    })
}

/// An approval about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalAsked<'a> {
    pub id: LeaveId,
    /// The level claimed; `None`: the level the leave requires.
    pub level: Option<ApprovalLevel>,
    pub by: &'a str,
    /// The highest level `by`'s role may record.
    pub may_approve: Option<ApprovalLevel>,
    pub certified_by: Option<&'a str>,
}

/// Approves leave `asked.id` of `hall` at `now` after the core's check, with `audit` (its detail
/// written here) in the same transaction. Returns the level recorded.
///
/// # Errors
/// [`FactsError::UnknownLeave`], [`FactsError::Approval`] (self-approval, level too low, no or a
/// dependent certifier), [`FactsError::Store`] (already approved or cancelled).
pub async fn approve_leave(
    store: &mut Store,
    hall: &str,
    asked: &ApprovalAsked<'_>,
    now: Timestamp,
    audit: &AuditEntry,
) -> Result<ApprovalLevel, FactsError> {
    let line = store
        .leave(hall, asked.id)
        .await?
        .ok_or(FactsError::UnknownLeave(asked.id))?;
    let names = store.staff_names(hall).await?;
    let level = asked.level.unwrap_or(line.approval_required);
    check_approver(
        &ApprovalClaim {
            leave: asked.id,
            staff: &line.leave.staff,
            staff_name: names.get(&line.leave.staff).map(String::as_str),
            required: line.approval_required,
            level,
            certified_by: asked.certified_by,
        },
        &Approver {
            name: asked.by,
            may_approve: asked.may_approve,
        },
    )?;
    let audit = audit.with_detail(approval_detail(
        asked.id,
        &line.leave.staff,
        level,
        asked.by,
        asked.certified_by,
    ));
    store
        .approve_leave(
            hall,
            asked.id,
            level,
            asked.by.trim(),
            asked.certified_by,
            now,
            &audit,
        )
        .await?;
    Ok(level)
}

/// An instant typed for `field`: RFC 3339 with an offset, or `YYYY-MM-DD HH:MM[:SS]` in the
/// hall's zone.
///
/// # Errors
/// [`FactsError::BadTime`] naming the field.
pub fn hall_time(
    zone: &TimeZone,
    field: &'static str,
    text: &str,
) -> Result<Timestamp, FactsError> {
    let t = text.trim();
    let bad = || FactsError::BadTime {
        field,
        text: t.to_string(),
        expected: "YYYY-MM-DD HH:MM in the hall's zone, or RFC 3339 with an offset",
    };
    if let Ok(at) = t.parse::<Timestamp>() {
        return Ok(at);
    }
    let civil: DateTime = t.replace(' ', "T").parse().map_err(|_| bad())?;
    zone.to_ambiguous_timestamp(civil)
        .compatible()
        .map_err(|_| bad())
}

/// A meeting as typed: times in the hall's zone, sign-ins as `STAFF=HH:MM` on the meeting's day
/// (or `STAFF=` a full time).
pub struct MeetingText<'a> {
    pub title: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub invited: Vec<StaffId>,
    pub sign_ins: &'a [String],
}

/// Reads a typed meeting in `zone`.
///
/// # Errors
/// [`FactsError::BadTime`], [`FactsError::Backwards`].
pub fn read_meeting(zone: &TimeZone, m: MeetingText<'_>) -> Result<Meeting, FactsError> {
    let start = hall_time(zone, "--start", m.start)?;
    let end = hall_time(zone, "--end", m.end)?;
    if end <= start {
        return Err(FactsError::Backwards {
            start: m.start.to_string(),
            end: m.end.to_string(),
        });
    }
    let day: Date = zone.to_datetime(start).date();
    let mut sign_ins = Vec::new();
    for s in m.sign_ins {
        let bad = || FactsError::BadTime {
            field: "--sign-in",
            text: s.clone(),
            expected: "STAFF=HH:MM (e.g. 0001=15:02) or STAFF=YYYY-MM-DD HH:MM",
        };
        let (who, when) = s.split_once('=').ok_or_else(bad)?;
        let staff = StaffId::new(who.trim()).map_err(|_| bad())?;
        let at = match when.trim().parse::<Time>() {
            Ok(time) => zone
                .to_ambiguous_timestamp(day.to_datetime(time))
                .compatible()
                .map_err(|_| bad())?,
            Err(_) => hall_time(zone, "--sign-in", when)?,
        };
        sign_ins.push(SignIn { staff, at });
    }
    Ok(Meeting {
        title: m.title.trim().to_string(),
        start,
        end,
        invited: m.invited,
        sign_ins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_read_in_the_halls_zone() {
        let zone = TimeZone::get("Asia/Shanghai").expect("zone");
        let m = read_meeting(
            &zone,
            MeetingText {
                title: " 月例会 ",
                start: "2026-10-14 15:00",
                end: "2026-10-14T16:00:00+08:00",
                invited: Vec::new(),
                sign_ins: &[
                    "0001=15:02".to_string(),
                    "0002=2026-10-14 14:58".to_string(),
                ],
            },
        )
        .expect("meeting");
        assert_eq!(m.title, "月例会");
        assert_eq!(m.start.to_string(), "2026-10-14T07:00:00Z");
        assert_eq!(m.end.to_string(), "2026-10-14T08:00:00Z");
        assert_eq!(m.sign_ins[0].at.to_string(), "2026-10-14T07:02:00Z");
        assert_eq!(m.sign_ins[1].at.to_string(), "2026-10-14T06:58:00Z");
        let backwards = MeetingText {
            title: "x",
            start: "2026-10-14 15:00",
            end: "2026-10-14 14:00",
            invited: Vec::new(),
            sign_ins: &[],
        };
        assert!(matches!(
            read_meeting(&zone, backwards),
            Err(FactsError::Backwards { .. })
        ));
        let err = read_meeting(
            &zone,
            MeetingText {
                title: "x",
                start: "2026-10-14 15:00",
                end: "2026-10-14 16:00",
                invited: Vec::new(),
                sign_ins: &["0001 15:02".to_string()],
            },
        )
        .expect_err("no =");
        assert!(err
            .to_string()
            .starts_with("--sign-in \"0001 15:02\": expected STAFF=HH:MM"));
    }
}
