//! The `hallclock` binary: everything happens in `hallclock::cli`.

fn main() -> std::process::ExitCode {
    hallclock::cli::run()
}
