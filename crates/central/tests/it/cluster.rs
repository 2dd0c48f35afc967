//! A throwaway PostgreSQL cluster started by `scripts/pg-throwaway` in a temporary folder and
//! stopped when dropped, and a connection to it. Shared by the central service's tests and the
//! door's (`tests/it/central.rs`, through `#[path]`); each binary's root has `repo()`.

use std::path::Path;
use std::process::Command;

use super::repo;

/// A throwaway cluster; stopped when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    pub url: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/pg-throwaway"))
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

impl Cluster {
    /// Starts a cluster in a new temporary folder.
    pub fn start() -> Cluster {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = pg_throwaway("start", dir.path());
        Cluster { dir, url }
    }

    /// Stops the server (the data stays), as an outage would.
    pub fn stop(&self) {
        pg_throwaway("stop", self.dir.path());
    }

    /// Starts it again after [`Cluster::stop`].
    pub fn restart(&self) {
        pg_throwaway("start", self.dir.path());
    }
}

fn pg_throwaway(command: &str, dir: &Path) -> String {
    let out = Command::new(repo().join("scripts/pg-throwaway"))
        .arg(command)
        .arg(dir)
        .output()
        .expect("scripts/pg-throwaway runs");
    assert!(
        out.status.success(),
        "pg-throwaway {command} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A client of the database at `url`, its connection driven in the background.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}
