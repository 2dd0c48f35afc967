//! `hallclock demo`: the embedded default. A fresh database in `demo-out/`, the sample staff of
//! `tests/fixtures/demo/staff.csv` enrolled from their photos, then the door daemon (`run`) with a
//! built-in config: the sample videos as the camera, log-only feedback, printing each punch as it
//! happens with its late/early verdict, and stopping when the videos end. No camera needed.
//!
//! Unless `--no-centre`, the whole system: a local central scoring service on a throwaway
//! PostgreSQL (`demo_centre`) receives the door's uploads, and the demo ends by printing the
//! centre's month sheet of the demo hall.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use crate::core::ids::StaffId;

use crate::app::enrol::{enrol, DuplicateFaces, EnrolInput, PhotoInput};
use crate::app::setup::{open_store, Vision};
use crate::config::demo_sources;
use crate::config::{ClockCheck, Config, FeedbackKind};

use super::demo_centre::{CentreStaff, LocalCentre};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder with staff.csv, the photos and the videos.
    #[arg(long, default_value = "tests/fixtures/demo")]
    pub fixtures: PathBuf,
    /// Where the demo database goes (recreated on every run).
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// The door alone: no local central scoring service (no PostgreSQL needed).
    #[arg(long)]
    pub no_centre: bool,
}

struct DemoStaff {
    id: StaffId,
    name: String,
    post: String,
    photo: PathBuf,
}

fn read_staff(dir: &Path) -> anyhow::Result<Vec<DemoStaff>> {
    let path = dir.join("staff.csv");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [id, name, post, photo] = cols.as_slice() else {
            bail!(
                "{}:{}: expected 4 columns staff_id,name,post,photo; found {:?}",
                path.display(),
                n + 1,
                line
            );
        };
        let id = StaffId::new(id).with_context(|| format!("{}:{}", path.display(), n + 1))?;
        out.push(DemoStaff {
            id,
            name: (*name).to_string(),
            post: (*post).to_string(),
            photo: dir.join(photo),
        });
    }
    Ok(out)
}

pub fn run(config: &Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    if !args.fixtures.join("staff.csv").is_file() {
        bail!("{} has no staff.csv: run the demo from the repository's top folder, or pass --fixtures", args.fixtures.display());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let db = args.out.join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            std::fs::remove_file(&p)
                .with_context(|| format!("removing the previous demo database {}", p.display()))?;
        }
    }
    let mut config = config.clone();
    config.store.database = db.clone();
    let mut store = open_store(&config)?;
    let mut vision = Vision::load(&config)?;
    println!(
        "hallclock demo: database {}, embedder {}",
        db.display(),
        vision.model_name
    );
    let staff = read_staff(&args.fixtures)?;
    for s in &staff {
        let input = EnrolInput {
            id: &s.id,
            name: Some(&s.name),
            post: Some(&s.post),
            duplicates: DuplicateFaces::Refuse,
            now: config.clock.now(),
            by: &crate::store::Audit::cli(config.clock.now(), "enrol", "demo"),
        };
        let photo = PhotoInput::File(s.photo.as_path());
        enrol(&mut vision, &mut store, &input, &[photo], false)
            .with_context(|| format!("enrolling sample staff {}", s.id))?;
        println!(
            "enrolled {} {} ({}) from {}",
            s.id,
            s.name,
            s.post,
            s.photo.display()
        );
    }
    drop(store);
    drop(vision);
    let now = config.clock.now();
    let zone = config.rules.engine.schedule.zone.clone();
    let today = zone.to_datetime(now).date();
    let centre = if args.no_centre {
        None
    } else {
        let people: Vec<CentreStaff<'_>> = staff
            .iter()
            .map(|s| CentreStaff {
                id: s.id.as_str(),
                name: &s.name,
                post: &s.post,
            })
            .collect();
        let hall_name = config
            .hall_name
            .clone()
            .unwrap_or_else(|| "示例政务服务中心".to_string());
        let centre = LocalCentre::start(
            &args.out,
            "demo",
            &hall_name,
            &people,
            today,
            &config.daemon.device_id,
        )
        .context(
            "starting the demo's central scoring service (or run the demo with --no-centre)",
        )?;
        config.uplink = Some(centre.uplink.clone());
        Some(centre)
    };
    // The daemon itself, on the embedded default: the sample videos as the camera, log-only
    // feedback, no metrics endpoint, and the clock trusted (a development machine has no NTP
    // status to speak of) so each punch gets its late/early verdict.
    config.camera.sources = demo_sources(&args.fixtures);
    config.camera.loop_file = false;
    config.camera.pace_fps = None;
    config.feedback.kind = FeedbackKind::Log;
    config.daemon.clock_check = ClockCheck::Off;
    config.metrics.listen = None;
    println!("running the door daemon on the sample videos (log-only feedback); each punch as it happens:");
    let prepared = crate::daemon::prepare(&config)?;
    let telemetry = prepared.telemetry.clone();
    let code = super::run::serve(prepared)?;
    println!(
        "demo done: {} punch(es) recorded in {}",
        telemetry.punches(),
        db.display()
    );
    if let Some(centre) = centre {
        let left = centre.drain(&db, std::time::Duration::from_secs(30))?;
        if left > 0 {
            println!("{left} record(s) could not be uploaded in time; they stay in the outbox");
        } else {
            println!("every punch is uploaded to the centre");
        }
        centre.print_sheet(&today.strftime("%Y-%m").to_string(), now)?;
    }
    Ok(code)
}
