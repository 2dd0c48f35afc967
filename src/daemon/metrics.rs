//! The Prometheus text endpoint (`GET /metrics`) on a loopback address: renders the daemon's
//! `Telemetry`. Nothing else is served; it stops when its token is cancelled.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::app::telemetry::Telemetry;

/// Binds the endpoint (a failure here is a start-up error).
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics endpoint on {addr} (metrics.listen)"))
}

/// Serves until `cancel` fires.
///
/// # Errors
/// When serving fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    telemetry: Arc<Telemetry>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let t = telemetry.clone();
            async move { ([("content-type", "text/plain; version=0.0.4")], t.render()) }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
        .context("serving metrics")
}
