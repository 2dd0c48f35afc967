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

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, local, session_text, Params, YEARS};
use super::html::{
    esc, headers, message, month_filter, person_input, table_head, textarea_value, Form, Input,
};
use super::i18n::t;
use super::report::{gap_rows, report_query, SpanKind};
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::{
    AppState, CalendarImport, ConsoleError, DutyImport, MeetingForm, MeetingLine, PostLine,
};

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
    posts_page_typed(state, s, note, status, None).await
}

/// The posts in service (A and B with their names, a retire button), the form (filled with
/// what was typed when refused; the posts in service offered as a list) and the retired posts.
async fn posts_page_typed(
    state: &AppState,
    s: &Signed,
    note: String,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
    let lang = s.lang;
    let found = call(state, |c| Ok((c.posts()?, c.retired_posts()?, c.names()?))).await;
    let (list, retired, names) = match found {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let who = |id: &crate::core::ids::StaffId| {
        format!("{id} {}", names.get(id).map_or("", String::as_str))
    };
    // A post's row: its id, A and B with their names, and `then` (HTML) in a last cell.
    let post_row = |p: &PostLine, then: &str| {
        let last = if then.is_empty() {
            String::new()
        } else {
            format!("<td>{then}</td>")
        };
        format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td>{last}</tr>",
            esc(&p.post),
            esc(&who(&p.holder)),
            esc(&who(&p.backup))
        )
    };
    let can_edit = allowed(s.session.role, Permission::EditRoster);
    let mut b = note;
    b.push_str(&table_head(
        "posts",
        &headers(
            lang,
            if can_edit {
                &["col.post", "post.a", "post.b", "post.retire"]
            } else {
                &["col.post", "post.a", "post.b"]
            },
        ),
    ));
    for p in &list {
        let retire = if can_edit {
            format!(
                "<form method=\"post\" action=\"/posts/retire\" style=\"display:inline\">{}<input type=\"hidden\" name=\"post\" value=\"{post}\"><button id=\"retire-{post}\">{}</button></form>",
                super::html::csrf_field(&s.session.csrf),
                esc(t(lang, "post.retire")),
                post = esc(&p.post),
            )
        } else {
            String::new()
        };
        b.push_str(&post_row(p, &retire));
    }
    b.push_str("</table>");
    if can_edit {
        let value = |k: &str| typed_value(typed, k);
        // A person: an id, a name or its pinyin initials.
        let person =
            |name: &str, id: &str| person_input(lang, name, id, &value(name)).required().html();
        let mut offered = String::from("<datalist id=\"posts-offered\">");
        for p in &list {
            let _ = write!(offered, "<option value=\"{}\">", esc(&p.post));
        }
        offered.push_str("</datalist>");
        b.push_str(
            &Form::post("/posts", &s.session.csrf)
                .field(
                    t(lang, "col.post"),
                    &format!(
                        "{}{offered}",
                        Input::new("post", "post-id")
                            .value(&value("post"))
                            .required()
                            .html()
                            .replacen("<input ", "<input list=\"posts-offered\" ", 1)
                    ),
                )
                .field(t(lang, "post.a"), &person("a", "post-a"))
                .field(t(lang, "post.b"), &person("b", "post-b"))
                .submit(Some("post-set"), t(lang, "post.set")),
        );
    }
    if !retired.is_empty() {
        let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "post.retired")));
        b.push_str(&table_head(
            "posts-retired",
            &headers(lang, &["col.post", "post.a", "post.b"]),
        ));
        for p in &retired {
            b.push_str(&post_row(p, ""));
        }
        b.push_str("</table>");
    }
    s.page(status, "nav.posts", &b)
}

pub async fn post_set(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let post = text_field(&f, "post");
    let (a, b) = (text_field(&f, "a"), text_field(&f, "b"));
    let result = if post.is_empty() {
        Err(ConsoleError::Refused(t(lang, "post.need_post").to_string()))
    } else if a.is_empty() || b.is_empty() {
        Err(ConsoleError::Refused(t(lang, "post.need_ab").to_string()))
    } else {
        let now = state.now();
        call(&state, move |c| {
            let line = PostLine {
                post,
                holder: c.find_staff(&a)?,
                backup: c.find_staff(&b)?,
            };
            c.set_post(&line, now, &by)?;
            Ok(line)
        })
        .await
    };
    match result {
        Ok(line) => {
            let detail = format!("{}: A {} B {}", line.post, line.holder, line.backup);
            let note = message("ok", &format!("{} {detail}", t(lang, "post.done")));
            posts_page(&state, &s, note, StatusCode::OK).await
        }
        Err(ConsoleError::Refused(e)) => {
            posts_page_typed(
                &state,
                &s,
                message("err", &e),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&f),
            )
            .await
        }
        Err(e) => s.failure(e),
    }
}

pub async fn post_retire(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let post = text_field(&f, "post");
    let now = state.now();
    let p2 = post.clone();
    let result = call(&state, move |c| c.retire_post(&p2, now, &by)).await;
    let done = |()| message("ok", &format!("{} {post}", t(lang, "post.retired_done")));
    s.after_change(result, done, |note, status| {
        posts_page(&state, &s, note, status)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Duty roster

pub async fn duty(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    duty_page(&state, &s, String::new(), StatusCode::OK, None).await
}

/// What was typed into a refused form (`status` not 200), for the page to show it again.
fn refused_typed(status: StatusCode, f: &Params) -> Option<&Params> {
    (status != StatusCode::OK).then_some(f)
}

/// The value `typed` holds for `key` (empty when nothing was typed).
fn typed_value(typed: Option<&Params>, key: &str) -> String {
    typed.map(|f| text_field(f, key)).unwrap_or_default()
}

async fn duty_page(
    state: &AppState,
    s: &Signed,
    note: String,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
    let lang = s.lang;
    let (month, list) = match s.month_list(state, |c, month| c.duty(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut b = note;
    b.push_str(&month_filter("/duty", lang, month));
    b.push_str(&super::table::month_nav("/duty", &s.q, month, lang));
    b.push_str(&table_head(
        "duty",
        &headers(lang, &["col.date", "col.id", "col.name", "duty.sessions"]),
    ));
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
        b.push_str(
            &Form::post("/duty", &s.session.csrf)
                .field(
                    t(lang, "duty.import"),
                    &textarea_value("csv", "duty-csv", (8, 60), true, &typed_value(typed, "csv")),
                )
                .submit(Some("duty-import"), t(lang, "duty.submit")),
        );
    }
    s.page(status, "nav.duty", &b)
}

pub async fn duty_import(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::EditRoster>,
) -> Response {
    let lang = s.lang;
    let csv = f.get("csv").cloned().unwrap_or_default();
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
        duty_page(&state, &s, note, status, refused_typed(status, &f))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Holiday calendar

pub async fn holidays(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    holidays_page(&state, &s, String::new(), StatusCode::OK, None).await
}

async fn holidays_page(
    state: &AppState,
    s: &Signed,
    note: String,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
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
    b.push_str(
        &Form::get("/holidays")
            .field(
                t(lang, "report.year"),
                &Input::new("year", "year").value(&year.to_string()).html(),
            )
            .submit(None, t(lang, "search")),
    );
    b.push_str(&table_head(
        "holidays",
        &headers(lang, &["col.date", "holiday.kind", "col.name"]),
    ));
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
        b.push_str(
            &Form::post("/holidays", &s.session.csrf)
                .field(
                    t(lang, "holiday.import"),
                    &textarea_value(
                        "text",
                        "holiday-text",
                        (10, 60),
                        true,
                        &typed_value(typed, "text"),
                    ),
                )
                .submit(Some("holiday-import"), t(lang, "duty.submit")),
        );
    }
    s.page(status, "nav.holidays", &b)
}

pub async fn holidays_import(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::EditCalendar>,
) -> Response {
    let lang = s.lang;
    let text = f.get("text").cloned().unwrap_or_default();
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
        holidays_page(&state, &s, note, status, refused_typed(status, &f))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Meetings

pub async fn meetings(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    meetings_page(&state, &s, String::new(), StatusCode::OK, None).await
}

async fn meetings_page(
    state: &AppState,
    s: &Signed,
    note: String,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
    let lang = s.lang;
    let (month, list) = match s.month_list(state, |c, month| c.meetings(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut b = note;
    b.push_str(&month_filter("/meetings", lang, month));
    b.push_str(&super::table::month_nav("/meetings", &s.q, month, lang));
    b.push_str(&table_head(
        "meetings",
        &[
            t(lang, "meeting.title"),
            t(lang, "meeting.start"),
            t(lang, "meeting.end"),
            t(lang, "meeting.invited"),
            t(lang, "meeting.signed"),
        ],
    ));
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
        b.push_str(
            &Form::post("/meetings", &s.session.csrf)
                .field(
                    t(lang, "meeting.title"),
                    &Input::new("title", "meeting-title")
                        .value(&typed_value(typed, "title"))
                        .required()
                        .html(),
                )
                .field(
                    t(lang, "meeting.start"),
                    &Input::new("start", "meeting-start")
                        .value(&typed_value(typed, "start"))
                        .placeholder("2026-11-05 15:00")
                        .required()
                        .html(),
                )
                .field(
                    t(lang, "meeting.end"),
                    &Input::new("end", "meeting-end")
                        .value(&typed_value(typed, "end"))
                        .placeholder("2026-11-05 16:30")
                        .required()
                        .html(),
                )
                .field(
                    t(lang, "meeting.invite"),
                    &Input::new("invite", "meeting-invite")
                        .value(&typed_value(typed, "invite"))
                        .html(),
                )
                .field(
                    t(lang, "meeting.sign_in"),
                    &textarea_value(
                        "sign_in",
                        "meeting-sign-in",
                        (6, 40),
                        false,
                        &typed_value(typed, "sign_in"),
                    ),
                )
                .submit(Some("meeting-record"), t(lang, "meeting.submit")),
        );
    }
    s.page(status, "nav.meetings", &b)
}

pub async fn meeting_record(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::EditRoster>,
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
        meetings_page(&state, &s, note, status, refused_typed(status, &f))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 断档

/// The month's unattended windows (断档), with the month report's filters.
pub async fn gaps(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let query = match report_query(&state, &s, SpanKind::Month).await {
        Ok(query) => query,
        Err(answer) => return answer,
    };
    let qq = query.clone();
    let now = state.now();
    let report = match call(&state, move |c| c.report(&qq, now)).await {
        Ok(r) => r,
        Err(e) => return s.failure(e),
    };
    let mut b = String::new();
    b.push_str(
        &Form::get("/gaps")
            .field(
                t(lang, "report.month"),
                &Input::new("month", "month").value(&report.label).html(),
            )
            .field(
                t(lang, "col.post"),
                &Input::new("post", "post")
                    .value(query.post.as_deref().unwrap_or_default())
                    .html(),
            )
            .submit(None, t(lang, "search")),
    );
    if report.gaps.is_empty() {
        b.push_str(&message("ok", t(lang, "report.none")));
    } else {
        b.push_str(&table_head(
            "gaps",
            &[
                t(lang, "col.date"),
                "",
                t(lang, "col.post"),
                t(lang, "post.a"),
                t(lang, "post.b"),
            ],
        ));
        let names = call(&state, |c| c.names()).await.unwrap_or_default();
        gap_rows(&mut b, lang, &report.gaps, &names);
    }
    s.page(StatusCode::OK, "nav.gaps", &b)
}
