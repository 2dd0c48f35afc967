//! The heartbeat task: once a minute it posts the door's health to the central scoring service
//! (`POST .../heartbeat`: software version, outbox depth, whether the clock is synchronised, when
//! the camera last delivered a frame), so that the centre can list doors that went silent during
//! working hours even when nobody passes. A failure is logged at debug level and tried again at
//! the next turn: the batches' own retries say more about the link.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::app::telemetry::Telemetry;
use crate::config::UploadSettings;
use crate::hw::clock::WallClock;
use crate::uplink::rfc3339_utc;
use crate::uplink::wire::{WireHeartbeat, PROTOCOL_VERSION};

/// How often the door says it is alive.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(60);

/// Runs until `cancel`, the first heartbeat at once.
pub async fn run_heartbeat(
    settings: UploadSettings,
    telemetry: Arc<Telemetry>,
    clock: WallClock,
    every: Duration,
    cancel: CancellationToken,
) {
    let Some(client) = super::upload::client_or_warn(&settings, "No heartbeat to the centre")
    else {
        return;
    };
    loop {
        let beat = WireHeartbeat {
            protocol: PROTOCOL_VERSION,
            device: settings.device_id.clone(),
            sent_at: rfc3339_utc(clock.now()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            outbox_depth: telemetry.outbox_pending(),
            clock_trusted: telemetry.clock_is_trusted(),
            last_frame_at: telemetry.last_frame().map(rfc3339_utc),
        };
        if let Err(error) = client.heartbeat(&beat).await {
            debug!(%error, "The heartbeat did not reach the centre.");
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
