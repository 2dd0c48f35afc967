//! `hallclock doctor`: prints the doctor's checks (`app::doctor`, shared with the console's
//! status page), one line each, `OK` or what to do, and exits non-zero if anything failed.

use std::process::ExitCode;

use clap::Args;

use crate::app::doctor::{checks, Outcome};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Skip the camera check (e.g. while the daemon holds the camera).
    #[arg(long)]
    pub no_camera: bool,
}

pub fn run(config: &Config, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    for (what, outcome) in checks(config, !args.no_camera) {
        match outcome {
            Outcome::Ok(detail) => println!("OK    {what}: {detail}"),
            Outcome::Warning(todo) => println!("WARN  {what}: {todo}"),
            Outcome::Failed(todo) => {
                failed += 1;
                println!("FAIL  {what}: {todo}");
            }
            Outcome::Skipped(why) => println!("skip  {what} ({why})"),
        }
    }
    if failed > 0 {
        println!("{failed} check(s) failed");
        Ok(ExitCode::FAILURE)
    } else {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    }
}
