//! The door console's HTML: its page frame (the navigation its roles may use, around the
//! shared shell), the month filter and translated table headers. Escaping, the shell, forms,
//! tables and printed sheets' lines are `hallclock_web::html`, re-exported here for the pages.

pub use hallclock_web::html::{
    csrf_field, esc, message, print_head, select, signatures, table_head, Form, Input,
};
use hallclock_web::html::{nav_bar, shell};

use super::i18n::{t, Lang};
use super::security::{allowed, Permission, Role};

/// The signed-in user, for the page frame.
pub struct Viewer<'a> {
    pub account: &'a str,
    pub role: Role,
    pub csrf: &'a str,
}

/// A whole page: head, the navigation the role may use, and `body`.
pub fn page(lang: Lang, title: &str, viewer: Option<&Viewer<'_>>, body: &str) -> String {
    let nav = viewer.map(|v| {
        let links = [
            ("/today", "nav.today", Permission::ViewReports),
            ("/staff", "nav.staff", Permission::ViewStaff),
            ("/enrol", "nav.enrol", Permission::Enrol),
            ("/leave", "nav.leave", Permission::EnterLeave),
            ("/report", "nav.report", Permission::ViewReports),
            ("/calendar", "nav.calendar", Permission::ViewReports),
            ("/sheet", "nav.sheet", Permission::ViewReports),
            ("/gaps", "nav.gaps", Permission::ViewReports),
            ("/posts", "nav.posts", Permission::ViewStaff),
            ("/duty", "nav.duty", Permission::ViewStaff),
            ("/holidays", "nav.holidays", Permission::ViewStaff),
            ("/meetings", "nav.meetings", Permission::ViewReports),
            ("/amend", "nav.amend", Permission::AmendPunches),
            ("/status", "nav.status", Permission::ViewStatus),
            ("/spoofs", "nav.spoofs", Permission::ViewReports),
            ("/audit", "nav.audit", Permission::ViewAudit),
        ];
        let mine: Vec<(&str, &str)> = links
            .iter()
            .filter(|(_, _, perm)| allowed(v.role, *perm))
            .map(|(href, key, _)| (*href, t(lang, key)))
            .collect();
        let role = t(lang, &format!("role.{}", v.role.key()));
        nav_bar(lang, &mine, v.account, role, v.csrf)
    });
    shell(lang, t(lang, "app"), title, nav.as_deref(), body)
}

/// A filter form for one month (`month=2026-11`) on `action`.
pub fn month_filter(action: &str, lang: Lang, month: jiff::civil::Date) -> String {
    Form::get(action)
        .field(
            t(lang, "report.month"),
            &Input::new("month", "month")
                .value(&month.strftime("%Y-%m").to_string())
                .html(),
        )
        .submit(None, t(lang, "search"))
}

/// A field for a person, found by an id, a name or its pinyin initials (the hint says so),
/// holding `value`.
pub fn person_input(lang: Lang, name: &str, id: &str, value: &str) -> Input {
    Input::new(name, id)
        .value(value)
        .placeholder(t(lang, "find.hint"))
}

/// The texts of the i18n `keys` in `lang`, e.g. a table's headers for [`table_head`].
pub fn headers(lang: Lang, keys: &[&str]) -> Vec<&'static str> {
    keys.iter().map(|key| t(lang, key)).collect()
}

/// A `<select>` of `(value, text)` options with `chosen` selected (the first when none is).
pub fn select_value(
    name: &str,
    id: Option<&str>,
    options: &[(&str, &str)],
    chosen: &str,
) -> String {
    let plain = select(name, id, options);
    let at = format!("<option value=\"{}\">", esc(chosen));
    match options.iter().any(|(v, _)| *v == chosen) {
        true => plain.replacen(
            &at,
            &format!("<option value=\"{}\" selected>", esc(chosen)),
            1,
        ),
        false => plain,
    }
}

/// A `<textarea>` of `rows` × `cols` holding `value` (what was typed before a refusal).
pub fn textarea_value(
    name: &str,
    id: &str,
    (rows, cols): (u32, u32),
    required: bool,
    value: &str,
) -> String {
    format!(
        "<textarea name=\"{}\" id=\"{}\" rows=\"{rows}\" cols=\"{cols}\"{}>{}</textarea>",
        esc(name),
        esc(id),
        if required { " required" } else { "" },
        esc(value)
    )
}
