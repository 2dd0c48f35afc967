//! The `hallclock-central` binary: logging to stderr, the runtime, `cli::run`, and the exit code
//! (78 for a missing database setting, 1 for any other failure). Holds no logic of its own.

use clap::Parser;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = hallclock_central::cli::Args::parse();
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(hallclock_central::cli::run(args)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hallclock-central: {e:#}");
            let config = e
                .downcast_ref::<hallclock_central::cli::NoDatabase>()
                .is_some();
            std::process::ExitCode::from(if config { 78 } else { 1 })
        }
    }
}
