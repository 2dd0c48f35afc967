//! `hallclock-central account add`: an account for the centre's pages, its password read from
//! a file or typed at a prompt, checked by the shared password rules and kept only as an
//! argon2 hash. Never prints or logs the password.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;
use hallclock_web::security::{hash_password, password_problem};

use crate::store::{AccountRow, AuditEntry, Store};
use crate::web::CentreRole;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Adds an account for the centre's pages: inspector (records items, closes months),
    /// supervisor (one hall, with --hall), director (the county), finance (the fund sheets'
    /// downloads) or admin.
    Add {
        /// The sign-in name.
        #[arg(long)]
        name: String,
        /// inspector, supervisor, director, finance or admin.
        #[arg(long)]
        role: String,
        /// A supervisor's hall.
        #[arg(long)]
        hall: Option<String>,
        /// A file holding the password on its first line (default: typed at a prompt).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

fn read_password(file: Option<PathBuf>) -> anyhow::Result<String> {
    let line = match file {
        Some(path) => std::fs::read_to_string(&path)
            .with_context(|| format!("reading the password from {}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => {
            eprint!("Password (at least 10 characters): ");
            // Not echoed when stdin is a terminal (`stty` fails quietly when it is not).
            let echo = |on: &str| {
                std::process::Command::new("stty")
                    .arg(on)
                    .stdin(std::process::Stdio::inherit())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            let hidden = echo("-echo");
            let mut line = String::new();
            let read = std::io::stdin().lock().read_line(&mut line);
            if hidden {
                echo("echo");
                eprintln!();
            }
            read.context("reading the password")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    Ok(line)
}

pub async fn account(
    store: &Store,
    command: AccountCommand,
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    let AccountCommand::Add {
        name,
        role,
        hall,
        password_file,
    } = command;
    let role = CentreRole::parse(&role, hall.as_deref()).context("account add")?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        bail!("account add: the name must have 1 to 64 characters");
    }
    let password = read_password(password_file)?;
    if let Some(problem) = password_problem(&password) {
        bail!("account add: {problem}");
    }
    let password_hash = hash_password(&password).context("account add")?;
    store
        .add_account(&AccountRow {
            name: name.clone(),
            role: role.key().to_string(),
            hall: role.hall().map(str::to_string),
            password_hash,
        })
        .await
        .context("account add")?;
    store
        .audit(&AuditEntry {
            at: now,
            actor: "cli".into(),
            client: "cli".into(),
            action: "account-add".into(),
            detail: format!("{name} ({})", role.key()),
        })
        .await
        .context("account add: the audit log")?;
    eprintln!("Added account {name} ({}).", role.key());
    Ok(())
}
