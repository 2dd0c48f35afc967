//! The hall's set-up pages: window posts with their A and B, the duty roster, the holiday
//! calendar, meeting attendance, and the 断档 (unattended window) list. Each handler checks the
//! session and the role (and the CSRF token on a POST), calls the [`Console`] port, writes each
//! change to the audit log, and renders through [`html`] with every value escaped.
//!
//! No parsing of roster, holiday or meeting files lives here: the port passes the text to the
//! same functions `hallclock duty|calendar|meeting` use.
//!
//! [`Console`]: super::Console
//! [`html`]: super::html

use std::fmt::Write;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, local, month_param, session_text, staff_param, Params, YEARS};
use super::html::{csrf_field, esc, message};
use super::i18n::t;
use super::report::{gap_rows, report_query, SpanKind};
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::{AppState, CalendarImport, DutyImport, MeetingForm, MeetingLine, PostLine};

fn year_param(state: &AppState, q: &Params) -> Result<i16, String> {
    match q.get("year").map(|y| y.trim()).filter(|y| !y.is_empty()) {
        None => Ok(state.console.zone().to_datetime(state.now()).date().year()),
        Some(y) => y
            .parse::<i16>()
            .ok()
            .filter(|y| YEARS.contains(y))
            .ok_or_else(|| {
                format!(
                    "year {y:?}: expected a year from {} to {}",
                    YEARS.start(),
                    YEARS.end()
                )
            }),
    }
}

fn text_field(f: &Params, key: &str) -> String {
    f.get(key).map(|v| v.trim().to_string()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Window posts

pub async fn posts(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    posts_page(&state, &s, String::new(), StatusCode::OK).await
}

async fn posts_page(state: &AppState, s: &Signed, note: String, status: StatusCode) -> Response {
    let lang = s.lang;
    let list = match call(state, |c| c.posts()).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let mut b = note;
    let _ = write!(
        b,
        "<table id=\"posts\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "col.post")),
        esc(t(lang, "post.a")),
        esc(t(lang, "post.b"))
    );
    for p in &list {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.post),
            esc(p.holder.as_str()),
            esc(p.backup.as_str())
        );
    }
    b.push_str("</table>");
    if allowed(s.session.role, Permission::EditRoster) {
        let _ = write!(
            b,
            "<form class=\"card\" method=\"post\" action=\"/posts\">{}<label>{}<br><input name=\"post\" id=\"post-id\" required></label><label>{}<br><input name=\"a\" id=\"post-a\" required></label><label>{}<br><input name=\"b\" id=\"post-b\" required></label><button id=\"post-set\">{}</button></form>",
            csrf_field(&s.session.csrf),
            esc(t(lang, "col.post")),
            esc(t(lang, "post.a")),
            esc(t(lang, "post.b")),
            esc(t(lang, "post.set")),
        );
    }
    s.page(status, "nav.posts", &b)
}

pub async fn post_set(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    CheckedForm(s, f, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let parsed = (|| -> Result<PostLine, String> {
        let post = text_field(&f, "post");
        if post.is_empty() {
            return Err("post: expected the window post's id, e.g. W03".into());
        }
        let holder = staff_param(f.get("a"))?.ok_or("a: expected a staff id")?;
        let backup = staff_param(f.get("b"))?.ok_or("b: expected a staff id")?;
        Ok(PostLine {
            post,
            holder,
            backup,
        })
    })();
    let line = match parsed {
        Ok(l) => l,
        Err(e) => {
            let note = message("err", &e);
            return posts_page(&state, &s, note, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let l2 = line.clone();
    let now = state.now();
    let by = s.actor(peer);
    let result = call(&state, move |c| c.set_post(&l2, now, &by)).await;
    let done = |()| {
        let detail = format!("{}: A {} B {}", line.post, line.holder, line.backup);
        message("ok", &format!("{} {detail}", t(lang, "post.done")))
    };
    s.after_change(result, done, |note, status| {
        posts_page(&state, &s, note, status)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Duty roster

pub async fn duty(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    duty_page(&state, &s, String::new(), StatusCode::OK).await
}

async fn duty_page(state: &AppState, s: &Signed, note: String, status: StatusCode) -> Response {
    let lang = s.lang;
    let month = match month_param(state, &s.q) {
        Ok(m) => m,
        Err(e) => return s.bad_request(&e),
    };
    let list = match call(state, move |c| c.duty(month)).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let mut b = note;
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"/duty\"><label>{} <input name=\"month\" id=\"month\" value=\"{}\"></label><button>{}</button></form><table id=\"duty\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "report.month")),
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "search")),
        esc(t(lang, "col.date")),
        esc(t(lang, "col.id")),
        esc(t(lang, "col.name")),
        esc(t(lang, "duty.sessions")),
    );
    for d in &list {
        let mut sessions = Vec::new();
        if d.morning {
            sessions.push(session_text(lang, crate::core::schedule::Session::Morning));
        }
        if d.afternoon {
            sessions.push(session_text(
                lang,
                crate::core::schedule::Session::Afternoon,
            ));
        }
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.date,
            esc(d.staff.as_str()),
            esc(&d.name),
            esc(&sessions.join(" "))
        );
    }
    b.push_str("</table>");
    if allowed(s.session.role, Permission::EditRoster) {
        let _ = write!(
            b,
            "<form class=\"card\" method=\"post\" action=\"/duty\">{}<label>{}<br><textarea name=\"csv\" id=\"duty-csv\" rows=\"8\" cols=\"60\" required></textarea></label><button id=\"duty-import\">{}</button></form>",
            csrf_field(&s.session.csrf),
            esc(t(lang, "duty.import")),
            esc(t(lang, "duty.submit")),
        );
    }
    s.page(status, "nav.duty", &b)
}

pub async fn duty_import(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    CheckedForm(s, f, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let csv = f.get("csv").cloned().unwrap_or_default();
    let by = s.actor(peer);
    let result = call(&state, move |c| c.import_duty(&csv, &by)).await;
    let done = |n: DutyImport| {
        let mut note = message("ok", &format!("{} {}", t(lang, "duty.done"), n.entries));
        if !n.on_working_days.is_empty() {
            note.push_str(&message(
                "warn",
                &format!("{}: {}", t(lang, "duty.note"), n.on_working_days.join(", ")),
            ));
        }
        note
    };
    s.after_change(result, done, |note, status| {
        duty_page(&state, &s, note, status)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Holiday calendar

pub async fn holidays(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    holidays_page(&state, &s, String::new(), StatusCode::OK).await
}

async fn holidays_page(state: &AppState, s: &Signed, note: String, status: StatusCode) -> Response {
    let lang = s.lang;
    let year = match year_param(state, &s.q) {
        Ok(y) => y,
        Err(e) => return s.bad_request(&e),
    };
    let list = match call(state, move |c| c.holidays(year)).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let mut b = note;
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"/holidays\"><label>{} <input name=\"year\" id=\"year\" value=\"{year}\"></label><button>{}</button></form><table id=\"holidays\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "report.year")),
        esc(t(lang, "search")),
        esc(t(lang, "col.date")),
        esc(t(lang, "holiday.kind")),
        esc(t(lang, "col.name")),
    );
    for h in &list {
        let kind = if h.holiday {
            "holiday.holiday"
        } else {
            "holiday.workday"
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            h.date,
            esc(t(lang, kind)),
            esc(&h.name)
        );
    }
    b.push_str("</table>");
    if allowed(s.session.role, Permission::EditCalendar) {
        let _ = write!(
            b,
            "<form class=\"card\" method=\"post\" action=\"/holidays\">{}<label>{}<br><textarea name=\"text\" id=\"holiday-text\" rows=\"10\" cols=\"60\" required></textarea></label><button id=\"holiday-import\">{}</button></form>",
            csrf_field(&s.session.csrf),
            esc(t(lang, "holiday.import")),
            esc(t(lang, "duty.submit")),
        );
    }
    s.page(status, "nav.holidays", &b)
}

pub async fn holidays_import(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    CheckedForm(s, f, _): CheckedForm<need::EditCalendar>,
) -> Response {
    let lang = s.lang;
    let text = f.get("text").cloned().unwrap_or_default();
    let by = s.actor(peer);
    let result = call(&state, move |c| c.import_calendar(&text, &by)).await;
    let done = |n: CalendarImport| {
        let years: Vec<String> = n.years.iter().map(ToString::to_string).collect();
        let detail = format!(
            "{} holidays, {} make-up workdays, {} summer periods for {}",
            n.holidays,
            n.workdays,
            n.summers,
            years.join(", ")
        );
        message("ok", &format!("{}: {detail}", t(lang, "holiday.done")))
    };
    s.after_change(result, done, |note, status| {
        holidays_page(&state, &s, note, status)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Meetings

pub async fn meetings(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    meetings_page(&state, &s, String::new(), StatusCode::OK).await
}

async fn meetings_page(state: &AppState, s: &Signed, note: String, status: StatusCode) -> Response {
    let lang = s.lang;
    let month = match month_param(state, &s.q) {
        Ok(m) => m,
        Err(e) => return s.bad_request(&e),
    };
    let list = match call(state, move |c| c.meetings(month)).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let mut b = note;
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"/meetings\"><label>{} <input name=\"month\" id=\"month\" value=\"{}\"></label><button>{}</button></form><table id=\"meetings\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "report.month")),
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "search")),
        esc(t(lang, "meeting.title")),
        esc(t(lang, "meeting.start")),
        esc(t(lang, "meeting.end")),
        esc(t(lang, "meeting.invited")),
        esc(t(lang, "meeting.signed")),
    );
    for m in &list {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.title),
            esc(&local(state, m.start)),
            esc(&local(state, m.end)),
            m.invited,
            m.signed_in
        );
    }
    b.push_str("</table>");
    if allowed(s.session.role, Permission::EditRoster) {
        let _ = write!(
            b,
            "<form class=\"card\" method=\"post\" action=\"/meetings\">{}<label>{}<br><input name=\"title\" id=\"meeting-title\" required></label><label>{}<br><input name=\"start\" id=\"meeting-start\" placeholder=\"2026-11-05 15:00\" required></label><label>{}<br><input name=\"end\" id=\"meeting-end\" placeholder=\"2026-11-05 16:30\" required></label><label>{}<br><input name=\"invite\" id=\"meeting-invite\"></label><label>{}<br><textarea name=\"sign_in\" id=\"meeting-sign-in\" rows=\"6\" cols=\"40\"></textarea></label><button id=\"meeting-record\">{}</button></form>",
            csrf_field(&s.session.csrf),
            esc(t(lang, "meeting.title")),
            esc(t(lang, "meeting.start")),
            esc(t(lang, "meeting.end")),
            esc(t(lang, "meeting.invite")),
            esc(t(lang, "meeting.sign_in")),
            esc(t(lang, "meeting.submit")),
        );
    }
    s.page(status, "nav.meetings", &b)
}

pub async fn meeting_record(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    CheckedForm(s, f, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let list = |key: &str, seps: &[char]| -> Vec<String> {
        text_field(&f, key)
            .split(seps)
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let form = MeetingForm {
        title: text_field(&f, "title"),
        start: text_field(&f, "start"),
        end: text_field(&f, "end"),
        invite: list("invite", &[',', '，', ' ', '\n']),
        sign_in: list("sign_in", &['\n', ',', '，']),
    };
    let by = s.actor(peer);
    let result = call(&state, move |c| c.record_meeting(&form, &by)).await;
    let done = |m: MeetingLine| {
        let detail = format!(
            "{} {}: {} invited, {} signed in",
            m.title,
            local(&state, m.start),
            m.invited,
            m.signed_in
        );
        message("ok", &format!("{} {detail}", t(lang, "meeting.done")))
    };
    s.after_change(result, done, |note, status| {
        meetings_page(&state, &s, note, status)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 断档

/// The month's unattended windows (断档), with the month report's filters.
pub async fn gaps(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let query = match report_query(&state, &s.q, SpanKind::Month) {
        Ok(query) => query,
        Err(e) => return s.bad_request(&e),
    };
    let qq = query.clone();
    let now = state.now();
    let report = match call(&state, move |c| c.report(&qq, now)).await {
        Ok(r) => r,
        Err(e) => return s.failure(e),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"/gaps\"><label>{} <input name=\"month\" id=\"month\" value=\"{}\"></label><label>{} <input name=\"post\" id=\"post\" value=\"{}\"></label><button>{}</button></form>",
        esc(t(lang, "report.month")),
        esc(&report.label),
        esc(t(lang, "col.post")),
        esc(query.post.as_deref().unwrap_or_default()),
        esc(t(lang, "search")),
    );
    if report.gaps.is_empty() {
        b.push_str(&message("ok", t(lang, "report.none")));
    } else {
        let _ = write!(
            b,
            "<table id=\"gaps\"><tr><th>{}</th><th></th><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(t(lang, "col.date")),
            esc(t(lang, "col.post")),
            esc(t(lang, "post.a")),
            esc(t(lang, "post.b"))
        );
        gap_rows(&mut b, lang, &report.gaps);
    }
    s.page(StatusCode::OK, "nav.gaps", &b)
}
