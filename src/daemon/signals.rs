//! The process signals the daemon answers, turned into one enum in one place: SIGTERM and SIGINT
//! drain and exit, SIGHUP reloads the enrolments. Nothing else in the daemon touches signals.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// What a signal asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSignal {
    /// SIGTERM (systemd stopping us) or SIGINT (Ctrl-C): drain and exit.
    Shutdown { signal: &'static str },
    /// SIGHUP: rebuild the gallery from the store.
    ReloadEnrolments,
}

impl DaemonSignal {
    /// The meaning of a raw signal number, if the daemon answers it.
    pub fn from_number(n: i32) -> Option<DaemonSignal> {
        match n {
            libc::SIGTERM => Some(DaemonSignal::Shutdown { signal: "SIGTERM" }),
            libc::SIGINT => Some(DaemonSignal::Shutdown { signal: "SIGINT" }),
            libc::SIGHUP => Some(DaemonSignal::ReloadEnrolments),
            _ => None,
        }
    }
}

/// The listeners, installed once at start-up.
pub struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Installs the handlers (from then on these signals no longer kill the process).
    ///
    /// # Errors
    /// When the runtime cannot register a handler.
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal.
    pub async fn recv(&mut self) -> DaemonSignal {
        let n = tokio::select! {
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.int.recv() => libc::SIGINT,
            _ = self.hup.recv() => libc::SIGHUP,
        };
        DaemonSignal::from_number(n).unwrap_or(DaemonSignal::Shutdown { signal: "unknown" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_mean_what_the_unit_file_expects() {
        assert_eq!(
            DaemonSignal::from_number(libc::SIGTERM),
            Some(DaemonSignal::Shutdown { signal: "SIGTERM" })
        );
        assert_eq!(
            DaemonSignal::from_number(libc::SIGINT),
            Some(DaemonSignal::Shutdown { signal: "SIGINT" })
        );
        assert_eq!(
            DaemonSignal::from_number(libc::SIGHUP),
            Some(DaemonSignal::ReloadEnrolments)
        );
        assert_eq!(DaemonSignal::from_number(libc::SIGUSR1), None);
    }
}
