//! People as forms name them, shared by the CLI and the console: the person a staff field
//! means (an id, a name or its pinyin initials, through `core::names::find`; several matches
//! are refused with the candidates to choose from), the typed-id confirmation before a person
//! is deactivated, and departments (派驻单位): setting one, and who belongs to one for the
//! reports' filter.
//!
//! No SQL and no matching rule lives here (the core's `names` decides what matches); a wrong
//! input is [`AppError::Refused`] in Chinese first, then English.

use std::collections::{BTreeMap, BTreeSet};

use super::AppError;
use crate::core::ids::StaffId;
use crate::core::names::{find, Found};
use crate::store::{Audit, Store};

/// How many candidates a refusal names at most.
const CANDIDATES_SHOWN: usize = 12;

/// Everyone on the staff list as (id, name), by id.
///
/// # Errors
/// [`AppError::Failed`] when the store cannot be read.
pub fn people(store: &Store) -> Result<Vec<(StaffId, String)>, AppError> {
    Ok(store
        .list_staff("")?
        .into_iter()
        .map(|l| (l.staff.staff_id, l.staff.name))
        .collect())
}

/// The person `typed` into a staff field means among `people`: an id, a name, the name's
/// pinyin initials (`wf` for 王芳) or part of a name.
///
/// # Errors
/// [`AppError::Refused`] when nobody matches, or several do (naming them, to choose from).
pub fn resolve_among(typed: &str, people: &[(StaffId, String)]) -> Result<StaffId, AppError> {
    let name_of = |id: &StaffId| {
        people
            .iter()
            .find(|(i, _)| i == id)
            .map_or("", |(_, n)| n.as_str())
    };
    match find(typed, people) {
        Found::One(id) => Ok(id),
        Found::Nobody => Err(AppError::refused(format!(
            "没有找到「{}」:请填写工号、姓名或姓名拼音首字母(如 wf) (nobody matches {:?}; expected a staff id, a name or its pinyin initials)",
            typed.trim(),
            typed.trim()
        ))),
        Found::Many(ids) => {
            let mut listed: Vec<String> = ids
                .iter()
                .take(CANDIDATES_SHOWN)
                .map(|id| format!("{id} {}", name_of(id)))
                .collect();
            if ids.len() > CANDIDATES_SHOWN {
                listed.push(format!("… 共 {} 人", ids.len()));
            }
            Err(AppError::refused(format!(
                "「{}」对应多人,请填写其中一人的工号:{} ({} people match {:?}; expected one staff id)",
                typed.trim(),
                listed.join("、"),
                ids.len(),
                typed.trim()
            )))
        }
    }
}

/// [`resolve_among`] everyone on the staff list.
///
/// # Errors
/// As [`resolve_among`]; [`AppError::Failed`] when the store cannot be read.
pub fn resolve_staff(store: &Store, typed: &str) -> Result<StaffId, AppError> {
    resolve_among(typed, &people(store)?)
}

/// Checks the id typed to confirm erasing `id`'s face data or deactivating them.
///
/// # Errors
/// [`AppError::Refused`] when `typed` is not `id`.
pub fn check_typed_id(id: &StaffId, typed: &str) -> Result<(), AppError> {
    if typed.trim() == id.as_str() {
        Ok(())
    } else {
        Err(AppError::refused(format!(
            "确认失败:输入的工号「{}」与 {id} 不一致,未做任何更改 (the id typed to confirm, {:?}, is not {id}; nothing was changed)",
            typed.trim(),
            typed.trim()
        )))
    }
}

/// Sets (or with `None`, clears) the department of `id`, with its audit line.
///
/// # Errors
/// [`AppError::Refused`] for an unknown person; [`AppError::Failed`] when the store fails.
pub fn set_department(
    store: &mut Store,
    id: &StaffId,
    department: Option<&str>,
    by: &Audit,
) -> Result<(), AppError> {
    let department = department.map(str::trim).filter(|d| !d.is_empty());
    let detail = format!("{id}: department {}", department.unwrap_or("-"));
    store.set_department(id, department, &by.clone().with_detail(detail))?;
    Ok(())
}

/// Everyone's department, by id (who has none is absent).
///
/// # Errors
/// [`AppError::Failed`] when the store cannot be read.
pub fn departments(store: &Store) -> Result<BTreeMap<StaffId, String>, AppError> {
    Ok(store.departments()?)
}

/// The people of `department` among `departments`, for a report's filter.
///
/// # Errors
/// [`AppError::Refused`] when nobody is in that department (naming the departments there are).
pub fn members_of(
    department: &str,
    departments: &BTreeMap<StaffId, String>,
) -> Result<BTreeSet<StaffId>, AppError> {
    let wanted = department.trim();
    let members: BTreeSet<StaffId> = departments
        .iter()
        .filter(|(_, d)| d.trim() == wanted)
        .map(|(id, _)| id.clone())
        .collect();
    if members.is_empty() {
        let known: BTreeSet<&str> = departments.values().map(|d| d.trim()).collect();
        return Err(AppError::refused(format!(
            "没有派驻单位为「{wanted}」的人员;已有的派驻单位:{} (no staff in department {wanted:?}; the departments on record are listed)",
            if known.is_empty() {
                "无".to_string()
            } else {
                known.into_iter().collect::<Vec<_>>().join("、")
            }
        )));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> StaffId {
        StaffId::new(s).unwrap()
    }

    #[test]
    fn a_typed_name_resolves_or_names_the_candidates() {
        let people = vec![
            (id("0001"), "王芳".to_string()),
            (id("0002"), "李强".to_string()),
            (id("0004"), "王峰".to_string()),
        ];
        assert_eq!(resolve_among("lq", &people).unwrap(), id("0002"));
        assert_eq!(resolve_among("王芳", &people).unwrap(), id("0001"));
        let e = resolve_among("wf", &people).unwrap_err().to_string();
        assert!(e.starts_with("「wf」对应多人"), "{e}");
        assert!(e.contains("0001 王芳、0004 王峰"), "{e}");
        let e = resolve_among("zz", &people).unwrap_err().to_string();
        assert!(e.starts_with("没有找到「zz」"), "{e}");
    }

    #[test]
    fn the_typed_id_must_be_the_persons() {
        assert!(check_typed_id(&id("0001"), " 0001 ").is_ok());
        let e = check_typed_id(&id("0001"), "0002").unwrap_err().to_string();
        assert!(e.starts_with("确认失败"), "{e}");
    }

    #[test]
    fn a_department_filter_finds_its_members_or_lists_the_departments() {
        let d: BTreeMap<StaffId, String> = [
            (id("0001"), "税务局".to_string()),
            (id("0002"), "人社局".to_string()),
            (id("0003"), "税务局".to_string()),
        ]
        .into();
        assert_eq!(
            members_of("税务局", &d).unwrap(),
            [id("0001"), id("0003")].into()
        );
        let e = members_of("公安局", &d).unwrap_err().to_string();
        assert!(e.contains("人社局、税务局"), "{e}");
    }
}
