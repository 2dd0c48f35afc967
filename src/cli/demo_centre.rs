//! The demo's central scoring service: a throwaway PostgreSQL cluster in `demo-out/pg`
//! (`scripts/pg-throwaway`), the real `hallclock-central` binary serving on loopback with the demo
//! hall, its staff and the door registered, and, at the end, the centre's month sheet printed.
//! Everything is stopped when [`LocalCentre`] is dropped; the folder stays for a look afterwards.
//!
//! `hallclock-central` is the workspace's other binary: found beside this executable, or built
//! once with the same cargo profile when the demo runs under `cargo run` (which sets `CARGO`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use jiff::civil::Date;
use jiff::Timestamp;

use crate::config::{uplink_from_raw, RawUplink, UploadSettings};

/// One person of the demo's staff list, as the centre keeps them.
pub struct CentreStaff<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub post: &'a str,
}

/// A running local centre; stopped (server and database) when dropped.
pub struct LocalCentre {
    exe: PathBuf,
    pg_dir: PathBuf,
    url: String,
    server: Child,
    hall: String,
    /// The door's upload settings pointing at this centre.
    pub uplink: UploadSettings,
}

fn script(name: &str) -> anyhow::Result<PathBuf> {
    let p = PathBuf::from("scripts").join(name);
    if p.is_file() {
        Ok(p)
    } else {
        bail!(
            "{} not found: run the demo from the repository's top folder, or skip the centre with --no-centre",
            p.display()
        )
    }
}

/// `hallclock-central`, beside this executable, or built now under `cargo run`.
fn central_exe() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("finding this executable")?;
    let dir = me.parent().context("finding this executable's folder")?;
    let exe = dir.join("hallclock-central");
    if exe.is_file() {
        return Ok(exe);
    }
    let Some(cargo) = std::env::var_os("CARGO") else {
        bail!(
            "{} not found: build it with `cargo build --release -p hallclock-central`, or skip the centre with --no-centre",
            exe.display()
        );
    };
    println!("building hallclock-central (once) ...");
    let mut build = Command::new(cargo);
    build.args(["build", "-p", "hallclock-central"]);
    if dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().context("running cargo build")?;
    if !status.success() || !exe.is_file() {
        bail!("building hallclock-central failed ({status}); skip the centre with --no-centre");
    }
    Ok(exe)
}

fn run(exe: &Path, url: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(exe)
        .arg("--db")
        .arg(url)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running hallclock-central {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "hallclock-central {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl LocalCentre {
    /// Starts the database and the centre in `out/pg`, registers the hall (`hall`, named
    /// `hall_name`), its staff judged from `first_day`, the holiday files of `firmware-config/`
    /// and the door `device`, and returns the door's upload settings.
    ///
    /// # Errors
    /// A missing script or binary (with what to do), or a failing step, named.
    pub fn start(
        out: &Path,
        hall: &str,
        hall_name: &str,
        staff: &[CentreStaff<'_>],
        first_day: Date,
        device: &str,
    ) -> anyhow::Result<LocalCentre> {
        let pg = script("pg-throwaway")?;
        let exe = central_exe()?;
        let pg_dir = std::path::absolute(out.join("pg")).context("placing the demo database")?;
        if pg_dir.exists() {
            // A previous demo's cluster may still run if it was killed: stop it, then start afresh.
            let _ = Command::new(&pg).arg("stop").arg(&pg_dir).output();
            std::fs::remove_dir_all(&pg_dir).with_context(|| {
                format!("removing the previous demo database {}", pg_dir.display())
            })?;
        }
        println!(
            "starting a throwaway PostgreSQL in {} ...",
            pg_dir.display()
        );
        let started = Command::new(&pg)
            .arg("start")
            .arg(&pg_dir)
            .stderr(Stdio::inherit())
            .output()
            .context("running scripts/pg-throwaway")?;
        if !started.status.success() {
            bail!(
                "scripts/pg-throwaway start {} failed; skip the centre with --no-centre",
                pg_dir.display()
            );
        }
        let url = String::from_utf8_lossy(&started.stdout).trim().to_string();
        run(&exe, &url, &["migrate"])?;
        run(
            &exe,
            &url,
            &["hall", "add", "--id", hall, "--name", hall_name],
        )?;
        let mut holidays: Vec<PathBuf> = std::fs::read_dir("firmware-config")
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        holidays.retain(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("holidays-") && n.ends_with(".txt"))
        });
        for h in &holidays {
            run(
                &exe,
                &url,
                &["calendar", "import", &h.display().to_string()],
            )?;
        }
        let from = first_day.to_string();
        for s in staff {
            run(
                &exe,
                &url,
                &[
                    "staff",
                    "add",
                    "--hall",
                    hall,
                    "--id",
                    s.id,
                    "--name",
                    s.name,
                    "--post",
                    s.post,
                    "--active-from",
                    &from,
                ],
            )?;
        }
        let token = run(
            &exe,
            &url,
            &["device", "add", "--hall", hall, "--id", device],
        )?;
        let token_file = out.join("uplink.token");
        write_secret(&token_file, token.trim())?;
        let mut server = Command::new(&exe)
            .arg("--db")
            .arg(&url)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting hallclock-central serve")?;
        let mut line = String::new();
        if let Some(stdout) = server.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .context("reading the centre's address")?;
        }
        let Some(addr) = line.trim().strip_prefix("listening on ") else {
            let _ = server.kill();
            bail!("hallclock-central serve did not start: {line:?}");
        };
        let endpoint = format!("http://{addr}/api/hallclock/v1/punches");
        let mut problems = Vec::new();
        let uplink = uplink_from_raw(
            RawUplink {
                endpoint: Some(endpoint.clone()),
                token_file: Some(token_file),
                poll_interval_secs: Some(1),
                ..RawUplink::default()
            },
            device,
            &mut problems,
        );
        let Some(uplink) = uplink.filter(|_| problems.is_empty()) else {
            let _ = server.kill();
            bail!(
                "the demo's uplink settings are refused: {}",
                problems.join("; ")
            );
        };
        println!(
            "central scoring service: {endpoint} (hall {hall}, {} staff, door {device})",
            staff.len()
        );
        Ok(LocalCentre {
            exe,
            pg_dir,
            url,
            server,
            hall: hall.to_string(),
            uplink,
        })
    }

    /// Sends what the door's outbox still holds (the daemon stops at once when the videos end),
    /// waiting at most `limit`; the records left pending.
    ///
    /// # Errors
    /// The uploader's failure to start.
    pub fn drain(&self, db: &Path, limit: Duration) -> anyhow::Result<u64> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the uploader's runtime")?;
        rt.block_on(async {
            let cancel = tokio_util::sync::CancellationToken::new();
            let (tx, mut rx) =
                tokio::sync::watch::channel(crate::daemon::upload::UploadStatus::default());
            let task = tokio::spawn(crate::daemon::upload::run_uploader(
                self.uplink.clone(),
                Arc::new(tokio::sync::Notify::new()),
                db.to_path_buf(),
                cancel.clone(),
                tx,
            ));
            let settled = async {
                // The first status is the count at start; wait for one with nothing pending.
                while rx.changed().await.is_ok() {
                    if rx.borrow().pending == 0 {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(limit, settled).await;
            cancel.cancel();
            let _ = task.await.context("the uploader stopped")?;
            let pending = rx.borrow().pending;
            Ok::<u64, anyhow::Error>(pending)
        })
    }

    /// Prints the centre's month sheet of the demo hall for `month` (YYYY-MM) as of `now`.
    ///
    /// # Errors
    /// The command's failure.
    pub fn print_sheet(&self, month: &str, now: Timestamp) -> anyhow::Result<()> {
        let sheet = run(
            &self.exe,
            &self.url,
            &[
                "--now",
                &now.to_string(),
                "month",
                "sheet",
                "--hall",
                &self.hall,
                "--month",
                month,
            ],
        )?;
        println!("the centre's month sheet (hallclock-central month sheet):\n{sheet}");
        Ok(())
    }
}

impl Drop for LocalCentre {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        if let Ok(pg) = script("pg-throwaway") {
            let _ = Command::new(pg)
                .arg("stop")
                .arg(&self.pg_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Writes `secret` to `path`, readable by its owner only.
fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(f, "{secret}").with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
