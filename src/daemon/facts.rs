//! The facts task: every `uplink.facts-every-secs` it asks the central scoring service for the
//! hall's facts (with `If-None-Match`: the version it applied last) and applies a newer copy to
//! the store (`app::facts`) on a blocking thread. The decide stage sees the store's facts
//! generation move and reloads the calendar, so the light at the door follows the centre without
//! a restart. A failure is logged and tried again at the next turn; it never stops the door.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::facts::apply;
use crate::config::{Config, UploadSettings};
use crate::store::{Audit, Store};
use crate::uplink::FactsAnswer;

/// Runs until `cancel`, a turn every `every`, the first at once.
pub async fn run_facts(
    settings: UploadSettings,
    config: Config,
    every: Duration,
    cancel: CancellationToken,
) {
    let Some(client) =
        super::upload::client_or_warn(&settings, "Cannot take the facts from the centre")
    else {
        return;
    };
    let mut known: Option<String> = None;
    loop {
        match client.fetch_facts(known.as_deref()).await {
            Ok(FactsAnswer::Current) => {}
            Ok(FactsAnswer::Changed(facts)) => {
                let config = config.clone();
                let applied = tokio::task::spawn_blocking(move || {
                    let now = config.clock.now();
                    let audit = Audit::daemon(now, "facts from the centre", "");
                    let mut store =
                        Store::open(&config.store.database).map_err(|e| e.to_string())?;
                    apply(&mut store, &config, &facts, now, &audit).map_err(|e| e.to_string())
                })
                .await;
                match applied {
                    Ok(Ok(a)) => {
                        info!(version = %a.version, staff_added = a.staff_added, staff_updated = a.staff_updated, holiday_files = a.holiday_files, "Took the hall's facts from the centre.");
                        if let Some(c) = &a.centre {
                            info!(
                                posts = c.posts,
                                leaves = c.leaves,
                                duty = c.duty,
                                meetings = c.meetings,
                                "Took the centre's posts, leave, duty and meetings."
                            );
                            for (centre, door) in &c.leave_conflicts {
                                warn!(centre_leave = centre, door_leave = %door, "The centre's leave overlaps this door's own; not applied.");
                            }
                        }
                        if let Some(zone) = &a.zone_differs {
                            warn!(%zone, "The centre's zone for the hall differs from this door's.");
                        }
                        known = Some(a.version);
                    }
                    Ok(Err(error)) => {
                        warn!(%error, "Cannot apply the centre's facts; keeping the door's.")
                    }
                    Err(error) => warn!(%error, "The facts task's database worker died."),
                }
            }
            Err(error) => {
                warn!(%error, "Cannot take the facts from the centre; trying again later.")
            }
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
