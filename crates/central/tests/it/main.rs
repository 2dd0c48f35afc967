//! The central service's one integration-test binary: a real PostgreSQL cluster started by
//! `scripts/pg-throwaway` in a temporary folder (stopped when the last test using it drops it),
//! one fresh database per test, and the real `hallclock-central` binary, run as an operator
//! would and serving on loopback. Nothing is mocked.

mod api;
mod cli;
mod cluster;
mod facts;
mod faults;
mod hall_facts;
mod month;
mod receiver;
mod server;
mod web;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

pub use cluster::{connect, Cluster};
pub use server::Server;

/// The repository's top folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cluster() -> Arc<Cluster> {
    static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = shared.upgrade() {
        return c;
    }
    let c = Arc::new(Cluster::start());
    *shared = Arc::downgrade(&c);
    c
}

/// A fresh database of its own on the shared cluster.
pub struct Db {
    pub cluster: Arc<Cluster>,
    pub url: String,
}

impl Db {
    pub async fn new() -> Db {
        Db::on(tokio::task::spawn_blocking(cluster).await.unwrap()).await
    }

    /// A database on a cluster of its own, for a test that stops the server.
    pub async fn alone() -> Db {
        Db::on(Arc::new(
            tokio::task::spawn_blocking(Cluster::start).await.unwrap(),
        ))
        .await
    }

    async fn on(cluster: Arc<Cluster>) -> Db {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let admin = connect(&cluster.url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = cluster.url.replacen("/hallclock?", &format!("/{name}?"), 1);
        Db { cluster, url }
    }

    /// A direct connection, for looking at what was stored.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    /// `hallclock-central --db <this> args...`, which must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hallclock-central {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        central()
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .output()
            .unwrap()
    }

    /// Migrated, with hall `east` (staff 0042, 0043), hall `west` (staff 0099) and device
    /// `door-1` of `east`, whose token is returned.
    pub fn seeded(&self) -> String {
        self.ok(&["migrate"]);
        self.ok(&["hall", "add", "--id", "east", "--name", "东区政务服务大厅"]);
        self.ok(&["hall", "add", "--id", "west", "--name", "西区政务服务大厅"]);
        self.ok(&[
            "staff", "add", "--hall", "east", "--id", "0042", "--name", "王芳",
        ]);
        self.ok(&[
            "staff", "add", "--hall", "east", "--id", "0043", "--name", "李强",
        ]);
        self.ok(&[
            "staff", "add", "--hall", "west", "--id", "0099", "--name", "张伟",
        ]);
        self.ok(&["device", "add", "--hall", "east", "--id", "door-1"])
            .trim()
            .to_string()
    }

    /// `serve` on a free loopback port; killed when dropped.
    pub fn serve(&self) -> Server {
        let mut command = central();
        command
            .arg("--db")
            .arg(&self.url)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::inherit());
        Server::spawn(command)
    }
}

pub fn central() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hallclock-central"));
    c.env_remove("HALLCLOCK_CENTRAL_DB")
        .env_remove("HALLCLOCK_CENTRAL_DB_PASSWORD_FILE")
        .env("RUST_LOG", "warn");
    c
}
