//! Enrolment: the form with the consent notice, photos uploaded as multipart (their size and
//! pixel budget checked from the headers before anything decodes), and enrolment from the door
//! camera with its live preview (the JPEG, the gate's verdict as JSON, and the script that
//! refreshes them).
//!
//! It never decodes an image or runs a model itself: the port does, on a blocking thread.
//! Every value on the page is escaped; the preview script is served from our own origin.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{ConnectInfo, Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tracing::{info, warn};

use super::common::{call, reload_gallery, staff_param, Params};
use super::html::{csrf_field, esc, message};
use super::i18n::{t, Lang};
use super::security::csrf_matches;
use super::session::{need, CheckedForm, Endpoint, Signed, SignedIn};
use super::upload::{check_photo, UploadError};
use super::{AppState, CaptureRequest, Consent, ConsoleError, EnrolRequest, Photo, PreviewVerdict};
use crate::core::ids::StaffId;

/// The enrolment page (photos and the door camera), `note` above the forms.
fn enrol_page(s: &Signed, notice: &str, status: StatusCode, note: &str) -> Response {
    let lang = s.lang;
    let mut b = note.to_string();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol\" enctype=\"multipart/form-data\">{}{}<label>{}<br><input type=\"file\" name=\"photo\" id=\"photo\" accept=\"image/jpeg,image/png\" multiple required></label>{}<input type=\"hidden\" name=\"notice\" value=\"{}\"><button id=\"enrol\">{}</button></form>",
        csrf_field(&s.session.csrf),
        person_fields(lang, ""),
        esc(t(lang, "enrol.photos")),
        consent_fields(lang, "", notice),
        esc(notice),
        esc(t(lang, "enrol.submit")),
    );
    b.push_str(&camera_section(lang, &s.session.csrf, notice));
    s.page(status, "nav.enrol", &b)
}

/// The enrolment page's "from the camera" card: the door camera's preview, refreshed by a few
/// lines of inline script, the gate's verdict under it, and the capture form.
fn camera_section(lang: Lang, csrf: &str, notice: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol/capture\" id=\"camera\"><h2>{}</h2><p>{}</p><img id=\"preview\" alt=\"{}\" width=\"320\" hidden><div id=\"verdict\" class=\"msg warn\">{}</div>{}{}{}<button id=\"capture\">{}</button></form>",
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "enrol.camera_help")),
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "preview.waiting")),
        csrf_field(csrf),
        person_fields(lang, "cam-"),
        consent_fields(lang, "cam-", notice),
        esc(t(lang, "enrol.capture")),
    );
    // A script of our own origin (the Content-Security-Policy allows no inline script); it reads
    // the page's language from `<html lang>`.
    b.push_str("<script src=\"/enrol/preview.js\"></script>");
    b
}

/// The id, name and post fields of an enrolment form; `prefix` keeps the two forms' element ids
/// apart.
fn person_fields(lang: Lang, prefix: &str) -> String {
    format!(
        "<label>{}<br><input name=\"id\" id=\"{prefix}id\" required></label><label>{}<br><input name=\"name\" id=\"{prefix}name\"></label><label>{}<br><input name=\"post\" id=\"{prefix}post\"></label>",
        esc(t(lang, "col.id")),
        esc(t(lang, "enrol.name")),
        esc(t(lang, "col.post")),
    )
}

/// The privacy notice (with its version) and the consent and same-person boxes of an enrolment
/// form; `prefix` keeps the two forms' element ids apart.
fn consent_fields(lang: Lang, prefix: &str, notice: &str) -> String {
    format!(
        "<div class=\"msg warn\">{} ({} {})</div><label><input type=\"checkbox\" name=\"consent\" id=\"{prefix}consent\" value=\"yes\"> {}</label><label>{}<br><input name=\"same_person\" id=\"{prefix}same-person\" size=\"10\"></label>",
        esc(t(lang, "enrol.notice")),
        esc(t(lang, "enrol.notice_version")),
        esc(notice),
        esc(t(lang, "enrol.consent")),
        esc(t(lang, "enrol.same_person")),
    )
}

/// Refreshes the enrolment page's camera preview; the verdict is set as text, never HTML.
const PREVIEW_SCRIPT: &str = "(function(){var i=document.getElementById('preview'),v=document.getElementById('verdict'),l=document.documentElement.lang==='en'?'en':'zh';function tick(){fetch('/enrol/preview.json?lang='+l,{credentials:'same-origin',cache:'no-store'}).then(function(r){return r.json();}).then(function(j){v.textContent=j.hint;v.className='msg '+(j.pass?'ok':'warn');if(j.camera&&j.image){i.src='/enrol/preview.jpg?n='+j.frame;i.hidden=false;}}).catch(function(){});}tick();setInterval(tick,500);})();";

/// The enrolment page's preview script (no secret in it: served to anyone).
pub async fn preview_script() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        PREVIEW_SCRIPT,
    )
        .into_response()
}

/// The verdict line in the page's language.
fn verdict_text(lang: Lang, v: &PreviewVerdict) -> String {
    match v {
        PreviewVerdict::Waiting => t(lang, "preview.waiting").to_string(),
        PreviewVerdict::NoFace => t(lang, "preview.no_face").to_string(),
        PreviewVerdict::Pass => t(lang, "preview.pass").to_string(),
        PreviewVerdict::Refused {
            hint_zh, hint_en, ..
        } => match lang {
            Lang::Zh => hint_zh.clone(),
            Lang::En => hint_en.clone(),
        },
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An answer of type `mime` that no cache keeps.
fn uncached(status: StatusCode, mime: &'static str, body: impl IntoResponse) -> Response {
    no_store((status, [(header::CONTENT_TYPE, mime)], body).into_response())
}

fn plain(status: StatusCode, text: &str) -> Response {
    uncached(status, "text/plain; charset=utf-8", text.to_string())
}

/// `GET /enrol/preview.jpg`: the door camera's latest preview image.
pub async fn preview_jpeg(
    State(state): State<AppState>,
    s: SignedIn<need::Enrol, Endpoint>,
) -> Response {
    let lang = s.lang;
    match call(&state, |c| c.preview()).await {
        Ok(None) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            t(lang, "preview.no_camera"),
        ),
        Ok(Some(p)) => match p.jpeg {
            None => plain(StatusCode::SERVICE_UNAVAILABLE, t(lang, "preview.waiting")),
            Some(jpeg) => uncached(StatusCode::OK, "image/jpeg", jpeg.as_ref().clone()),
        },
        Err(e) => s.failure(e),
    }
}

/// `GET /enrol/preview.json`: the latest frame's number and the gate's verdict.
pub async fn preview_json(
    State(state): State<AppState>,
    s: SignedIn<need::Enrol, Endpoint>,
) -> Response {
    let lang = s.lang;
    let (status, body) = match call(&state, |c| c.preview()).await {
        Ok(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "camera": false,
                "pass": false,
                "verdict": "no_camera",
                "hint": t(lang, "preview.no_camera"),
            }),
        ),
        Ok(Some(p)) => {
            let code = match &p.verdict {
                PreviewVerdict::Waiting => "waiting",
                PreviewVerdict::NoFace => "no_face",
                PreviewVerdict::Pass => "pass",
                PreviewVerdict::Refused { code, .. } => code.as_str(),
            };
            let (hint_zh, text) = match &p.verdict {
                PreviewVerdict::Refused { hint_zh, text, .. } => {
                    (Some(hint_zh.clone()), Some(text.clone()))
                }
                _ => (None, None),
            };
            (
                StatusCode::OK,
                serde_json::json!({
                    "camera": true,
                    "image": p.jpeg.is_some(),
                    "frame": p.frame,
                    "pass": p.verdict == PreviewVerdict::Pass,
                    "verdict": code,
                    "hint": verdict_text(lang, &p.verdict),
                    "hint_zh": hint_zh,
                    "text": text,
                }),
            )
        }
        Err(e) => return s.failure(e),
    };
    uncached(status, "application/json", body.to_string())
}

/// `POST /enrol/capture`: enrols from the door camera's next good frames.
pub async fn capture(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::Enrol>,
) -> Response {
    let lang = s.lang;
    let notice = state.settings.notice_version.clone();
    let page_with = |status: StatusCode, note: String| enrol_page(&s, &notice, status, &note);
    let id = match id_field(lang, &f) {
        Ok(id) => id,
        Err(note) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, note),
    };
    if let Err(note) = consent_field(lang, &f) {
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, note);
    }
    match call(&state, |c| c.preview()).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "preview.no_camera")),
            )
        }
        Err(e) => return s.failure(e),
    }
    let request = CaptureRequest {
        id: id.clone(),
        name: trimmed(&f, "name"),
        post: trimmed(&f, "post"),
        consent: Consent {
            consented_at: state.now(),
            notice_version: notice.clone(),
            recorded_by: s.session.account.clone(),
        },
        same_person: same_person_field(&f),
    };
    let result = call(&state, move |c| c.capture(request, &by)).await;
    let source = format!("the door camera, consent notice {notice}");
    match enrolment_answer(&state, lang, &s.session.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => s.failure(e),
    }
}

/// What the enrolment page says after an enrolment, from photos or from the door camera: on
/// success the audit entry (`source` says where the faces came from), the gallery reload, the
/// number of faces saved and any look-alike warning; a refusal with its reasons. Any other error
/// is handed back for the failure page.
async fn enrolment_answer(
    state: &AppState,
    lang: Lang,
    account: &str,
    id: &StaffId,
    result: Result<super::Enrolment, ConsoleError>,
    source: &str,
) -> Result<(StatusCode, String), ConsoleError> {
    match result {
        Ok(done) => {
            info!(account, %id, faces = done.faces, source, "Enrolled from the console.");
            reload_gallery(state).await;
            let mut note = message(
                "ok",
                &format!(
                    "{} {id}: {} {}",
                    t(lang, "enrol.done"),
                    done.faces,
                    t(lang, "enrol.faces")
                ),
            );
            for (other, score) in &done.lookalikes {
                note.push_str(&message(
                    "warn",
                    &format!("{} {other} ({score:.3})", t(lang, "enrol.lookalike")),
                ));
            }
            Ok((StatusCode::OK, note))
        }
        Err(ConsoleError::Refused(text)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", &format!("{}\n{text}", t(lang, "enrol.refused"))),
        )),
        Err(e) => Err(e),
    }
}

pub async fn enrol_form(State(state): State<AppState>, s: SignedIn<need::Enrol>) -> Response {
    enrol_page(&s, &state.settings.notice_version, StatusCode::OK, "")
}

/// `POST /enrol`: enrols from uploaded photos. Who is asking comes first (as an endpoint:
/// 401, 403): an anonymous upload is refused before it is read; then the form is read within
/// the body limit, and its CSRF token is checked before anything else is.
pub async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    s: SignedIn<need::Enrol, Endpoint>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = s.lang;
    let settings = state.settings.clone();
    let page_with =
        |status: StatusCode, note: String| enrol_page(&s, &settings.notice_version, status, &note);
    let (fields, photos) = match read_upload(lang, settings.body_limit_bytes, multipart).await {
        Ok(read) => read,
        Err((status, text)) => return page_with(status, message("err", &text)),
    };
    if !csrf_matches(&s.session.csrf, fields.get("csrf").map(String::as_str)) {
        warn!(account = %s.session.account, "An enrolment without a valid CSRF token was refused.");
        return page_with(StatusCode::FORBIDDEN, message("err", t(lang, "error.csrf")));
    }
    let id = match id_field(lang, &fields) {
        Ok(id) => id,
        Err(note) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, note),
    };
    if photos.is_empty() || photos.len() > settings.max_photos {
        let e = UploadError::Count {
            max: settings.max_photos,
            found: photos.len(),
        };
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", &e.to_string()),
        );
    }
    let problems: Vec<String> = photos
        .iter()
        .filter_map(|p| check_photo(&p.name, &p.bytes, settings.pixel_budget).err())
        .map(|e| e.to_string())
        .collect();
    if !problems.is_empty() {
        let text = format!("{}\n{}", t(lang, "enrol.refused"), problems.join("\n"));
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &text));
    }
    if let Err(note) = consent_field(lang, &fields) {
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, note);
    }
    let request = EnrolRequest {
        id: id.clone(),
        name: trimmed(&fields, "name"),
        post: trimmed(&fields, "post"),
        photos,
        consent: Consent {
            consented_at: state.now(),
            notice_version: settings.notice_version.clone(),
            recorded_by: s.session.account.clone(),
        },
        same_person: same_person_field(&fields),
    };
    let count = request.photos.len();
    let by = s.actor(peer);
    let result = call(&state, move |c| c.enrol(request, &by)).await;
    let source = format!("{count} photos, consent notice {}", settings.notice_version);
    match enrolment_answer(&state, lang, &s.session.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => s.failure(e),
    }
}

/// Reads an enrolment upload: its text fields and its non-empty photos, or the status and the
/// words of what was wrong with the body (too large: the limit in MB, `limit_bytes`).
async fn read_upload(
    lang: Lang,
    limit_bytes: usize,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Params, Vec<Photo>), (StatusCode, String)> {
    let refused = |e: MultipartError| {
        let status = e.status();
        let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "{} ({} MB)",
                t(lang, "enrol.too_large"),
                limit_bytes / (1024 * 1024)
            )
        } else {
            e.body_text()
        };
        (status, text)
    };
    let mut multipart = multipart.map_err(|e| (StatusCode::BAD_REQUEST, e.body_text()))?;
    let mut fields: Params = HashMap::new();
    let mut photos = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let file = field.file_name().unwrap_or("photo").to_string();
            let bytes = field.bytes().await.map_err(refused)?;
            if !bytes.is_empty() {
                photos.push(Photo {
                    name: file,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let v = field
                .text()
                .await
                .map_err(|e| (e.status(), e.body_text()))?;
            fields.insert(name, v);
        }
    }
    Ok((fields, photos))
}

/// The id the admin typed to confirm "the same person, enrolled again under this id" (the id
/// the face is enrolled under, whose face data is erased); `None` when left empty.
fn same_person_field(fields: &Params) -> Option<String> {
    fields
        .get("same_person")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The form's staff id, or the note saying what is wrong with it.
fn id_field(lang: Lang, fields: &Params) -> Result<StaffId, String> {
    match staff_param(fields.get("id")) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(message("err", t(lang, "enrol.need_id"))),
        Err(e) => Err(message("err", &e)),
    }
}

/// The form's consent box ticked, or the note asking for it.
fn consent_field(lang: Lang, fields: &Params) -> Result<(), String> {
    if fields.get("consent").map(String::as_str) == Some("yes") {
        Ok(())
    } else {
        Err(message("err", t(lang, "enrol.need_consent")))
    }
}

/// A text field, trimmed; `None` when empty or missing.
fn trimmed(fields: &Params, key: &str) -> Option<String> {
    fields
        .get(key)
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
}
