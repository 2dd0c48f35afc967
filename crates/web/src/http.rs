//! HTTP pieces both consoles share: the query and form parameters, cookies (reading, and the
//! session and sign-in cookies' attributes), the page's language from `?lang=` or its cookie,
//! HTML answers that never cache, the security headers, and [`shield`]: the per-client rate
//! limit and request time limit around every route.
//!
//! Decides no permission and reads no store.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Form;

use crate::lang::Lang;
use crate::security::{random_token, ClientBuckets, SecurityError};

/// A request's query or form fields.
pub type Params = HashMap<String, String>;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hallclock_session";
/// The sign-in form's pre-session CSRF cookie (double submit: the form carries the same value).
pub const LOGIN_COOKIE: &str = "hallclock_login";

/// The client's address, put into every request by [`shield`] (unspecified when the server
/// gave none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// A query-string component, percent-encoded (everything but the unreserved characters).
pub fn url_component(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The page's language: `?lang=`, else the `lang` cookie, else Chinese.
pub fn lang_of(headers: &HeaderMap, q: &Params) -> Lang {
    q.get("lang")
        .and_then(|l| Lang::parse(l))
        .or_else(|| cookie(headers, "lang").and_then(|l| Lang::parse(&l)))
        .unwrap_or(Lang::Zh)
}

/// An HTML answer that is never cached; a `?lang=` in the query is kept as a cookie.
pub fn respond(status: StatusCode, q: &Params, body: String) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(l) = q.get("lang").and_then(|l| Lang::parse(l)) {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "lang={}; Path=/; SameSite=Strict; Max-Age=31536000",
            l.key()
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

/// A form post as the consoles read it: its headers, the client ([`ClientIp`], put there by
/// [`shield`]), the query and the urlencoded fields.
#[derive(Debug)]
pub struct FormPost {
    pub headers: HeaderMap,
    pub client: IpAddr,
    pub q: Params,
    pub form: Params,
}

/// Reads `req` as a [`FormPost`]; a malformed query or form is axum's rejection.
///
/// # Errors
/// The rejection's answer.
pub async fn read_form<S: Send + Sync>(req: Request, state: &S) -> Result<FormPost, Response> {
    let (mut parts, body) = req.into_parts();
    let Query(q) = Query::<Params>::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let client = parts
        .extensions
        .get::<ClientIp>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0);
    let headers = parts.headers.clone();
    let Form(form) = Form::<Params>::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(FormPost {
        headers,
        client,
        q,
        form,
    })
}

/// The sign-in form's CSRF cookie, when it looks like one of ours (64 hex digits).
pub fn login_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The token of a sign-in form: the one its cookie already holds, else a new one.
///
/// # Errors
/// [`SecurityError`] when the operating system's random source fails.
pub fn sign_in_token(headers: &HeaderMap) -> Result<String, SecurityError> {
    login_cookie(headers).map_or_else(random_token, Ok)
}

fn secure(tls: bool) -> &'static str {
    if tls {
        "; Secure"
    } else {
        ""
    }
}

/// Sets the sign-in form's CSRF cookie (`Secure` under TLS).
pub fn set_login_cookie(r: &mut Response, token: &str, tls: bool) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login{}",
        secure(tls)
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the session cookie for `max_age` (`Secure` under TLS).
pub fn set_session_cookie(r: &mut Response, token: &str, max_age: Duration, tls: bool) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        max_age.as_secs(),
        secure(tls)
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Ends the session cookie.
pub fn clear_session_cookie(r: &mut Response) {
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "hallclock_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        ),
    );
}

/// The layer around every route: `buckets` (429 beyond the client's), the request time limit
/// `timeout` (408) and the security headers; the client's address goes into the request as
/// [`ClientIp`].
pub async fn shield(
    buckets: &Mutex<ClientBuckets>,
    timeout: Duration,
    tls: bool,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    req.extensions_mut().insert(ClientIp(ip));
    let allowed = buckets
        .lock()
        .map(|mut b| b.allow(ip, Instant::now()))
        .unwrap_or(true);
    let mut r = if !allowed {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "too many requests from this address: expected at most the configured rate, try again in a moment",
        )
            .into_response()
    } else {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "the request took too long: expected its body and answer within the time limit",
            )
                .into_response(),
        }
    };
    security_headers(&mut r, tls);
    r
}

/// Content-Security-Policy, nosniff, no referrer, no framing, HSTS under TLS, and `no-store`
/// unless the handler chose otherwise.
pub fn security_headers(r: &mut Response, tls: bool) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_components() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lang=en; hallclock_login=zz"),
        );
        assert_eq!(cookie(&h, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(login_cookie(&h), None, "not 64 hex digits");
        assert_eq!(lang_of(&h, &Params::new()), Lang::En);
        let q: Params = [("lang".to_string(), "zh".to_string())].into();
        assert_eq!(lang_of(&h, &q), Lang::Zh);
        assert_eq!(url_component("东 a&b"), "%E4%B8%9C%20a%26b");
    }
}
