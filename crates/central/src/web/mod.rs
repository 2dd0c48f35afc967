//! The centre's pages (issue 9, item 6), served beside the receiver by `hallclock-central
//! serve`: sign-in, the county overview, a hall's month sheet with its xlsx and CSV downloads, a
//! person's month, the year's eligibility list, and the inspector's records and month closing.
//! Chinese first, English with `?lang=en`.
//!
//! An adapter (HTTP in): no SQL (that is `store`), no scoring (the numbers are `month`'s and
//! `sheet`'s, drawn by `render`), no security function of its own (argon2, lock-out, CSRF,
//! tokens, rate limits, security headers, the page shell and the server are `hallclock_web`,
//! shared with the door). Who may do what is [`roles`]. Each change writes its audit line in
//! its own transaction, on the pages' own connection ([`WebState::writer`]).

// A refusal here is the answer itself (`Result<_, Response>`), made once per request: its size
// costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

mod county;
pub mod i18n;
mod inspect;
mod leave;
mod person;
pub mod roles;
mod session;
mod sheet;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use hallclock_core::assessment::Month;
use hallclock_core::ids::StaffId;
use hallclock_web::html::{nav_bar, select_value, shell, Form, Input};
use hallclock_web::http::respond;
use hallclock_web::security::LockoutPolicy;
use hallclock_web::{Guard, Lang, Params};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::month::MonthError;
use crate::receiver::StoreHandle;
use crate::store::{HallRow, Store, StoreError};
use i18n::t;
pub use roles::{CentreRole, Permission};
use session::Visit;

/// The pages' settings.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub session_ttl: SignedDuration,
    /// A session unused this long ends.
    pub idle_timeout: SignedDuration,
    pub lockout: LockoutPolicy,
    /// Time to read a request's body and answer it.
    pub request_timeout: Duration,
    /// Mark cookies `Secure` (TLS is in front).
    pub secure_cookie: bool,
    /// Doors not heard from this long in working hours are silent.
    pub silent_after: SignedDuration,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            session_ttl: SignedDuration::from_hours(8),
            idle_timeout: SignedDuration::from_mins(30),
            lockout: LockoutPolicy::default(),
            request_timeout: Duration::from_secs(30),
            secure_cookie: false,
            silent_after: SignedDuration::from_mins(30),
        }
    }
}

/// What every page handler gets.
#[derive(Clone)]
pub struct WebState {
    pub stores: Arc<StoreHandle>,
    /// The pages' own connection for changes (each in a transaction with its audit line).
    writer: Arc<Mutex<Option<Store>>>,
    pub guard: Arc<Guard>,
    pub settings: Arc<WebSettings>,
    /// A fixed instant (`--now`, for replays and tests); the system clock otherwise.
    pub fixed_now: Option<Timestamp>,
}

impl WebState {
    pub fn new(
        stores: Arc<StoreHandle>,
        guard: Guard,
        settings: WebSettings,
        fixed_now: Option<Timestamp>,
    ) -> WebState {
        WebState {
            stores,
            writer: Arc::new(Mutex::new(None)),
            guard: Arc::new(guard),
            settings: Arc::new(settings),
            fixed_now,
        }
    }

    /// The current instant: every handler asks this.
    pub fn now(&self) -> Timestamp {
        self.fixed_now.unwrap_or_else(Timestamp::now)
    }

    /// A store for reading.
    async fn reader(&self) -> Result<Arc<Store>, StoreError> {
        self.stores.get().await
    }

    /// The pages' writing connection, opened (again) when it has none or it ended; one change
    /// at a time.
    async fn writer(&self) -> Result<MappedMutexGuard<'_, Store>, StoreError> {
        let mut slot = self.writer.lock().await;
        if slot.as_ref().is_none_or(Store::is_closed) {
            *slot = Some(self.stores.connect_another().await?);
        }
        MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| StoreError::Connect("the pages' connection was not kept".into()))
    }
}

/// The pages' routes, behind `hallclock_web`'s shield (rate limit, time limit, security
/// headers); merged with the receiver's, which it does not wrap.
pub fn router(state: WebState) -> Router {
    let pages: [(&str, MethodRouter<WebState>); 15] = [
        ("/", get(county::overview)),
        ("/login", get(session::login_form).post(session::login)),
        ("/logout", post(session::logout)),
        ("/sheet", get(sheet::month_sheet)),
        ("/sheet.xlsx", get(sheet::xlsx)),
        ("/sheet.csv", get(sheet::csv)),
        ("/person", get(person::person_month)),
        ("/year", get(person::year)),
        ("/records", get(inspect::records)),
        ("/records/add", post(inspect::add)),
        ("/records/void", post(inspect::void)),
        ("/leave", get(leave::leave)),
        ("/leave/add", post(leave::add)),
        ("/leave/approve", post(leave::approve)),
        ("/leave/close", post(leave::close)),
    ];
    let router = pages
        .into_iter()
        .fold(Router::new(), |r, (path, page)| r.route(path, page))
        .route("/month/close", post(inspect::close))
        .route("/leave/cancel", post(leave::cancel));
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), shield))
        .with_state(state)
}

async fn shield(State(state): State<WebState>, req: Request, next: Next) -> Response {
    hallclock_web::http::shield(
        &state.guard.requests,
        state.settings.request_timeout,
        state.settings.secure_cookie,
        req,
        next,
    )
    .await
}

/// A whole page for `visit` (navigation by its role), `title` an i18n key.
fn page(lang: Lang, title: &str, visit: Option<&Visit>, body: &str) -> String {
    let nav = visit.map(|v| {
        let links: Vec<(&str, &str)> = [
            ("/", "nav.county", Permission::ViewSheets),
            ("/sheet", "nav.sheet", Permission::ViewSheets),
            ("/year", "nav.year", Permission::ViewPeople),
            ("/records", "nav.records", Permission::Record),
            ("/leave", "nav.leave", Permission::Leave),
        ]
        .into_iter()
        .filter(|(_, _, what)| v.role.may(*what))
        .map(|(href, key, _)| (href, t(lang, key)))
        .collect();
        let role = t(lang, &format!("role.{}", v.role.key()));
        nav_bar(lang, &links, &v.account, role, &v.csrf)
    });
    shell(lang, t(lang, "app"), t(lang, title), nav.as_deref(), body)
}

/// An error page with `text`.
fn error_page(status: StatusCode, lang: Lang, q: &Params, text: &str) -> Response {
    respond(
        status,
        q,
        page(
            lang,
            "error",
            None,
            &hallclock_web::html::message("err", text),
        ),
    )
}

/// The answer to a failure: the user's mistake (422, saying what) or ours (500, logged).
fn refusal(lang: Lang, q: &Params, theirs: bool, e: &dyn std::fmt::Display) -> Response {
    if theirs {
        error_page(StatusCode::UNPROCESSABLE_ENTITY, lang, q, &e.to_string())
    } else {
        tracing::error!(error = %e, "A page failed");
        error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            lang,
            q,
            hallclock_web::lang::t(lang, "error.internal"),
        )
    }
}

fn store_theirs(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::NotFound { .. }
            | StoreError::Exists { .. }
            | StoreError::OutOfOrder { .. }
            | StoreError::BadId { .. }
    )
}

/// The answer to a failed month operation.
fn failed(lang: Lang, q: &Params, e: &MonthError) -> Response {
    let theirs = match e {
        MonthError::NotEnded { .. } | MonthError::NotOnList { .. } | MonthError::Month(_) => true,
        MonthError::Store(s) => store_theirs(s),
        MonthError::Sheet(_) | MonthError::Calendar { .. } => false,
    };
    refusal(lang, q, theirs, e)
}

/// The answer to a failed store call.
fn store_failed(lang: Lang, q: &Params, e: &StoreError) -> Response {
    refusal(lang, q, store_theirs(e), e)
}

/// `month=YYYY-MM` of the query, or the month of `now` in the hall's zone.
fn month_param(q: &Params, zone: &jiff::tz::TimeZone, now: Timestamp) -> Result<Month, String> {
    match q.get("month").map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => Ok(Month::of(zone.to_datetime(now).date())),
        Some(m) => format!("{m}-01")
            .parse::<jiff::civil::Date>()
            .map(Month::of)
            .map_err(|_| format!("month {m:?}: expected YYYY-MM")),
    }
}

/// The filter form of a page about one hall and a period: `hall` and `(name, label key, value)`
/// (the month or the year).
/// A hall's month page where things are recorded (the inspection records, leave): the store,
/// the hall, the month and its days, the hall's staff by id, and the page's body begun with the
/// note and the filter.
struct MonthDesk {
    store: Arc<Store>,
    hall: HallRow,
    month: Month,
    days: (jiff::civil::Date, jiff::civil::Date),
    names: BTreeMap<StaffId, String>,
    body: String,
}

impl MonthDesk {
    /// The query's hall and month once the role may do `what` there; the body starts with `note`
    /// and the filter back to `path`. Else the answer refusing it.
    async fn open(
        state: &WebState,
        v: &Visit,
        what: Permission,
        path: &str,
        note: &str,
    ) -> Result<MonthDesk, Response> {
        let (store, hall) = v.hall_scope(state, what).await?;
        let month = v.month(state, &hall.zone)?;
        let days = crate::sheet::days_of(month).map_err(|e| refusal(v.lang, &v.q, true, &e))?;
        let names = store
            .staff_names(&hall.id)
            .await
            .map_err(|e| v.store_failed(&e))?;
        let halls = v.halls(state).await;
        let mut body = String::from(note);
        body.push_str(&hall_filter(
            path,
            v.lang,
            &halls,
            &hall.id,
            ("month", "sheet.month", &month.to_string()),
        ));
        Ok(MonthDesk {
            store,
            hall,
            month,
            days,
            names,
            body,
        })
    }

    /// The address of a change on this hall and month.
    fn action(&self, path: &str) -> String {
        format!(
            "{path}?hall={}&month={}",
            hallclock_web::http::url_component(&self.hall.id),
            self.month
        )
    }

    /// A person's name on the hall's list (empty when unknown).
    fn name(&self, staff: &StaffId) -> &str {
        self.names.get(staff).map_or("", String::as_str)
    }

    /// A choice of the hall's people as `0042 王芳`, named `name`, with `blank` (a text) as a
    /// first option meaning nobody, `selected` chosen.
    fn people_choice(&self, name: &str, blank: Option<&str>, selected: Option<&str>) -> String {
        let people: Vec<(String, String)> = self
            .names
            .iter()
            .map(|(id, n)| (id.as_str().to_string(), format!("{id} {n}")))
            .collect();
        let options: Vec<(&str, &str)> = blank
            .map(|b| ("", b))
            .into_iter()
            .chain(people.iter().map(|(id, text)| (id.as_str(), text.as_str())))
            .collect();
        select_value(name, Some(name), &options, selected)
    }
}

/// What a refused form had in field `key`, trimmed (none on a fresh form).
fn typed<'a>(form: Option<&'a Params>, key: &str) -> Option<&'a str> {
    form.and_then(|f| f.get(key)).map(|s| s.trim())
}

/// The filter above a hall's page: the hall (a choice of the halls the visitor sees, by name)
/// and the period (`(name, label key, value)`).
fn hall_filter(
    action: &str,
    lang: Lang,
    halls: &[(String, String)],
    hall: &str,
    period: (&str, &str, &str),
) -> String {
    let (name, label, value) = period;
    let options: Vec<(&str, &str)> = halls
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    let choice = if options.is_empty() {
        Input::new("hall", "hall").value(hall).html()
    } else {
        select_value("hall", Some("hall"), &options, Some(hall))
    };
    Form::get(action)
        .field(t(lang, "sheet.hall"), &choice)
        .field(t(lang, label), &Input::new(name, name).value(value).html())
        .submit(None, t(lang, "sheet.show"))
}
