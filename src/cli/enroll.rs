//! `hallclock enroll` (alias `enrol`): a staff member's face from one or more photos. The
//! enrolment itself is `app::enrol`'s (shared with the console and the demo); this file reads
//! the flags and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::app::enrol::{enrol, PhotoInput};
use crate::app::setup::{open_store, Vision};
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::store::Audit;

#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// Staff id (letters, digits, '-' or '_'), e.g. 0042.
    #[arg(long)]
    pub id: String,
    /// Full name; required when the person is new.
    #[arg(long)]
    pub name: Option<String>,
    /// Window post, e.g. W03.
    #[arg(long)]
    pub post: Option<String>,
    /// One or more photos of the person, alone, facing the camera.
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,
}

pub fn run(config: &Config, args: EnrollArgs) -> anyhow::Result<ExitCode> {
    let id = StaffId::new(&args.id).context("reading --id")?;
    let mut store = open_store(config)?;
    let mut vision = Vision::load(config)?;
    let photos: Vec<PhotoInput<'_>> = args
        .photos
        .iter()
        .map(|p| PhotoInput::File(p.as_path()))
        .collect();
    let done = enrol(
        &mut vision,
        &mut store,
        &id,
        args.name.as_deref(),
        args.post.as_deref(),
        &photos,
        config.store.keep_face_images,
        config.clock.now(),
        &Audit::cli(config.clock.now(), "enrol", ""),
    )?;
    for (other, score) in &done.lookalikes {
        eprintln!("warning: this face already matches {other} (similarity {score:.3}); check that {id} and {other} are not the same person");
    }
    println!(
        "enrolled {id}: {} face(s) from {} photo(s)",
        done.faces,
        photos.len()
    );
    Ok(ExitCode::SUCCESS)
}
