//! `hallclock staff list|add|remove`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::core::ids::StaffId;
use crate::store::Audit;

use crate::app::setup::{current_embedder_sha, open_store};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Everyone on the staff list, with their number of enrolled faces for the current embedder.
    List,
    /// Add a person (no face needed; enrolment adds faces later).
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// Window post, e.g. W03.
        #[arg(long)]
        post: Option<String>,
    },
    /// Erase a person's face data (all embeddings) and mark them inactive; attendance stays.
    Remove {
        #[arg(long)]
        id: String,
    },
}

pub fn run(config: &Config, cmd: StaffCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(config)?;
    match cmd {
        StaffCommand::List => {
            let sha = current_embedder_sha(config).unwrap_or_default();
            let list = store.list_staff(&sha)?;
            if list.is_empty() {
                println!("no staff yet (add with `hallclock staff add` or `hallclock enroll`)");
            }
            println!(
                "{:<10} {:<16} {:<8} {:<8} faces",
                "id", "name", "post", "active"
            );
            for s in list {
                println!(
                    "{:<10} {:<16} {:<8} {:<8} {}",
                    s.staff.staff_id,
                    s.staff.name,
                    s.staff.post.as_deref().unwrap_or("-"),
                    if s.staff.active { "yes" } else { "no" },
                    s.embeddings
                );
            }
        }
        StaffCommand::Add { id, name, post } => {
            let id = StaffId::new(&id).context("reading --id")?;
            let now = config.clock.now();
            let before = store.staff(&id)?;
            let detail = match &before {
                Some(b) => format!(
                    "{id}: name {} -> {name}, post {} -> {}",
                    b.name,
                    b.post.as_deref().unwrap_or("-"),
                    post.as_deref().or(b.post.as_deref()).unwrap_or("-")
                ),
                None => format!("{id} {name}, post {}", post.as_deref().unwrap_or("-")),
            };
            let action = if before.is_some() {
                "staff-update"
            } else {
                "staff-add"
            };
            let audit = Audit::cli(now, action, detail);
            store.upsert_staff(&id, &name, post.as_deref(), now, &audit)?;
            println!("added {id} {name}");
        }
        StaffCommand::Remove { id } => {
            let id = StaffId::new(&id).context("reading --id")?;
            let audit = Audit::cli(config.clock.now(), "staff-remove", id.to_string());
            let n = store.remove_staff(&id, &audit)?;
            println!("removed {id}: {n} face embedding(s) erased");
        }
    }
    Ok(ExitCode::SUCCESS)
}
