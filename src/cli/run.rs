//! `hallclock run`: the door daemon. Loads everything synchronously (a bad config has already
//! exited 78), builds the tokio runtime and hands over to `daemon::serve`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::daemon;

use crate::config::Config;

#[derive(Debug, Args)]
pub struct RunArgs {}

pub fn run(config: &Config, _args: RunArgs) -> anyhow::Result<ExitCode> {
    let prepared = daemon::prepare(config)?;
    serve(prepared)
}

/// Runs a prepared daemon on its own runtime until it stops.
pub fn serve(prepared: daemon::Prepared) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hallclock-rt")
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = rt.block_on(daemon::serve(prepared));
    // Stages still stuck after a timed-out drain must not hold the exit up.
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}
