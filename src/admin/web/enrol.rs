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

use axum::extract::{ConnectInfo, Multipart, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use tracing::{info, warn};

use super::common::{actor, call, failure, lang_of, reload_gallery, respond, staff_param, Params};
use super::html::{csrf_field, esc, message, page};
use super::i18n::{t, Lang};
use super::security::{csrf_matches, Permission};
use super::session::{require, require_post, viewer};
use super::upload::{check_photo, UploadError};
use super::{
    AppState, CaptureRequest, Consent, ConsoleError, EnrolRequest, Photo, PreviewVerdict,
    SessionInfo,
};
use crate::core::ids::StaffId;

fn enrol_body(lang: Lang, s: &SessionInfo, notice: &str, note: &str) -> String {
    let mut b = note.to_string();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol\" enctype=\"multipart/form-data\">{}<label>{}<br><input name=\"id\" id=\"id\" required></label><label>{}<br><input name=\"name\" id=\"name\"></label><label>{}<br><input name=\"post\" id=\"post\"></label><label>{}<br><input type=\"file\" name=\"photo\" id=\"photo\" accept=\"image/jpeg,image/png\" multiple required></label><div class=\"msg warn\">{} ({} {})</div><label><input type=\"checkbox\" name=\"consent\" id=\"consent\" value=\"yes\"> {}</label><input type=\"hidden\" name=\"notice\" value=\"{}\"><button id=\"enrol\">{}</button></form>",
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "enrol.name")),
        esc(t(lang, "col.post")),
        esc(t(lang, "enrol.photos")),
        esc(t(lang, "enrol.notice")),
        esc(t(lang, "enrol.notice_version")),
        esc(notice),
        esc(t(lang, "enrol.consent")),
        esc(notice),
        esc(t(lang, "enrol.submit")),
    );
    b.push_str(&camera_section(lang, s, notice));
    b
}

/// The enrolment page's "from the camera" card: the door camera's preview, refreshed by a few
/// lines of inline script, the gate's verdict under it, and the capture form.
fn camera_section(lang: Lang, s: &SessionInfo, notice: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol/capture\" id=\"camera\"><h2>{}</h2><p>{}</p><img id=\"preview\" alt=\"{}\" width=\"320\" hidden><div id=\"verdict\" class=\"msg warn\">{}</div>{}<label>{}<br><input name=\"id\" id=\"cam-id\" required></label><label>{}<br><input name=\"name\" id=\"cam-name\"></label><label>{}<br><input name=\"post\" id=\"cam-post\"></label><div class=\"msg warn\">{} ({} {})</div><label><input type=\"checkbox\" name=\"consent\" id=\"cam-consent\" value=\"yes\"> {}</label><button id=\"capture\">{}</button></form>",
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "enrol.camera_help")),
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "preview.waiting")),
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "enrol.name")),
        esc(t(lang, "col.post")),
        esc(t(lang, "enrol.notice")),
        esc(t(lang, "enrol.notice_version")),
        esc(notice),
        esc(t(lang, "enrol.consent")),
        esc(t(lang, "enrol.capture")),
    );
    // A script of our own origin (the Content-Security-Policy allows no inline script); it reads
    // the page's language from `<html lang>`.
    b.push_str("<script src=\"/enrol/preview.js\"></script>");
    b
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

fn plain(status: StatusCode, text: &str) -> Response {
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text.to_string(),
        )
            .into_response(),
    )
}

/// `GET /enrol/preview.jpg`: the door camera's latest preview image.
pub async fn preview_jpeg(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    if let Err(r) = require(&state, &headers, &q, Permission::Enrol, false).await {
        return r;
    }
    match call(&state, |c| c.preview()).await {
        Ok(None) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            t(lang, "preview.no_camera"),
        ),
        Ok(Some(p)) => match p.jpeg {
            None => plain(StatusCode::SERVICE_UNAVAILABLE, t(lang, "preview.waiting")),
            Some(jpeg) => no_store(
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    jpeg.as_ref().clone(),
                )
                    .into_response(),
            ),
        },
        Err(e) => failure(lang, &q, e),
    }
}

/// `GET /enrol/preview.json`: the latest frame's number and the gate's verdict.
pub async fn preview_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    if let Err(r) = require(&state, &headers, &q, Permission::Enrol, false).await {
        return r;
    }
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
        Err(e) => return failure(lang, &q, e),
    };
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
    )
}

/// `POST /enrol/capture`: enrols from the door camera's next good frames.
pub async fn capture(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::Enrol,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let notice = state.settings.notice_version.clone();
    let page_with = |status: StatusCode, note: String| {
        respond(
            status,
            &q,
            page(
                lang,
                t(lang, "nav.enrol"),
                Some(&viewer(&s)),
                &enrol_body(lang, &s, &notice, &note),
            ),
        )
    };
    let id = match staff_param(f.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "enrol.need_id")),
            )
        }
        Err(e) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &e)),
    };
    if f.get("consent").map(String::as_str) != Some("yes") {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", t(lang, "enrol.need_consent")),
        );
    }
    match call(&state, |c| c.preview()).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "preview.no_camera")),
            )
        }
        Err(e) => return failure(lang, &q, e),
    }
    let trimmed = |k: &str| {
        f.get(k)
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
    };
    let request = CaptureRequest {
        id: id.clone(),
        name: trimmed("name"),
        post: trimmed("post"),
        consent: Consent {
            consented_at: state.now(),
            notice_version: notice.clone(),
            recorded_by: s.account.clone(),
        },
    };
    let by = actor(&s, peer);
    let result = call(&state, move |c| c.capture(request, &by)).await;
    let source = format!("the door camera, consent notice {notice}");
    match enrolment_answer(&state, lang, &s.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => failure(lang, &q, e),
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

pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::Enrol, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let b = enrol_body(lang, &s, &state.settings.notice_version, "");
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, "nav.enrol"), Some(&viewer(&s)), &b),
    )
}

pub async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let lang = lang_of(&headers, &q);
    // Who is asking comes first: an anonymous upload is refused before it is read.
    let s = match require(&state, &headers, &q, Permission::Enrol, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let settings = state.settings.clone();
    let page_with = |status: StatusCode, note: String| {
        respond(
            status,
            &q,
            page(
                lang,
                t(lang, "nav.enrol"),
                Some(&viewer(&s)),
                &enrol_body(lang, &s, &settings.notice_version, &note),
            ),
        )
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return page_with(StatusCode::BAD_REQUEST, message("err", &e.body_text())),
    };
    let mut fields: Params = HashMap::new();
    let mut photos = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let status = e.status();
                let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "{} ({} MB)",
                        t(lang, "enrol.too_large"),
                        settings.body_limit_bytes / (1024 * 1024)
                    )
                } else {
                    e.body_text()
                };
                return page_with(status, message("err", &text));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let file = field.file_name().unwrap_or("photo").to_string();
            match field.bytes().await {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => photos.push(Photo {
                    name: file,
                    bytes: bytes.to_vec(),
                }),
                Err(e) => {
                    let status = e.status();
                    let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
                        format!(
                            "{} ({} MB)",
                            t(lang, "enrol.too_large"),
                            settings.body_limit_bytes / (1024 * 1024)
                        )
                    } else {
                        e.body_text()
                    };
                    return page_with(status, message("err", &text));
                }
            }
        } else {
            match field.text().await {
                Ok(v) => {
                    fields.insert(name, v);
                }
                Err(e) => return page_with(e.status(), message("err", &e.body_text())),
            }
        }
    }
    if !csrf_matches(&s.csrf, fields.get("csrf").map(String::as_str)) {
        warn!(account = %s.account, "An enrolment without a valid CSRF token was refused.");
        return page_with(StatusCode::FORBIDDEN, message("err", t(lang, "error.csrf")));
    }
    let id = match staff_param(fields.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "enrol.need_id")),
            )
        }
        Err(e) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &e)),
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
    if fields.get("consent").map(String::as_str) != Some("yes") {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", t(lang, "enrol.need_consent")),
        );
    }
    let request = EnrolRequest {
        id: id.clone(),
        name: fields
            .get("name")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        post: fields
            .get("post")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        photos,
        consent: Consent {
            consented_at: state.now(),
            notice_version: settings.notice_version.clone(),
            recorded_by: s.account.clone(),
        },
    };
    let count = request.photos.len();
    let by = actor(&s, peer);
    let result = call(&state, move |c| c.enrol(request, &by)).await;
    let source = format!("{count} photos, consent notice {}", settings.notice_version);
    match enrolment_answer(&state, lang, &s.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => failure(lang, &q, e),
    }
}
