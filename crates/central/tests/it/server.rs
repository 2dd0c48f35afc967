//! A running `hallclock-central serve` on a free loopback port, started from a prepared command
//! and killed (SIGKILL) when dropped. Shared by the central service's tests and its ingest
//! benchmark (`benches/ingest.rs`, through `#[path]`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `hallclock-central serve`.
pub struct Server {
    pub child: Child,
    /// `http://ADDR`.
    pub base: String,
}

impl Server {
    /// Spawns `command` (a `serve --listen 127.0.0.1:0` with its database), stdout piped, and
    /// waits for its `listening on ADDR` line.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("expected \"listening on ADDR\", found {line:?}"))
            .to_string();
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }

    pub fn punches_url(&self) -> String {
        format!("{}/api/hallclock/v1/punches", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
