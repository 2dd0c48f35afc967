//! `GET /api/hallclock/v1/facts`: the hall's facts the centre owns (the staff list's days and
//! windows, the county's holiday files), for a door to take a copy of, so that the light at the
//! door agrees with the centre's report. Versioned by the sha256 of its content, sent as a strong
//! `ETag`; a door that presents it in `If-None-Match` gets `304 Not Modified` and no body.
//!
//! Must not send anything biometric (there is none here to send) and must not hold SQL.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hallclock_wire::{WireFacts, WireFactsStaff, WireHolidayFile};
use sha2::{Digest, Sha256};

use crate::receiver::{authenticate, unavailable, StoreHandle};
use crate::sheet::Member;
use crate::store::{Store, StoreError};

/// The facts of `hall` with their version.
///
/// # Errors
/// [`StoreError`].
pub async fn of_hall(store: &Store, hall: &str) -> Result<WireFacts, StoreError> {
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
        hall: row.id,
        hall_name: row.name,
        zone: row.zone.iana_name().unwrap_or("Asia/Shanghai").to_string(),
        version: String::new(),
        staff: staff.iter().map(wire_staff).collect(),
        holiday_files,
    };
    facts.version = version(&facts);
    Ok(facts)
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

/// The handler: 401 without a live token, 503 while the database is away, 304 when the door's
/// copy is current, otherwise the facts with their `ETag`.
pub async fn get_facts(State(handle): State<Arc<StoreHandle>>, headers: HeaderMap) -> Response {
    let store = match handle.get().await {
        Ok(s) => s,
        Err(e) => return unavailable(&e),
    };
    let device = match authenticate(&store, &headers).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let facts = match of_hall(&store, &device.hall).await {
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
