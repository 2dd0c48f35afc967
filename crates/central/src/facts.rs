//! `GET /api/hallclock/v1/facts`: the hall's facts the centre owns (the staff list's days and
//! windows, the county's holiday files; with `?protocol=2` also the window posts, the leave in
//! force, the duty roster and the meetings), for a door to take a copy of, so that the light at
//! the door agrees with the centre's report. Versioned by the sha256 of its content, sent as a
//! strong `ETag`; a door that presents it in `If-None-Match` gets `304 Not Modified` and no body.
//!
//! Must not send anything biometric (there is none here to send) and must not hold SQL.

use std::sync::Arc;

use axum::extract::Query;
use axum::extract::State;
use axum::http::header::{ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hallclock_core::codes::{
    code_of, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, SESSIONS_CODES, SESSION_CODES,
};
use hallclock_wire::{
    WireDuty, WireFacts, WireFactsStaff, WireHolidayFile, WireLeave, WireMeeting, WirePost,
    WireSignIn, FACTS_PROTOCOL,
};
use jiff::civil::date;
use sha2::{Digest, Sha256};

use crate::receiver::{authenticate, unavailable, StoreHandle};
use crate::sheet::Member;
use crate::store::{LeaveLine, Store, StoreError};

/// The facts of `hall` in facts `protocol` (1, or 2 with the posts, leave, duty and meetings)
/// with their version.
///
/// # Errors
/// [`StoreError`].
pub async fn of_hall(store: &Store, hall: &str, protocol: u32) -> Result<WireFacts, StoreError> {
    let row = store.hall(hall).await?;
    let staff = store.hall_staff(hall).await?;
    let holiday_files = store
        .holiday_files()
        .await?
        .into_iter()
        .map(|(name, body)| WireHolidayFile { name, body })
        .collect();
    let mut facts = WireFacts {
        protocol: 1,
        posts: Vec::new(),
        leaves: Vec::new(),
        duty: Vec::new(),
        meetings: Vec::new(),
        hall: row.id,
        hall_name: row.name,
        zone: row.zone.iana_name().unwrap_or("Asia/Shanghai").to_string(),
        version: String::new(),
        staff: staff.iter().map(wire_staff).collect(),
        holiday_files,
    };
    if protocol >= FACTS_PROTOCOL {
        facts.protocol = FACTS_PROTOCOL;
        let (first, last) = (date(1, 1, 1), date(9999, 12, 31));
        facts.posts = store
            .posts(hall)
            .await?
            .into_iter()
            .map(|p| WirePost {
                id: p.id.as_str().to_string(),
                a: p.holder.as_str().to_string(),
                b: p.backup.as_str().to_string(),
            })
            .collect();
        facts.leaves = store
            .leaves(hall, first, last)
            .await?
            .iter()
            .filter_map(wire_leave)
            .collect();
        facts.duty = store
            .duty(hall, first, last)
            .await?
            .into_iter()
            .map(|e| WireDuty {
                staff: e.staff.as_str().to_string(),
                day: e.date.to_string(),
                sessions: code_of(SESSIONS_CODES, e.sessions).to_string(),
            })
            .collect();
        facts.meetings = store
            .meetings(hall, None)
            .await?
            .into_iter()
            .map(|(id, m)| WireMeeting {
                id,
                title: m.title,
                start: m.start.to_string(),
                end: m.end.to_string(),
                invited: m.invited.iter().map(|s| s.as_str().to_string()).collect(),
                sign_ins: m
                    .sign_ins
                    .iter()
                    .map(|s| WireSignIn {
                        staff: s.staff.as_str().to_string(),
                        at: s.at.to_string(),
                    })
                    .collect(),
            })
            .collect();
    }
    facts.version = version(&facts);
    Ok(facts)
}

/// A leave in force as the doors take it; `None` for one waiting or cancelled.
fn wire_leave(line: &LeaveLine) -> Option<WireLeave> {
    let (level, by, certified_by, at) = line.approval.as_ref().filter(|_| line.in_force())?;
    let l = &line.leave;
    Some(WireLeave {
        id: l.id.0,
        staff: l.staff.as_str().to_string(),
        kind: code_of(LEAVE_KIND_CODES, l.kind).to_string(),
        first_day: l.first.date.to_string(),
        first_session: code_of(SESSION_CODES, l.first.session).to_string(),
        last_day: l.last.date.to_string(),
        last_session: code_of(SESSION_CODES, l.last.session).to_string(),
        cover: l.cover.as_ref().map(|c| c.as_str().to_string()),
        reason: line.reason.clone(),
        level: code_of(APPROVAL_LEVEL_CODES, *level).to_string(),
        approved_by: by.clone(),
        certified_by: certified_by.clone(),
        approved_at: at.to_string(),
        closed_at: l.closed_at.map(|t| t.to_string()),
    })
}

fn wire_staff(m: &Member) -> WireFactsStaff {
    WireFactsStaff {
        id: m.id.as_str().to_string(),
        name: m.name.clone(),
        post: m.post.clone(),
        active_from: m.active_from.map(|d| d.to_string()),
        active_until: m.active_until.map(|d| d.to_string()),
    }
}

/// The sha256 (hex) of the facts' JSON with an empty version.
fn version(facts: &WireFacts) -> String {
    let mut unversioned = facts.clone();
    unversioned.version = String::new();
    // Serialising plain strings and vectors cannot fail.
    let json = serde_json::to_vec(&unversioned).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The query of a facts request: `?protocol=2` for the version with posts, leave, duty and
/// meetings.
#[derive(Debug, serde::Deserialize)]
pub struct Asked {
    protocol: Option<u32>,
}

/// The handler: 401 without a live token, 503 while the database is away, 304 when the door's
/// copy is current, otherwise the facts with their `ETag`.
pub async fn get_facts(
    State(handle): State<Arc<StoreHandle>>,
    Query(asked): Query<Asked>,
    headers: HeaderMap,
) -> Response {
    let store = match handle.get().await {
        Ok(s) => s,
        Err(e) => return unavailable(&e),
    };
    let device = match authenticate(&store, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let facts = match of_hall(&store, &device.hall, asked.protocol.unwrap_or(1)).await {
        Ok(f) => f,
        Err(e) => return unavailable(&e),
    };
    let tag = format!("\"{}\"", facts.version);
    let current = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    if current {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
    }
    (StatusCode::OK, [(ETAG, etag)], Json(facts)).into_response()
}
