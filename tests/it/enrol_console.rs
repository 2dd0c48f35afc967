//! Issue 12 item 7 in the browser: a face already enrolled under someone else is refused by the
//! console too, naming the person; the "same person enrolled again" checkbox lets it through and
//! the old id loses its face data. Real console, real SQLite file, real models.

use reqwest::header::COOKIE;
use reqwest::StatusCode;

use super::console::{client, csrf, sign_in, Server, PASSWORD};
use super::fixture;

async fn enrol(
    s: &Server,
    cookie: &str,
    token: &str,
    id: &str,
    same_person: bool,
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
    if same_person {
        form = form.text("same_person", "yes");
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
    let page = client()
        .get(s.url("/enrol"))
        .header(COOKIE, &admin)
        .send()
        .await
        .expect("the page")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        page.contains("name=\"same_person\"") && page.contains("同一人换工号重新录入"),
        "the checkbox is on the form"
    );

    let (status, body) = enrol(&s, &admin, &token, "0001", false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = enrol(&s, &admin, &token, "0099", false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("此人脸已录入为 0001 王芳"), "{body}");
    assert!(
        !body.contains("--same-person"),
        "no CLI flag in the browser: {body}"
    );

    let (status, body) = enrol(&s, &admin, &token, "0099", true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("已按同一人重新录入") && body.contains("0001"),
        "{body}"
    );
    let out = s
        .hallclock()
        .args(["staff", "list"])
        .output()
        .expect("staff list");
    let list = String::from_utf8_lossy(&out.stdout);
    let line = |id: &str| {
        list.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("0001").contains("否 no") && line("0001").ends_with(" 0"),
        "{list}"
    );
    assert!(line("0099").ends_with(" 1"), "{list}");
}
