//! Issue 12 in the browser. Item 7: a face already enrolled under someone else is refused by the
//! console too, naming the person; the "same person enrolled again" checkbox lets it through and
//! the old id loses its face data. Item 6: the status page shows a skipped check as not checked.
//! Real console, real SQLite file, real models.

use reqwest::header::COOKIE;
use reqwest::StatusCode;

use super::assert_has;
use super::console::{client, csrf, sign_in, Server, Site, PASSWORD};
use super::fixture;

/// A signed-in page's HTML.
async fn page(s: &Server, cookie: &str, path: &str) -> String {
    let r = client()
        .get(s.url(path))
        .header(COOKIE, cookie)
        .send()
        .await;
    r.expect("the page").text().await.unwrap_or_default()
}

async fn enrol(
    s: &Server,
    cookie: &str,
    token: &str,
    id: &str,
    same_person: Option<&str>,
) -> (StatusCode, String) {
    let photo = std::fs::read(fixture("demo/0001_enrol.jpg")).expect("the sample photo");
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_string())
        .text("id", id.to_string())
        .text("name", "王芳")
        .text("consent", "yes")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(photo).file_name("0001.jpg"),
        );
    if let Some(typed) = same_person {
        form = form.text("same_person", typed.to_string());
    }
    let r = client()
        .post(s.url("/enrol"))
        .header(COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .expect("the console answers");
    (r.status(), r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_the_console_refuses_a_face_enrolled_under_someone_else() {
    let s = Server::start();
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("signed in");
    let token = csrf(&s, &admin).await;
    let form = page(&s, &admin, "/enrol").await;
    assert!(
        form.contains("name=\"same_person\"") && form.contains("同一人换工号重新录入"),
        "the checkbox is on the form"
    );

    let (status, body) = enrol(&s, &admin, &token, "0001", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = enrol(&s, &admin, &token, "0099", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("此人脸已录入为 0001 王芳"), "{body}");
    assert!(
        !body.contains("--same-person"),
        "no CLI flag in the browser: {body}"
    );

    // Issue 12 item 4: erasing 0001's face needs 0001 typed; another id changes nothing.
    let (status, body) = enrol(&s, &admin, &token, "0099", Some("0002")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("确认失败"), "{body}");
    let (status, body) = enrol(&s, &admin, &token, "0099", Some("0001")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_has(&body, &["已按同一人重新录入", "0001"]);
    let out = s
        .hallclock()
        .args(["staff", "list"])
        .output()
        .expect("staff list");
    let list = String::from_utf8_lossy(&out.stdout);
    let line = |id: &str| super::line_starting(&list, id);
    assert!(
        line("0001").contains("否 no") && line("0001").ends_with(" 0"),
        "{list}"
    );
    assert!(line("0099").ends_with(" 1"), "{list}");
}

/// Issue 12 item 6: the status page never shows "正常" for a check that was not run: the
/// camera (the console never opens it), the uplink (none configured) and the clock (these tests
/// run with `daemon.clock-check = "off"`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_the_status_page_shows_skipped_checks_as_not_checked() {
    let s = Server::start();
    let admin = sign_in(&s, "admin", PASSWORD).await.expect("signed in");
    let page = page(&s, &admin, "/status").await;
    let row = |name: &str| {
        page.split("<tr>")
            .find(|r| r.starts_with(&format!("<td>{name}</td>")))
            .unwrap_or_default()
            .to_string()
    };
    for name in ["camera", "uplink"] {
        let r = row(name);
        assert!(r.contains("未检查") && !r.contains("正常"), "{name}: {r}");
    }
    assert!(row("database").contains("正常"), "a check that ran: {page}");
    assert!(page.contains("未检查(已关闭时钟同步检查"), "{page}");
    assert!(!page.contains("已同步(可信)"), "{page}");
}
