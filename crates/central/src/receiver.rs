//! The HTTP side of the receiver: `POST /api/hallclock/v1/punches` (upload protocol versions 1
//! and 2, `docs/upload-protocol.md`) and `POST /api/hallclock/v1/heartbeat` (the door's health, additive
//! to version 1). Authenticates the bearer token, reads a bounded body, lets `ingest` judge it and
//! `store` keep it, and answers with the protocol's bodies.
//!
//! Must not hold SQL (`store` does) or decide what a record is worth (`ingest` does). A refused
//! request (any 4xx) changes nothing, not even the device's last-seen time; a token is never
//! logged or echoed. The receiver keeps a few connections, used in turn; one that ended is opened
//! again on the next request that picks it ([`StoreHandle`]); until it can be, requests are
//! answered `503` with `Retry-After`. It holds no other state: any number of receivers may serve
//! the same database (`docs/central-scaling.md`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hallclock_wire::{WireError, WireHeartbeat, PROTOCOL_VERSIONS};

use crate::ingest::{self, BatchRefusal, Line};
use crate::store::{DbSettings, Store, StoreError, TokenDevice};
use crate::token;

/// The batch endpoint's path.
pub const PUNCHES_PATH: &str = "/api/hallclock/v1/punches";
/// The heartbeat endpoint's path.
pub const HEARTBEAT_PATH: &str = "/api/hallclock/v1/heartbeat";
/// The largest heartbeat body read.
const MAX_HEARTBEAT_BYTES: usize = 16 * 1024;

/// The connections the receiver keeps by default: two per core, so that one connection's commit
/// waiting for the disk does not hold up the others (queries are also pipelined on each).
pub fn default_connections() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// The stores the receiver uses in turn, each connected on first use and again when its
/// connection has ended.
#[derive(Debug)]
pub struct StoreHandle {
    settings: DbSettings,
    slots: Vec<tokio::sync::Mutex<Option<Arc<Store>>>>,
    next: AtomicUsize,
}

impl StoreHandle {
    /// A handle over an open store and the settings it was opened with, keeping
    /// [`default_connections`].
    pub fn new(settings: DbSettings, store: Store) -> StoreHandle {
        StoreHandle::with_connections(settings, store, default_connections())
    }

    /// A handle keeping `connections` (at least one): `store` and others opened when first used.
    pub fn with_connections(settings: DbSettings, store: Store, connections: usize) -> StoreHandle {
        let mut slots = vec![tokio::sync::Mutex::new(Some(Arc::new(store)))];
        slots.extend((1..connections).map(|_| tokio::sync::Mutex::new(None)));
        StoreHandle {
            settings,
            slots,
            next: AtomicUsize::new(0),
        }
    }

    /// A connection of its own with the same settings, for a caller that needs `&mut Store`
    /// (a transaction: the pages' changes with their audit lines).
    ///
    /// # Errors
    /// What [`Store::connect`] reports.
    pub async fn connect_another(&self) -> Result<Store, StoreError> {
        Store::connect(&self.settings).await
    }

    /// The next open store in turn, connecting first when it has none or its connection has
    /// ended (one connection attempt per slot at a time; requests meanwhile wait for it).
    ///
    /// # Errors
    /// What [`Store::connect`] reports.
    pub async fn get(&self) -> Result<Arc<Store>, StoreError> {
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[turn].lock().await;
        match slot.as_ref() {
            Some(store) if !store.is_closed() => return Ok(store.clone()),
            Some(_) => tracing::warn!("A database connection ended; connecting again"),
            None => {}
        }
        let store = Arc::new(Store::connect(&self.settings).await?);
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// The receiver's routes over a shared store.
pub fn router(store: Arc<StoreHandle>) -> Router {
    Router::new()
        .route(PUNCHES_PATH, post(punches))
        .route(HEARTBEAT_PATH, post(heartbeat))
        .route(
            hallclock_wire::FACTS_PATH,
            axum::routing::get(crate::facts::get_facts),
        )
        .with_state(store)
}

fn error(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(WireError { error: text.into() })).into_response()
}

pub(crate) fn unavailable(e: &StoreError) -> Response {
    tracing::error!(error = %e, "The store failed a request");
    let mut r = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the central store is unavailable; expected it back shortly, send again later",
    );
    r.headers_mut()
        .insert(RETRY_AFTER, axum::http::HeaderValue::from_static("30"));
    r
}

/// The live device the request's bearer token belongs to, or the 401 to answer.
pub(crate) async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
) -> Result<TokenDevice, Response> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(token::bearer);
    let Some(presented) = presented else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "no bearer token; expected Authorization: Bearer <the device's token>",
        ));
    };
    match store.device_by_token(&token::token_sha256(presented)).await {
        Ok(Some(device)) => Ok(device),
        Ok(None) => Err(error(
            StatusCode::UNAUTHORIZED,
            "the bearer token is not a live device token; expected the token printed by \
             hallclock-central device add or device rotate",
        )),
        Err(e) => Err(unavailable(&e)),
    }
}

/// What every door request goes through first: the database (503 while it is away), the
/// device's token (401) and a body of at most `limit` bytes (413).
async fn admit(
    handle: &StoreHandle,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<(Arc<Store>, TokenDevice, Bytes), Response> {
    let store = handle.get().await.map_err(|e| unavailable(&e))?;
    let device = authenticate(&store, headers).await?;
    let body = read_body(body, limit).await?;
    Ok((store, device, body))
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    to_bytes(body, limit).await.map_err(|_| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            BatchRefusal::TooLarge.to_string(),
        )
    })
}

async fn punches(
    State(handle): State<Arc<StoreHandle>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (store, device, body) = match admit(&handle, &headers, body, ingest::MAX_BODY_BYTES).await {
        Ok(admitted) => admitted,
        Err(r) => return r,
    };
    let lines = match ingest::check_batch(&body, &device.id) {
        Ok(lines) => lines,
        Err(refusal) => {
            tracing::warn!(device = %device.id, error = %refusal, "Refused a batch");
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return error(status, refusal.to_string());
        }
    };
    let ids: Vec<&str> = lines
        .iter()
        .filter_map(Line::staff)
        .map(|s| s.as_str())
        .collect();
    let known = match store.known_staff(&device.hall, &ids).await {
        Ok(k) => k,
        Err(e) => return unavailable(&e),
    };
    let lines = ingest::reject_unknown_staff(lines, &known, &device.hall);
    let to_insert = ingest::punches_to_insert(&lines);
    let inserted = match store
        .insert_punches(&device.id, &device.hall, &to_insert)
        .await
    {
        Ok(i) => i,
        Err(e) => return unavailable(&e),
    };
    let attempts = match store
        .insert_spoof_attempts(
            &device.id,
            &device.hall,
            &ingest::attempts_to_insert(&lines),
        )
        .await
    {
        Ok(i) => i,
        Err(e) => return unavailable(&e),
    };
    let answer = ingest::answer(lines, &inserted, &attempts);
    let count = |s: &str| answer.results.iter().filter(|r| r.status == s).count();
    tracing::info!(
        device = %device.id,
        accepted = count("accepted"),
        duplicate = count("duplicate"),
        rejected = count("rejected"),
        "Received a batch"
    );
    (StatusCode::OK, Json(answer)).into_response()
}

async fn heartbeat(
    State(handle): State<Arc<StoreHandle>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (store, device, body) = match admit(&handle, &headers, body, MAX_HEARTBEAT_BYTES).await {
        Ok(admitted) => admitted,
        Err(r) => return r,
    };
    let beat: WireHeartbeat = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("malformed heartbeat: {e}; expected protocol, device, sent_at, version, outbox_depth, clock_trusted and optionally last_frame_at"),
            )
        }
    };
    if !PROTOCOL_VERSIONS.contains(&beat.protocol) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown protocol {}; expected 1 or 2", beat.protocol),
        );
    }
    if beat.device != device.id {
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "the heartbeat names device {:?} but the token belongs to device {:?}",
                beat.device, device.id
            ),
        );
    }
    let health = match serde_json::to_string(&beat) {
        Ok(h) => h,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("heartbeat: {e}")),
    };
    match store.note_heartbeat(&device.id, &health).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => unavailable(&e),
    }
}
