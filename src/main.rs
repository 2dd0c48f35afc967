//! The `hallclock` binary: everything happens in `hallclock::cli`.

fn main() -> std::process::ExitCode {
    hallclock::vision::runtime::opt_out_of_telemetry();
    hallclock::cli::run()
}
