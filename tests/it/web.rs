//! Talking to a running `hallclock console` as a browser would: a free loopback port, waiting
//! for the listener, adding an account through the CLI, the sign-in form with its CSRF pair and
//! the session cookie it sets. Shared by the integration tests (`mod web` in `main.rs`) and the
//! console bench (`#[path]`), so it uses nothing of either.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{redirect, Client, ClientBuilder, Response};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free loopback port")
        .local_addr()
        .expect("bound address")
        .port()
}

/// Waits (20 s at most) until something listens on the loopback `port`.
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the console never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `user add` through `hallclock` (a command with its database or configuration),
/// `password` typed on its standard input.
pub fn user_add_with(mut hallclock: Command, name: &str, role: &str, password: &str) {
    let mut child = hallclock
        .args(["user", "add", "--name", name, "--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add runs");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("password written");
    assert!(child.wait().expect("user add ends").success());
}

/// A client that follows no redirects (a test looks at them), to be built.
pub fn client_builder() -> ClientBuilder {
    Client::builder().redirect(redirect::Policy::none())
}

/// [`client_builder`], built.
pub fn client() -> Client {
    client_builder().build().expect("http client")
}

/// The first `Set-Cookie` header of `r` that sets `name`, with its attributes.
pub fn set_cookie_header(r: &Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(str::to_string)
}

/// The value (`name=value`) of the cookie `name` that `r` sets.
pub fn set_cookie(r: &Response, name: &str) -> Option<String> {
    set_cookie_header(r, name).map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The session cookie (`hallclock_session=…`) a sign-in answer sets.
pub fn session_cookie(r: &Response) -> Option<String> {
    set_cookie(r, "hallclock_session")
}

/// The sign-in form's pre-session CSRF pair: the `hallclock_login` cookie (as `name=value`)
/// and the form's `login_csrf` field.
pub async fn login_token(client: &Client, base: &str) -> reqwest::Result<(String, String)> {
    let r = client.get(format!("{base}/login")).send().await?;
    let cookie = set_cookie(&r, "hallclock_login").unwrap_or_default();
    let page = r.text().await?;
    let token = page
        .find("name=\"login_csrf\" value=\"")
        .map(|at| page[at + 25..].chars().take(64).collect())
        .unwrap_or_default();
    Ok((cookie, token))
}

/// Posts the sign-in form as a browser would: the sign-in page first, for its CSRF pair.
pub async fn login_request(
    client: &Client,
    base: &str,
    name: &str,
    password: &str,
) -> reqwest::Result<Response> {
    let pair = login_token(client, base).await?;
    post_login(client, base, &pair, name, password).await
}

/// Posts the sign-in form with a ready CSRF `pair` (cookie, token) from [`login_token`].
pub async fn post_login(
    client: &Client,
    base: &str,
    (cookie, token): &(String, String),
    name: &str,
    password: &str,
) -> reqwest::Result<Response> {
    client
        .post(format!("{base}/login"))
        .header(COOKIE, cookie)
        .form(&[
            ("name", name),
            ("password", password),
            ("login_csrf", token),
        ])
        .send()
        .await
}
