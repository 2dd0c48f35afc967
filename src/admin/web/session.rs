//! Signing in and out, and who is asking: the session cookie, the sign-in form with its own
//! pre-session CSRF pair, rate limit and password-check budget, and the checks every other
//! page makes before it does anything (a live session, the role's permission, and on a form
//! post the session's CSRF token).
//!
//! It renders no page but the sign-in form and the refusals; it never reads the store but
//! through the [`Console`] port, and never decides a permission itself (that is
//! [`allowed`]'s table).
//!
//! [`Console`]: super::Console

use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::ops::Deref;

use axum::extract::{ConnectInfo, Extension, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use tracing::{info, warn};

use super::common::{
    bad_request, call, cookie, failure, lang_of, month_param, record_audit, respond, Params,
};
use super::html::{message, page, Viewer};
use super::i18n::{t, Lang};
use super::security::{allowed, csrf_matches, random_token, token_digest, Permission};
use super::{Actor, AppState, ClientIp, Console, ConsoleError, SessionInfo};
use jiff::civil::Date;
use need::Need;

use hallclock_web::html::sign_in_form;
use hallclock_web::http::{
    clear_session_cookie, login_cookie, set_login_cookie, set_session_cookie, sign_in_token,
    SESSION_COOKIE,
};
use hallclock_web::Turned;

pub(super) use super::security::need;

/// What an anonymous request is answered.
pub(super) trait Anonymous {
    /// Sent to `/login` (a page a browser opens) rather than answered 401.
    const TO_SIGN_IN: bool;
}

/// A page a browser opens: the anonymous are sent to `/login`.
pub(super) struct Page;

/// An endpoint a script or an upload calls: the anonymous are answered 401.
pub(super) struct Endpoint;

impl Anonymous for Page {
    const TO_SIGN_IN: bool = true;
}

impl Anonymous for Endpoint {
    const TO_SIGN_IN: bool = false;
}

/// A signed-in visit: the live session, the page's language and the query (whose `lang`
/// every answer keeps as a cookie).
pub(super) struct Signed {
    pub session: SessionInfo,
    pub lang: Lang,
    pub q: Params,
}

impl Signed {
    pub fn viewer(&self) -> Viewer<'_> {
        viewer(&self.session)
    }

    /// Who makes a change, and from where, for the audit line the port writes with it.
    pub fn actor(&self, peer: SocketAddr) -> Actor {
        Actor {
            account: self.session.account.clone(),
            client: peer.ip().to_string(),
        }
    }

    /// A console page for this visitor; `title` is an [`i18n`](super::i18n) key.
    pub fn page(&self, status: StatusCode, title: &str, body: &str) -> Response {
        respond(
            status,
            &self.q,
            page(self.lang, t(self.lang, title), Some(&self.viewer()), body),
        )
    }

    /// The failure page (422 for a refusal, 500 otherwise).
    pub fn failure(&self, e: ConsoleError) -> Response {
        failure(self.lang, &self.q, e)
    }

    /// A wrong query parameter: 400 with the message.
    pub fn bad_request(&self, text: &str) -> Response {
        bad_request(self.lang, &self.q, text)
    }

    /// The month this page asks for (`month=YYYY-MM`, this month by default) and what `list`
    /// finds in it; a bad month (400) or a failure as the answer instead.
    pub async fn month_list<T, F>(&self, state: &AppState, list: F) -> Result<(Date, T), Response>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Console, Date) -> Result<T, ConsoleError> + Send + 'static,
    {
        let month = month_param(state, &self.q).map_err(|e| self.bad_request(&e))?;
        let found = call(state, move |c| list(c, month))
            .await
            .map_err(|e| self.failure(e))?;
        Ok((month, found))
    }

    /// The answer to a change, on the page it was made from (`again(note, status)`): the note
    /// `done` writes from the port's answer (200), the port's refusal (422), or the failure
    /// page.
    pub async fn after_change<T, Fut>(
        &self,
        result: Result<T, ConsoleError>,
        done: impl FnOnce(T) -> String,
        again: impl FnOnce(String, StatusCode) -> Fut,
    ) -> Response
    where
        Fut: Future<Output = Response>,
    {
        match result {
            Ok(x) => again(done(x), StatusCode::OK).await,
            Err(ConsoleError::Refused(e)) => {
                again(message("err", &e), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(e) => self.failure(e),
        }
    }
}

/// The extractor of a signed-in session whose role may do `P` ([`need`]): anything else is
/// refused before the handler runs, anonymous requests as `A` says ([`Page`]: to `/login`;
/// [`Endpoint`]: 401), a role without the right with the 403 page, in the page's language.
/// Derefs to the [`Signed`] visit.
pub(super) struct SignedIn<P, A = Page>(pub Signed, PhantomData<fn() -> (P, A)>);

impl<P, A> Deref for SignedIn<P, A> {
    type Target = Signed;

    fn deref(&self) -> &Signed {
        &self.0
    }
}

impl<P: Need, A: Anonymous> FromRequestParts<AppState> for SignedIn<P, A> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Query(q) = Query::<Params>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let signed = require(state, &parts.headers, q, P::WHAT, A::TO_SIGN_IN).await?;
        Ok(SignedIn(signed, PhantomData))
    }
}

/// The extractor of an urlencoded form post by a session whose role may do `P`, carrying the
/// session's CSRF token: the form is read first (a malformed one is axum's rejection), then
/// the session is checked as [`SignedIn`] with [`Endpoint`] does (401, 403), then the token
/// (403). Yields the visit, the form's fields and who acts from where, for the audit record of
/// the change: `CheckedForm(s, f, by, _)`.
pub(super) struct CheckedForm<P>(
    pub Signed,
    pub Params,
    pub Actor,
    pub PhantomData<fn() -> P>,
);

impl<P: Need> FromRequest<AppState> for CheckedForm<P> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Query(q) = Query::<Params>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let Form(form) = Form::<Params>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let signed = require(state, &headers, q, P::WHAT, false).await?;
        if !csrf_matches(&signed.session.csrf, form.get("csrf").map(String::as_str)) {
            let lang = signed.lang;
            warn!(account = %signed.session.account, "A form without a valid CSRF token was refused.");
            return Err(respond(
                StatusCode::FORBIDDEN,
                &signed.q,
                page(
                    lang,
                    t(lang, "error"),
                    None,
                    &message("err", t(lang, "error.csrf")),
                ),
            ));
        }
        let by = signed.actor(peer);
        Ok(CheckedForm(signed, form, by, PhantomData))
    }
}

/// The signed-in session allowed to do `what`, or the response refusing the request:
/// anonymous → sign-in (`to_sign_in`) or 401; a role without the right → 403.
async fn require(
    state: &AppState,
    headers: &HeaderMap,
    q: Params,
    what: Permission,
    to_sign_in: bool,
) -> Result<Signed, Response> {
    let lang = lang_of(headers, &q);
    let session = match cookie(headers, SESSION_COOKIE) {
        None => None,
        Some(token) => {
            let digest = token_digest(&token);
            let now = state.now();
            let idle_since = now - state.settings.idle_timeout;
            call(state, move |c| c.session(&digest, now, idle_since))
                .await
                .map_err(|e| failure(lang, &q, e))?
        }
    };
    let Some(session) = session else {
        return Err(if to_sign_in {
            Redirect::to("/login").into_response()
        } else {
            respond(
                StatusCode::UNAUTHORIZED,
                &q,
                page(
                    lang,
                    t(lang, "error"),
                    None,
                    &message("err", t(lang, "error.signin")),
                ),
            )
        });
    };
    if !allowed(session.role, what) {
        let v = viewer(&session);
        return Err(respond(
            StatusCode::FORBIDDEN,
            &q,
            page(
                lang,
                t(lang, "error"),
                Some(&v),
                &message("err", t(lang, "error.forbidden")),
            ),
        ));
    }
    Ok(Signed { session, lang, q })
}

pub(super) fn viewer(s: &SessionInfo) -> Viewer<'_> {
    Viewer {
        account: &s.account,
        role: s.role,
        csrf: &s.csrf,
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let token = match sign_in_token(&headers) {
        Ok(t) => t,
        Err(e) => return failure(lang, &q, ConsoleError::Failed(e.to_string())),
    };
    let mut r = respond(StatusCode::OK, &q, login_page(lang, None, &token));
    set_login_cookie(&mut r, &token, state.settings.secure_cookie);
    r
}

fn login_page(lang: Lang, error: Option<&str>, token: &str) -> String {
    page(
        lang,
        t(lang, "login.title"),
        None,
        &sign_in_form(lang, error, token),
    )
}

/// Signs in. In order: the form's CSRF pair (403), the client's sign-in rate (429), a place
/// among the password checks (503), then the attempt is counted for the name and the client
/// address in one transaction *before* the password is checked; a name that is no account, or
/// one locked for this client, is checked against a dummy hash: every failure answers the same
/// words after the same work.
pub async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let token = login_cookie(&headers).unwrap_or_default();
    if !csrf_matches(&token, f.get("login_csrf").map(String::as_str)) {
        info!(client = %ip, "Sign-in refused: the form's CSRF pair does not match.");
        return respond(
            StatusCode::FORBIDDEN,
            &q,
            login_page(lang, Some(t(lang, "error.csrf")), &token),
        );
    }
    let refuse = |status: StatusCode, key: &str| {
        let mut r = respond(status, &q, login_page(lang, Some(t(lang, key)), &token));
        if status != StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    };
    let _admitted = match state.guard.admit(ip) {
        Ok(permit) => permit,
        Err(Turned::TooMany) => {
            warn!(client = %ip, "Sign-in refused: too many attempts from this address.");
            return refuse(StatusCode::TOO_MANY_REQUESTS, "login.too_many");
        }
        Err(Turned::Busy) => {
            warn!(client = %ip, "Sign-in refused: too many password checks waiting.");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "login.busy");
        }
    };
    let name = f
        .get("name")
        .map(|s| s.trim().chars().take(64).collect::<String>())
        .unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let settings = state.settings.clone();
    let now = state.now();
    let client = ip.to_string();
    let (n, c, policy) = (name.clone(), client.clone(), settings.lockout);
    let (gate, account) = match call(&state, move |con| {
        let gate = con.count_sign_in(&n, &c, now, policy)?;
        Ok((gate, con.account(&n)?))
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return failure(lang, &q, e),
    };
    let hash = account
        .as_ref()
        .filter(|_| gate.admit)
        .map(|a| a.password_hash.clone());
    let ok = state.guard.check(password, hash).await;
    let Some(account) = account.filter(|_| ok && gate.admit) else {
        if gate.locks {
            warn!(account = %name, client = %ip, failures = gate.count, "Sign-in locked for this address after repeated failures.");
            record_audit(
                &state,
                &name,
                "account-locked",
                format!("{} failed sign-ins from {client}", gate.count),
            )
            .await;
        } else {
            info!(client = %ip, admitted = gate.admit, "Sign-in refused.");
        }
        return refuse(StatusCode::UNAUTHORIZED, "login.failed");
    };
    let (session_token, csrf) = match (random_token(), random_token()) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return failure(lang, &q, ConsoleError::Failed("no random source".into())),
    };
    let digest = token_digest(&session_token);
    let n = account.name.clone();
    let expires = now + settings.session_ttl;
    let started = call(&state, move |c| {
        c.sign_in_succeeded(&n, &client)?;
        c.start_session(&digest, &n, &csrf, now, expires)
    })
    .await;
    if let Err(e) = started {
        return failure(lang, &q, e);
    }
    record_audit(&state, &account.name, "sign-in", String::new()).await;
    let mut r = Redirect::to("/").into_response();
    set_session_cookie(
        &mut r,
        &session_token,
        settings.session_ttl.unsigned_abs(),
        settings.secure_cookie,
    );
    r
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CheckedForm(s, _, _, _): CheckedForm<need::ViewStatus>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let digest = token_digest(&token);
        let _ = call(&state, move |c| c.end_session(&digest)).await;
    }
    record_audit(&state, &s.session.account, "sign-out", String::new()).await;
    let mut r = Redirect::to("/login").into_response();
    clear_session_cookie(&mut r);
    r
}
