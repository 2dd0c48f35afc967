//! `hallclock enroll` (alias `enrol`): a staff member's face from one or more photos. The
//! enrolment itself is `app::enrol`'s (shared with the console and the demo); this file reads
//! the flags and prints. A face already enrolled under someone else is refused unless
//! `--same-person` confirms a re-enrolment of that person under this id.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::app::enrol::{enrol, DuplicateFaces, EnrolInput, PhotoInput, ALREADY_ENROLLED};
use crate::app::setup::{open_store, Vision};
use crate::app::AppError;
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
    /// Confirm that this is the same person as the enrolled id the face matches, enrolled again
    /// under this id: that id's face data is erased and it becomes inactive. Without it, a face
    /// that matches someone else is refused.
    #[arg(long)]
    pub same_person: bool,
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
    let audit = Audit::cli(config.clock.now(), "enrol", "");
    let input = EnrolInput {
        id: &id,
        name: args.name.as_deref(),
        post: args.post.as_deref(),
        duplicates: if args.same_person {
            DuplicateFaces::SamePerson
        } else {
            DuplicateFaces::Refuse
        },
        now: config.clock.now(),
        by: &audit,
    };
    let keep_images = config.store.keep_face_images;
    let done = enrol(&mut vision, &mut store, &input, &photos, keep_images).map_err(|e| {
        let duplicate = matches!(&e, AppError::Refused(m) if m.contains(ALREADY_ENROLLED));
        let e = anyhow::Error::from(e);
        match duplicate {
            true => e.context(format!(
                "{id}: 如确为同一人重新录入,请加 --same-person (if it really is the same person, add --same-person)"
            )),
            false => e,
        }
    })?;
    println!(
        "enrolled {id}: {} face(s) from {} photo(s)",
        done.faces,
        photos.len()
    );
    for (other, score) in &done.lookalikes {
        println!("同一人重新录入 re-enrolment: {other} (similarity {score:.3}) lost its face data and is inactive now");
    }
    println!(
        "门禁正在运行时,请执行 systemctl reload hallclock 使新人脸生效 \
         (a running door picks the new face up after a reload: systemctl reload hallclock)"
    );
    Ok(ExitCode::SUCCESS)
}
