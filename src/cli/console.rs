//! `hallclock console` (the web console served alone) and `hallclock user add|list|passwd` (its
//! accounts): the command-line side of the console. The port over the store and the serving are
//! `app::console`'s; this file parses the flags, reads passwords and prints.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::admin::web::security::{hash_password, password_problem};
use crate::admin::web::Role;
use crate::app::console::{bind, runtime, serve};
use crate::app::setup::open_store;
use crate::config::Config;
use crate::core::ids::StaffId;

/// `hallclock console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Listen here instead of the config's console.listen.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

/// Serves the console alone (no camera, no models until an enrolment needs them).
pub fn run(config: &Config, args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let addr = args.listen.unwrap_or(config.console.listen);
    let rt = runtime().context("starting the async runtime")?;
    let config = config.clone();
    let result = rt.block_on(async move {
        let listener = bind(addr).await?;
        let local = listener.local_addr().context("reading the bound address")?;
        info!(%local, "Web console listening.");
        let scheme = if config.console.tls.is_some() {
            "https"
        } else {
            "http"
        };
        println!("console listening on {scheme}://{local}/");
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => return,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            stop.cancel();
        });
        serve(config, listener, None, None, cancel).await?;
        anyhow::Ok(())
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    result.map(|()| ExitCode::SUCCESS)
}

/// `hallclock user ...`: console accounts.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input (or asked for, without echo).
    Add {
        /// Account name (letters, digits, '-' or '_'; it signs amendments).
        #[arg(long)]
        name: String,
        /// admin, supervisor or viewer.
        #[arg(long)]
        role: String,
    },
    /// List the accounts.
    List,
    /// Set an account's password (clears its lock, ends its sessions).
    Passwd {
        /// The account's name.
        #[arg(long)]
        name: String,
    },
}

/// Runs `hallclock user ...`.
pub fn user(config: &Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(config)?;
    let now = config.clock.now();
    match cmd {
        UserCommand::Add { name, role } => {
            let Some(role) = Role::parse(&role) else {
                bail!("--role {role:?}: expected admin, supervisor or viewer");
            };
            add_account(&mut store, &name, role, now)?;
        }
        UserCommand::List => {
            println!("{:<20} {:<11} locked", "name", "role");
            for a in store.accounts()? {
                let locked = match a.locked_until {
                    Some(t) if t > now => format!("until {t}"),
                    _ => "-".to_string(),
                };
                println!("{:<20} {:<11} {locked}", a.name, a.role);
            }
        }
        UserCommand::Passwd { name } => {
            // An unknown account is an error before any password is asked for.
            if !store.accounts()?.iter().any(|a| a.name == name) {
                bail!("no account named {name} (list them with `hallclock user list`)");
            }
            let password = read_password()?;
            let hash = hash_password(&password)?;
            if !store.set_account_password(&name, &hash)? {
                bail!("no account named {name}");
            }
            store.append_audit(now, "cli", "account-password", &name)?;
            println!("password of {name} changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Adds a console account, its password read by [`read_password`], with its audit line.
///
/// # Errors
/// A bad name or password, an account of that name already, or the store failing.
pub(super) fn add_account(
    store: &mut crate::store::Store,
    name: &str,
    role: Role,
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    StaffId::new(name).context("reading --name")?;
    let password = read_password()?;
    let hash = hash_password(&password)?;
    if !store.add_account(name, role.key(), &hash, now)? {
        bail!("account {name} exists already (change its password with `hallclock user passwd --name {name}`)");
    }
    store.append_audit(
        now,
        "cli",
        "account-add",
        &format!("{name} ({})", role.key()),
    )?;
    println!("added account {name} ({})", role.key());
    Ok(())
}

/// The password: the first line of standard input, or asked for twice without echo on a terminal.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = prompt_hidden("password: ")?;
        let again = prompt_hidden("again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if let Some(problem) = password_problem(&password) {
        bail!("{problem}");
    }
    Ok(password)
}

fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let fd = libc::STDIN_FILENO;
    // SAFETY: tcgetattr/tcsetattr on stdin with a zeroed, then filled, termios.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    let have = unsafe { libc::tcgetattr(fd, &mut term) } == 0;
    if have {
        let mut quiet = term;
        quiet.c_lflag &= !libc::ECHO;
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if have {
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
    }
    eprintln!();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
