//! Signing in and out of the centre's pages, and who is asking: [`Visit`] is a live session
//! (or the sign-in page for a browser without one), [`Posted`] a form post whose session's CSRF
//! token matches. Sign-in follows the door's order with the shared defences: the form's CSRF
//! pair, the address's rate and a place among the password checks ([`hallclock_web::Guard`]),
//! the attempt counted per name and address in a transaction before the password is checked
//! ([`LockoutPolicy::gate`]), the same work for every failure.
//!
//! Decides no permission itself (that is [`CentreRole::may`]) and holds no SQL.
//!
//! [`LockoutPolicy::gate`]: hallclock_web::security::LockoutPolicy::gate

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hallclock_core::assessment::Month;
use hallclock_web::html::sign_in_form;
use hallclock_web::http::{
    clear_session_cookie, cookie, lang_of, login_cookie, read_form, respond, set_login_cookie,
    set_session_cookie, sign_in_token, FormPost, SESSION_COOKIE,
};
use hallclock_web::lang::t as shared_t;
use hallclock_web::security::{csrf_matches, random_token, token_digest};
use hallclock_web::{ClientIp, Lang, Params, Turned};
use jiff::Timestamp;

use super::{error_page, page, CentreRole, Permission, WebState};
use crate::store::{AuditEntry, HallRow, NewSession, Store, StoreError};

/// A signed-in visit: who, their role, the page's language and query, and the client.
#[derive(Debug, Clone)]
pub struct Visit {
    pub account: String,
    pub role: CentreRole,
    pub csrf: String,
    pub lang: Lang,
    pub q: Params,
    pub client: IpAddr,
}

impl Visit {
    /// `Ok` when the role may do `what` in hall `hall` (any hall it sees when `None`); else the
    /// 403 page.
    pub fn need(&self, what: Permission, hall: Option<&str>) -> Result<(), Response> {
        if self.role.may(what) && hall.is_none_or(|h| self.role.sees(h)) {
            Ok(())
        } else {
            tracing::info!(account = %self.account, ?what, hall, "A page was refused to a role.");
            Err(error_page(
                StatusCode::FORBIDDEN,
                self.lang,
                &self.q,
                shared_t(self.lang, "error.forbidden"),
            ))
        }
    }

    /// A page for this visitor, `title` an i18n key.
    pub fn page(&self, status: StatusCode, title: &str, body: &str) -> Response {
        respond(status, &self.q, page(self.lang, title, Some(self), body))
    }

    /// The audit line of a change this visitor makes at `at`.
    pub fn audit(&self, at: Timestamp, action: &str, detail: String) -> AuditEntry {
        AuditEntry {
            at,
            actor: self.account.clone(),
            client: self.client.to_string(),
            action: action.to_string(),
            detail,
        }
    }

    /// The hall this page is about: `hall=` of the query, else a supervisor's own, else the
    /// county's first.
    pub async fn hall_param(&self, state: &WebState) -> Result<String, Response> {
        if let Some(h) = self.q.get("hall").filter(|h| !h.is_empty()) {
            return Ok(h.clone());
        }
        if let Some(h) = self.role.hall() {
            return Ok(h.to_string());
        }
        let halls = match state.reader().await {
            Ok(s) => s.hall_ids().await,
            Err(e) => Err(e),
        };
        match halls {
            Ok(h) => h.into_iter().next().ok_or_else(|| self.no_hall()),
            Err(e) => Err(self.store_failed(&e)),
        }
    }

    /// The hall this page is about ([`Visit::hall_param`]), once the role may do `what` there,
    /// with a store to read it and the hall's row; else the answer refusing it.
    pub async fn hall_scope(
        &self,
        state: &WebState,
        what: Permission,
    ) -> Result<(Arc<Store>, HallRow), Response> {
        let hall = self.hall_param(state).await?;
        self.need(what, Some(&hall))?;
        let store = state.reader().await.map_err(|e| self.store_failed(&e))?;
        let row = store.hall(&hall).await.map_err(|_| self.no_hall())?;
        Ok((store, row))
    }

    /// The query's month (`month=YYYY-MM`, this month in `zone` by default), or the 400.
    pub fn month(&self, state: &WebState, zone: &jiff::tz::TimeZone) -> Result<Month, Response> {
        super::month_param(&self.q, zone, state.now())
            .map_err(|e| error_page(StatusCode::BAD_REQUEST, self.lang, &self.q, &e))
    }

    pub fn no_hall(&self) -> Response {
        error_page(
            StatusCode::NOT_FOUND,
            self.lang,
            &self.q,
            super::i18n::t(self.lang, "error.no_hall"),
        )
    }

    pub fn store_failed(&self, e: &StoreError) -> Response {
        super::store_failed(self.lang, &self.q, e)
    }
}

/// The live session of the request, if any.
async fn session_of(
    state: &WebState,
    headers: &HeaderMap,
) -> Result<Option<(String, CentreRole, String)>, StoreError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = state.now();
    let store = state.reader().await?;
    let row = store
        .live_session(&token_digest(&token), now, state.settings.idle_timeout)
        .await?;
    Ok(row.and_then(|s| {
        let role = CentreRole::parse(&s.role, s.hall.as_deref()).ok()?;
        Some((s.account, role, s.csrf))
    }))
}

/// Who asks (`None`: nobody is signed in), or the failure page.
async fn visit(
    state: &WebState,
    headers: &HeaderMap,
    q: Params,
    client: IpAddr,
) -> Result<Option<Visit>, Response> {
    let lang = lang_of(headers, &q);
    let found = session_of(state, headers)
        .await
        .map_err(|e| super::store_failed(lang, &q, &e))?;
    Ok(found.map(|(account, role, csrf)| Visit {
        account,
        role,
        csrf,
        lang,
        q,
        client,
    }))
}

fn client_of(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientIp>()
        .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0)
}

impl FromRequestParts<WebState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Query(q) = Query::<Params>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        visit(state, &parts.headers, q, client_of(parts))
            .await?
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}

/// A form post of a live session carrying its CSRF token: the visit and the form's fields.
/// Anonymous: 401; a wrong or missing token: 403.
pub struct Posted(pub Visit, pub Params);

impl FromRequest<WebState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        let post = read_form(req, state).await?;
        let lang = lang_of(&post.headers, &post.q);
        let anonymous = || {
            let text = shared_t(lang, "error.signin");
            error_page(StatusCode::UNAUTHORIZED, lang, &post.q, text)
        };
        let Some(v) = visit(state, &post.headers, post.q.clone(), post.client).await? else {
            return Err(anonymous());
        };
        if !csrf_matches(&v.csrf, post.form.get("csrf").map(String::as_str)) {
            tracing::warn!(account = %v.account, "A form without a valid CSRF token was refused.");
            return Err(error_page(
                StatusCode::FORBIDDEN,
                v.lang,
                &v.q,
                shared_t(v.lang, "error.csrf"),
            ));
        }
        Ok(Posted(v, post.form))
    }
}

fn sign_in_page(
    status: StatusCode,
    lang: Lang,
    q: &Params,
    error: Option<&str>,
    token: &str,
) -> Response {
    respond(
        status,
        q,
        page(lang, "login.title", None, &sign_in_form(lang, error, token)),
    )
}

pub async fn login_form(
    Query(q): Query<Params>,
    State(state): State<WebState>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers, &q);
    let token = match sign_in_token(&headers) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "No random source for the sign-in form.");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                lang,
                &q,
                shared_t(lang, "error.internal"),
            );
        }
    };
    let mut r = sign_in_page(StatusCode::OK, lang, &q, None, &token);
    set_login_cookie(&mut r, &token, state.settings.secure_cookie);
    r
}

/// Signs in; every failure answers the same words after the same work.
pub async fn login(State(state): State<WebState>, req: Request) -> Response {
    let FormPost {
        headers,
        client: ip,
        q,
        form: f,
    } = match read_form(req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let lang = lang_of(&headers, &q);
    let token = login_cookie(&headers).unwrap_or_default();
    let refuse = |status: StatusCode, key: &str| {
        let mut r = sign_in_page(status, lang, &q, Some(shared_t(lang, key)), &token);
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    };
    if !csrf_matches(&token, f.get("login_csrf").map(String::as_str)) {
        return refuse(StatusCode::FORBIDDEN, "error.csrf");
    }
    let _turn = match state.guard.admit(ip) {
        Ok(permit) => permit,
        Err(Turned::TooMany) => return refuse(StatusCode::TOO_MANY_REQUESTS, "login.too_many"),
        Err(Turned::Busy) => return refuse(StatusCode::SERVICE_UNAVAILABLE, "login.busy"),
    };
    let name: String = f
        .get("name")
        .map(|s| s.trim().chars().take(64).collect())
        .unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let (now, client, policy) = (state.now(), ip.to_string(), state.settings.lockout);
    let counted = async {
        let gate = state
            .writer()
            .await?
            .count_sign_in(&name, &client, |count, locked| {
                let g = policy.gate(count, locked, now);
                (g.count, g.locked_until, g)
            })
            .await?;
        let account = state.reader().await?.account(&name).await?;
        Ok::<_, StoreError>((gate, account))
    };
    let (gate, account) = match counted.await {
        Ok(x) => x,
        Err(e) => return super::store_failed(lang, &q, &e),
    };
    let hash = account
        .as_ref()
        .filter(|_| gate.admit)
        .map(|a| a.password_hash.clone());
    let ok = state.guard.check(password, hash).await;
    let signed = account.filter(|_| ok).and_then(|a| {
        let role = CentreRole::parse(&a.role, a.hall.as_deref()).ok()?;
        Some((a.name, role))
    });
    let Some((account, _role)) = signed else {
        if gate.locks {
            tracing::warn!(account = %name, client = %ip, "Sign-in locked for this address after repeated failures.");
            let line = AuditEntry {
                at: now,
                actor: name.clone(),
                client: client.clone(),
                action: "account-locked".into(),
                detail: format!("{} failed sign-ins", gate.count),
            };
            audit_alone(&state, &line).await;
        }
        return refuse(StatusCode::UNAUTHORIZED, "login.failed");
    };
    let started = async {
        let (session, csrf) = (random_token()?, random_token()?);
        let store = state.reader().await?;
        store.clear_sign_in(&account, &client).await?;
        let expires = now + state.settings.session_ttl;
        store
            .start_session(&NewSession {
                token_sha256: &token_digest(&session),
                account: &account,
                csrf: &csrf,
                started: now,
                expires,
            })
            .await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(session)
    };
    let session = match started.await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "Cannot start a session.");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "error.internal");
        }
    };
    let line = AuditEntry {
        at: now,
        actor: account,
        client,
        action: "sign-in".into(),
        detail: String::new(),
    };
    audit_alone(&state, &line).await;
    let mut r = Redirect::to("/").into_response();
    set_session_cookie(
        &mut r,
        &session,
        state.settings.session_ttl.unsigned_abs(),
        state.settings.secure_cookie,
    );
    r
}

/// Writes an audit line that goes with no change (sign-ins, locks); a failure is logged.
async fn audit_alone(state: &WebState, line: &AuditEntry) {
    let written = match state.reader().await {
        Ok(s) => s.audit(line).await,
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        tracing::error!(error = %e, "Cannot write the audit log.");
    }
}

pub async fn logout(
    State(state): State<WebState>,
    headers: HeaderMap,
    Posted(v, _): Posted,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(s) = state.reader().await {
            let _ = s.end_session(&token_digest(&token)).await;
        }
    }
    audit_alone(&state, &v.audit(state.now(), "sign-out", String::new())).await;
    let mut r = Redirect::to("/login").into_response();
    clear_session_cookie(&mut r);
    r
}
