//! The command line: parses arguments, reads the config, calls the shared operations of `app`
//! (or the adapters directly for what only the command line does), prints, and turns every
//! failure into a message and an exit code: an `app::AppError` becomes `anyhow` here, at the
//! edge. `anyhow` lives here and in `daemon`, nowhere below. Nothing outside `cli` (and
//! `main.rs`) imports it.

mod attendance;
mod console;
mod demo;
mod demo_centre;
mod doctor;
mod door_clip;
mod enroll;
mod eval;
mod eval_door;
mod eval_liveness;
mod facts;
mod identify;
mod liveness;
mod make_attacks;
mod run;
mod setup;
mod staff;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::config::{ClockCheck, Config, ConfigError, FeedbackKind};

/// hallclock: face-recognition attendance at the hall door.
#[derive(Debug, Parser)]
#[command(name = "hallclock", version, about)]
pub struct Cli {
    /// Config file (TOML). Without it, /etc/hallclock/hallclock.toml when that exists (another
    /// file with HALLCLOCK_SYSTEM_CONFIG), else development defaults: ./models, ./hallclock.db.
    #[arg(long, global = true, env = "HALLCLOCK_CONFIG")]
    config: Option<PathBuf>,
    /// Database file; overrides the config's store.database.
    #[arg(long, global = true, env = "HALLCLOCK_DB")]
    db: Option<PathBuf>,
    /// Models folder; overrides the config's vision.models-dir.
    #[arg(long, global = true)]
    models: Option<PathBuf>,
    /// Embedder manifest file name in the models folder (w600k_mbf.toml, dlib_resnet.toml, ...).
    #[arg(long, global = true)]
    embedder: Option<String>,
    /// Start the wall clock at this instant (RFC 3339) and let it run on: for tests and
    /// rehearsals on a chosen day. Read here and nowhere else.
    #[arg(long, global = true, env = crate::hw::clock::NOW_VARIABLE, hide = true)]
    now: Option<jiff::Timestamp>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enrol a staff member's face from one or more photos.
    #[command(visible_alias = "enrol")]
    Enroll(enroll::EnrollArgs),
    /// List, add or remove staff.
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// Recognise faces in a photo, a video, an image folder, a camera or a stream.
    Identify(identify::IdentifyArgs),
    /// Measure detection and recognition accuracy on a folder of <identity>/<image> photos.
    Eval(eval::EvalArgs),
    /// Liveness figures (APCER, BPCER) on folders live/ and attack/<kind>/: calibrate on site.
    EvalLiveness(eval_liveness::EvalLivenessArgs),
    /// Liveness calibration on site: attack drills (a printed photo, a phone replay).
    #[command(subcommand)]
    Liveness(liveness::LivenessCommand),
    /// Make synthetic print and replay attacks from real captures (for eval-liveness).
    MakeAttacks(make_attacks::MakeAttacksArgs),
    /// Compose a seeded rush-hour clip (people entering in pairs, queues, crossing) with its truth.
    DoorClip(door_clip::DoorClipArgs),
    /// Run the door's recognise, decide and record stages on a door-clip clip and score them.
    EvalDoor(eval_door::EvalDoorArgs),
    /// The door daemon: camera → recognition → rules → punches → feedback (and the uplink).
    Run(run::RunArgs),
    /// Check the camera, models, ONNX Runtime, clock, disk, database and uplink; say what to fix.
    Doctor(doctor::DoctorArgs),
    /// Run the embedded demonstration: sample staff enrolled, the daemon on the sample videos.
    Demo(demo::DemoArgs),
    /// The hall's facts from the central scoring service (staff list, first judged days,
    /// holidays): `pull` takes a copy now (the daemon does it by itself).
    #[command(subcommand)]
    Facts(facts::FactsCommand),
    /// Attendance reports (考勤报表): day, month or year; table, CSV, JSON or Excel.
    #[command(subcommand)]
    Report(attendance::ReportCommand),
    /// Leave (请假): add, approve, close (销假), list.
    #[command(subcommand)]
    Leave(attendance::LeaveCommand),
    /// Window posts (窗口AB角): set a post's A and B, list.
    #[command(subcommand)]
    Post(attendance::PostCommand),
    /// The calendar: import a holiday file (holidays, 调休, summer period).
    #[command(subcommand)]
    Calendar(attendance::CalendarCommand),
    /// The duty roster (值班) for days off.
    #[command(subcommand)]
    Duty(attendance::DutyCommand),
    /// Centre meetings and study sessions with their sign-in sheet.
    #[command(subcommand)]
    Meeting(attendance::MeetingCommand),
    /// Punches: import (CSV, ZKTeco), list, amend.
    #[command(subcommand)]
    Punch(attendance::PunchCommand),
    /// Set the first day a person is judged (enrolled mid-month).
    ActiveFrom(attendance::ActiveFromArgs),
    /// Serve the admin and supervisor web console alone (`run` serves it when [console] enabled).
    Console(console::ConsoleArgs),
    /// Web console accounts: add, list, passwd.
    #[command(subcommand)]
    User(console::UserCommand),
    /// First run at a hall: its name, staff, posts, holidays, first judged days, first admin.
    Setup(setup::SetupArgs),
}

/// The variable naming the system-wide config file read when `--config` is not given (tests
/// point it elsewhere); without it, [`SYSTEM_CONFIG`].
pub const SYSTEM_CONFIG_VARIABLE: &str = "HALLCLOCK_SYSTEM_CONFIG";
/// The config file the .deb installs, read when `--config` is not given and it exists.
pub const SYSTEM_CONFIG: &str = "/etc/hallclock/hallclock.toml";

/// The config file to read: the one given, else the system-wide one when it exists.
fn config_file(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| {
        let system = std::env::var_os(SYSTEM_CONFIG_VARIABLE)
            .map_or_else(|| PathBuf::from(SYSTEM_CONFIG), PathBuf::from);
        system.is_file().then_some(system)
    })
}

/// Says which database a command is about to create, before it does: a mistyped path or a
/// forgotten `--config` must not start an empty hall silently.
fn note_new_database(config: &Config, config_file: Option<&std::path::Path>, command: &Command) {
    let uses_store = !matches!(
        command,
        Command::Identify(_) | Command::Eval(_) | Command::Demo(_) | Command::Doctor(_)
    );
    let db = &config.store.database;
    if !uses_store || db.exists() {
        return;
    }
    let shown = std::path::absolute(db).unwrap_or_else(|_| db.clone());
    match config_file {
        Some(file) => eprintln!(
            "注意: 将新建数据库 {} (note: creating a new database {}, as {} says)",
            shown.display(),
            shown.display(),
            file.display()
        ),
        None => eprintln!(
            "注意: 未找到配置文件 {SYSTEM_CONFIG},也未给 --config;将新建数据库 {} \
             (note: no config file, so creating a new database {}; give --config FILE, or run \
             `hallclock setup`)",
            shown.display(),
            shown.display()
        ),
    }
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Run(_) | Command::Console(_) | Command::Demo(_)
    ) {
        quiet_on_closed_pipe();
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<ConfigError>() {
                Some(_) => ExitCode::from(78),
                None => ExitCode::FAILURE,
            }
        }
    }
}

/// Prints `out`, the whole answer of a `--json` run, as pretty JSON: a success.
fn print_json(out: &serde_json::Value) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(out)?);
    Ok(ExitCode::SUCCESS)
}

/// `hallclock report year | head`: when the reader of our output goes away, end quietly as a
/// Unix filter does (killed by SIGPIPE, which the shell does not report) instead of panicking in
/// `println!` on EPIPE. Only for the commands that print and end: the daemon and the console keep
/// Rust's default (SIGPIPE ignored, a closed socket is an error to handle, never a death).
fn quiet_on_closed_pipe() {
    // SAFETY: called once on the main thread before any other thread exists; restoring a
    // signal's default disposition has no memory-safety effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("HALLCLOCK_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = config_file(cli.config);
    let mut config = Config::load(file.as_deref())?;
    config.clock = crate::hw::clock::WallClock::from_start(cli.now);
    if let Some(db) = cli.db {
        config.store.database = db;
    }
    if let Some(m) = cli.models {
        config.vision.models_dir = Some(m);
    }
    if let Some(e) = cli.embedder {
        config.vision.embedder = e;
    }
    note_new_database(&config, file.as_deref(), &cli.command);
    match cli.command {
        Command::Setup(a) => setup::run(&config, file.as_deref(), a),
        Command::Enroll(a) => enroll::run(&config, a),
        Command::Staff(c) => staff::run(&config, c),
        Command::Identify(a) => identify::run(&config, a),
        Command::Eval(a) => eval::run(&config, a),
        Command::EvalLiveness(a) => eval_liveness::run(&config, a),
        Command::Liveness(c) => liveness::run(&config, c),
        Command::MakeAttacks(a) => make_attacks::run(&config, a),
        Command::DoorClip(a) => door_clip::run(&config, a),
        Command::EvalDoor(a) => eval_door::run(&config, a),
        Command::Run(a) => run::run(&config, a),
        Command::Doctor(a) => doctor::run(&config, a),
        Command::Demo(a) => demo::run(&config, a),
        Command::Facts(c) => facts::run(&config, c),
        Command::Report(c) => attendance::report(&config, c),
        Command::Leave(c) => attendance::leave(&config, c),
        Command::Post(c) => attendance::post(&config, c),
        Command::Calendar(c) => attendance::calendar(&config, c),
        Command::Duty(c) => attendance::duty(&config, c),
        Command::Meeting(c) => attendance::meeting(&config, c),
        Command::Punch(c) => attendance::punch(&config, c),
        Command::ActiveFrom(a) => attendance::active_from(&config, a),
        Command::Console(a) => console::run(&config, a),
        Command::User(c) => console::user(&config, c),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every subcommand and every option or argument of every subcommand says what it is for
    /// (`hallclock X --help` is the manual at the hall).
    #[test]
    fn issue12_every_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" && sub.get_about().is_none() {
                    missing.push(format!("{path} (the command)"));
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "hallclock", &mut missing);
        assert!(
            missing.is_empty(),
            "without help text:\n{}",
            missing.join("\n")
        );
    }
}
