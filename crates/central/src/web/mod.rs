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
mod person;
pub mod roles;
mod session;
mod sheet;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use hallclock_core::assessment::Month;
use hallclock_web::html::{nav_bar, shell, Form, Input};
use hallclock_web::http::respond;
use hallclock_web::security::LockoutPolicy;
use hallclock_web::{Guard, Lang, Params};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::month::MonthError;
use crate::receiver::StoreHandle;
use crate::store::{Store, StoreError};
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
    let pages: [(&str, MethodRouter<WebState>); 11] = [
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
    ];
    let router = pages
        .into_iter()
        .fold(Router::new(), |r, (path, page)| r.route(path, page))
        .route("/month/close", post(inspect::close));
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
fn hall_filter(action: &str, lang: Lang, hall: &str, period: (&str, &str, &str)) -> String {
    let (name, label, value) = period;
    Form::get(action)
        .field(
            t(lang, "sheet.hall"),
            &Input::new("hall", "hall").value(hall).html(),
        )
        .field(t(lang, label), &Input::new(name, name).value(value).html())
        .submit(None, t(lang, "sheet.show"))
}
