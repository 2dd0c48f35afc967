//! `hallclock doctor`: checks what the door daemon needs, one line each, OK or what to do.
//! (being written)

use std::process::ExitCode;

use clap::Args;

use super::config::Config;

#[derive(Debug, Args)]
pub struct DoctorArgs {}

pub fn run(_config: &Config, _args: DoctorArgs) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
