//! The centre's facts applied to the door's store: the holiday files replace the calendar years
//! they mention, and the hall's staff list sets each person's name and first judged day
//! (`active-from`), adding people the door does not have yet (they are judged, not recognised,
//! until a face is enrolled). The daemon's decide stage follows the store's facts generation, so
//! a change reaches the light at the door without a restart. Shared by `hallclock facts pull`
//! and the daemon's facts task.
//!
//! The door keeps what the centre does not send: faces, its A/B posts, leave, duty and meetings.

use jiff::civil::Date;
use jiff::Timestamp;

use super::attendance::import_calendar_text;
use super::{AppError, RefusedAs};
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::store::{Audit, StaffImportRow, Store};
use crate::uplink::wire::WireFacts;

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
        let active_from = s
            .active_from
            .as_deref()
            .map(str::parse::<Date>)
            .transpose()
            .refused_as(|e| {
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
    let summary = store.import_staff(
        &rows,
        now,
        &by.clone().with_detail(format!(
            "facts {} from the centre: {} staff",
            facts.version,
            rows.len()
        )),
    )?;
    Ok(FactsApplied {
        version: facts.version.clone(),
        holiday_files: facts.holiday_files.len(),
        staff_added: summary.added,
        staff_updated: summary.updated,
        zone_differs: (facts.zone != config.rules.zone_name).then(|| facts.zone.clone()),
    })
}
