//! The `hallclock-central` commands: `migrate`, `hall add`, `staff add | set`, `device add |
//! revoke | rotate | list`, `serve`, and the inspection office's (`month`: `calendar`, `record`,
//! `month`), and `account add` for the pages. Parses arguments, opens the store and joins it to the receiver;
//! `anyhow` lives here and in `main` only.
//!
//! Must not print the database URL or password; prints a device token exactly once, on stdout,
//! alone on its line, when `device add` or `device rotate` makes it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hallclock_core::ids::StaffId;

mod account;
mod hall_facts;
mod month;

use crate::store::{DbSettings, Store};
use crate::token::NewToken;
use crate::{receiver, silence, web};

/// The central scoring service of hallclock: receives the doors' punches into PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "hallclock-central", version)]
pub struct Args {
    /// The PostgreSQL connection URL, e.g. postgresql://hallclock@db.example/hallclock (never
    /// printed).
    #[arg(
        long,
        env = "HALLCLOCK_CENTRAL_DB",
        hide_env_values = true,
        global = true
    )]
    pub db: Option<String>,
    /// A file holding the database password on one line (never printed).
    #[arg(long, env = "HALLCLOCK_CENTRAL_DB_PASSWORD_FILE", global = true)]
    pub db_password_file: Option<PathBuf>,
    /// The instant the sheets are computed as of (RFC 3339, e.g. 2026-06-05T02:00:00Z; default:
    /// now). For replaying a day and for tests.
    #[arg(long, env = "HALLCLOCK_NOW", global = true)]
    pub now: Option<jiff::Timestamp>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Applies the database migrations this binary knows and the database has not seen.
    Migrate,
    /// Halls.
    #[command(subcommand)]
    Hall(HallCommand),
    /// A hall's staff list.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Door devices and their upload tokens.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// The county's holiday calendar.
    #[command(subcommand)]
    Calendar(month::CalendarCommand),
    /// The inspection office's records (conduct, 串岗, cases, discipline).
    #[command(subcommand)]
    Record(month::RecordCommand),
    /// The month sheet, closing, a person's month, the year's awards.
    #[command(subcommand)]
    Month(month::MonthCommand),
    /// Window posts and their A (主办) and B (备岗).
    #[command(subcommand)]
    Post(hall_facts::PostCommand),
    /// Leave (请假): record, approve, close (销假), cancel, list.
    #[command(subcommand)]
    Leave(hall_facts::LeaveCommand),
    /// The duty roster (值班) of days off.
    #[command(subcommand)]
    Duty(hall_facts::DutyCommand),
    /// Meetings and study sessions (会议和学习活动) with their sign-in sheets.
    #[command(subcommand)]
    Meeting(hall_facts::MeetingCommand),
    /// Accounts for the centre's pages.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Migrates, then receives uploads until SIGINT or SIGTERM.
    Serve {
        /// The address to listen on (plain HTTP: put TLS in front, see docs/central.md).
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        /// Database connections to keep, used in turn (default: two per core).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
        connections: Option<u16>,
        /// The pages are reached over HTTPS (a TLS proxy in front): mark their cookies Secure
        /// and send Strict-Transport-Security.
        #[arg(long)]
        secure_cookies: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HallCommand {
    /// Adds a hall.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// The hall's time zone (IANA name): its days, sessions and months.
        #[arg(long, default_value = "Asia/Shanghai")]
        zone: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Adds a person to a hall's staff list.
    Add {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        facts: StaffFacts,
    },
    /// Changes a person's days on the list or window.
    Set {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        id: String,
        #[command(flatten)]
        facts: StaffFacts,
    },
}

/// A person's days on the list and window.
#[derive(Debug, clap::Args)]
pub struct StaffFacts {
    /// The first day the person is on the list (judged and paid), YYYY-MM-DD.
    #[arg(long)]
    active_from: Option<jiff::civil::Date>,
    /// The last day the person is on the list, YYYY-MM-DD.
    #[arg(long)]
    active_until: Option<jiff::civil::Date>,
    /// The window (post) the person holds, e.g. W03: a D1 bars the whole window's year.
    #[arg(long)]
    post: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Registers a door of a hall and prints its upload token, once.
    Add {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        id: String,
    },
    /// Revokes a door's token: its uploads are refused until `device rotate`.
    Revoke {
        #[arg(long)]
        id: String,
    },
    /// Gives a door a new token (the old one stops working at once) and prints it, once.
    Rotate {
        #[arg(long)]
        id: String,
    },
    /// Lists the doors with when each was last heard from and their last health report, as of
    /// --now; `silent` marks doors not heard from for --silent-minutes during working hours (the
    /// sessions of a working day of the county's calendar, in the hall's zone), `off-hours` the
    /// same outside them.
    List {
        #[arg(long, default_value_t = 30)]
        silent_minutes: u32,
    },
}

/// Why a command could not start: exit 78 (configuration).
#[derive(Debug, thiserror::Error)]
#[error("no database given; expected --db URL or HALLCLOCK_CENTRAL_DB (and --db-password-file for a password)")]
pub struct NoDatabase;

/// Runs one command.
///
/// # Errors
/// [`NoDatabase`] (exit 78), or whatever the store or the server reports, with context.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let settings = DbSettings {
        url: args.db.ok_or(NoDatabase)?,
        password_file: args.db_password_file,
    };
    let mut store = Store::connect(&settings)
        .await
        .context("opening the central database")?;
    match args.command {
        Command::Migrate => {
            let version = store.migrate().await.context("migrating")?;
            eprintln!("The database schema is at version {version}.");
        }
        Command::Serve {
            listen,
            connections,
            secure_cookies,
        } => {
            store.migrate().await.context("migrating before serving")?;
            let connections = connections.map_or_else(receiver::default_connections, usize::from);
            let handle = receiver::StoreHandle::with_connections(settings, store, connections);
            let pages = web::WebSettings {
                secure_cookie: secure_cookies,
                ..web::WebSettings::default()
            };
            serve(handle, listen, pages, args.now).await?;
        }
        command => {
            store
                .check_schema()
                .await
                .context("checking the database schema")?;
            let now = args.now.unwrap_or_else(jiff::Timestamp::now);
            match command {
                Command::Calendar(c) => month::calendar(&store, c).await?,
                Command::Record(c) => month::record(&mut store, c, now).await?,
                Command::Month(c) => month::month(&mut store, c, now).await?,
                Command::Post(c) => hall_facts::post(&mut store, c, now).await?,
                Command::Leave(c) => hall_facts::leave(&mut store, c, now).await?,
                Command::Duty(c) => hall_facts::duty(&mut store, c, now).await?,
                Command::Meeting(c) => hall_facts::meeting(&mut store, c, now).await?,
                Command::Account(c) => account::account(&store, c, now).await?,
                command => admin(&store, command, now).await?,
            }
        }
    }
    Ok(())
}

async fn admin(store: &Store, command: Command, now: jiff::Timestamp) -> anyhow::Result<()> {
    match command {
        Command::Hall(HallCommand::Add { id, name, zone }) => {
            jiff::tz::TimeZone::get(&zone)
                .with_context(|| format!("hall add: {zone:?} is not a time zone this machine knows; expected an IANA name such as Asia/Shanghai"))?;
            store.add_hall(&id, &name).await.context("hall add")?;
            store.set_hall_zone(&id, &zone).await.context("hall add")?;
            eprintln!("Added hall {id}.");
        }
        Command::Staff(StaffCommand::Add {
            hall,
            id,
            name,
            facts,
        }) => {
            let staff = StaffId::new(&id).context("staff add")?;
            store
                .add_staff(&hall, &staff, &name)
                .await
                .context("staff add")?;
            set_facts(store, &hall, &staff, facts)
                .await
                .context("staff add")?;
            eprintln!("Added staff {staff} to hall {hall}.");
        }
        Command::Staff(StaffCommand::Set { hall, id, facts }) => {
            let staff = StaffId::new(&id).context("staff set")?;
            set_facts(store, &hall, &staff, facts)
                .await
                .context("staff set")?;
            eprintln!("Changed staff {staff} of hall {hall}.");
        }
        Command::Device(DeviceCommand::Add { hall, id }) => {
            let token = NewToken::generate().context("device add")?;
            store
                .add_device(&hall, &id, &token.sha256())
                .await
                .context("device add")?;
            print_token(&token)?;
            eprintln!(
                "Registered device {id} of hall {hall}. Its token is above, shown this once: \
                 install it on the door as uplink.token-file."
            );
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            store.revoke_device(&id).await.context("device revoke")?;
            eprintln!("Revoked the token of device {id}.");
        }
        Command::Device(DeviceCommand::Rotate { id }) => {
            let token = NewToken::generate().context("device rotate")?;
            store
                .rotate_device(&id, &token.sha256())
                .await
                .context("device rotate")?;
            print_token(&token)?;
            eprintln!(
                "Device {id} has a new token, above, shown this once; the old one no longer works."
            );
        }
        Command::Device(DeviceCommand::List { silent_minutes }) => {
            let window = jiff::SignedDuration::from_mins(i64::from(silent_minutes));
            let rows = store.devices().await.context("device list")?;
            let calendar = crate::month::calendar(store)
                .await
                .context("device list: the county's calendar")?;
            let mut halls = std::collections::BTreeMap::new();
            for r in &rows {
                if !halls.contains_key(&r.hall) {
                    let hall = store.hall(&r.hall).await.context("device list")?;
                    let hours = silence::WorkingHours::new(hall.zone, calendar.clone());
                    halls.insert(r.hall.clone(), hours);
                }
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "hall\tdevice\tstate\tlast seen\thealth")?;
            for r in rows {
                let revoked = r.revoked_at.is_some();
                let state = match halls.get(&r.hall) {
                    Some(hours) => silence::door_state(now, r.last_seen_at, revoked, window, hours),
                    None => continue,
                };
                let state = state.as_str();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    r.hall,
                    r.id,
                    state,
                    r.last_seen_at
                        .map_or_else(|| "never".to_string(), |t| t.to_string()),
                    r.health.as_deref().unwrap_or("-"),
                )?;
            }
        }
        Command::Migrate
        | Command::Serve { .. }
        | Command::Calendar(_)
        | Command::Record(_)
        | Command::Month(_)
        | Command::Post(_)
        | Command::Leave(_)
        | Command::Duty(_)
        | Command::Meeting(_)
        | Command::Account(_) => {}
    }
    Ok(())
}

async fn set_facts(
    store: &Store,
    hall: &str,
    staff: &StaffId,
    f: StaffFacts,
) -> Result<(), crate::store::StoreError> {
    if f.active_from.is_none() && f.active_until.is_none() && f.post.is_none() {
        return Ok(());
    }
    store
        .set_staff_facts(
            hall,
            staff,
            f.active_from,
            f.active_until,
            f.post.as_deref(),
        )
        .await
}

fn print_token(token: &NewToken) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", token.reveal()).context("printing the token")?;
    out.flush().context("printing the token")?;
    Ok(())
}

/// Serves the receiver and the pages on one address until SIGINT or SIGTERM: the pages behind
/// `hallclock_web`'s shield, all through its server (header timeout, connection limit).
async fn serve(
    store: receiver::StoreHandle,
    listen: SocketAddr,
    settings: web::WebSettings,
    now: Option<jiff::Timestamp>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let guard = tokio::task::spawn_blocking(|| {
        hallclock_web::Guard::new(&hallclock_web::GuardLimits::default())
    })
    .await
    .context("preparing the sign-in checks")?
    .context("preparing the sign-in checks")?;
    let store = Arc::new(store);
    let pages = web::WebState::new(store.clone(), guard, settings, now);
    let app = receiver::router(store).merge(web::router(pages));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {local}")?;
        out.flush()?;
    }
    tracing::info!(%local, "Receiving uploads and serving the pages");
    let cancel = tokio_util::sync::CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown().await;
        stop.cancel();
    });
    hallclock_web::serve::serve_http(
        listener,
        app,
        hallclock_web::ServerLimits {
            max_connections: 1024,
            ..hallclock_web::ServerLimits::default()
        },
        cancel,
    )
    .await;
    tracing::info!("Stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(error) => {
                    tracing::warn!(%error, "Cannot listen for SIGTERM; SIGINT still stops");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
