//! `hallclock setup`: the first run at a hall, so that nothing is left to a silent default. It
//! walks through the hall's name, the staff list, the window posts, the holiday file, each
//! person's first judged day (a mid-year installation must not judge everybody absent for the
//! months before it) and the console's first admin, asking on a terminal and taking flags for
//! scripts; what is still missing at the end is said, with the command that fixes it.
//!
//! Wiring only: each step is the command that does it alone (`staff import`, `post set`,
//! `calendar import`, `user add`) or one store call, each with its audit line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::attendance::{self, CalendarCommand, PostCommand};
use super::staff::{self, StaffCommand};
use crate::admin::import::loose_date;
use crate::admin::web::Role;
use crate::app::setup::open_store;
use crate::config::Config;
use crate::store::Audit;

/// `hallclock setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The hall's name, printed on reports; added to the config file as `[hall] name`.
    #[arg(long)]
    pub hall_name: Option<String>,
    /// A staff list to import (.csv or .xlsx with 工号, 姓名, 窗口, 派驻单位, 考勤起始日期).
    #[arg(long)]
    pub staff: Option<PathBuf>,
    /// A window post with its A and B, `W01=0001/0002`; repeat for each post.
    #[arg(long)]
    pub post: Vec<String>,
    /// The holiday file (holidays, 调休, summer period) of the year, as `calendar import` reads it.
    #[arg(long)]
    pub holidays: Option<PathBuf>,
    /// The first judged day (YYYY-MM-DD) of everyone who has none yet; on a terminal the default
    /// is today. Nobody is judged before it.
    #[arg(long)]
    pub active_from: Option<String>,
    /// The web console's first admin account (its password read from standard input).
    #[arg(long)]
    pub admin: Option<String>,
    /// Ask nothing, do only what the flags say (the default when standard input is no terminal).
    #[arg(long)]
    pub no_prompt: bool,
}

/// Runs `hallclock setup`. `config_file` is the file the configuration came from, if any.
pub fn run(
    config: &Config,
    config_file: Option<&Path>,
    args: SetupArgs,
) -> anyhow::Result<ExitCode> {
    let ask = std::io::stdin().is_terminal() && !args.no_prompt;
    let today = config.today();
    println!(
        "hallclock 初始设置 setup: 数据库 database {}, 配置 config {}",
        config.store.database.display(),
        config_file.map_or_else(
            || "(none: defaults)".to_string(),
            |p| p.display().to_string()
        )
    );

    // 1. The hall's name.
    let hall_name = match (&args.hall_name, &config.hall_name) {
        (Some(n), _) => Some(n.trim().to_string()),
        (None, Some(_)) => None,
        (None, None) if ask => prompt("大厅名称 hall name (e.g. 某某县政务服务中心)", "")?,
        (None, None) => None,
    };
    let mut hall_named = config.hall_name.is_some();
    if let Some(name) = hall_name.filter(|n| !n.is_empty()) {
        hall_named |= write_hall_name(config_file, &name)?;
    }

    // 2. The staff list.
    let staff_file = match args.staff {
        Some(f) => Some(f),
        None if ask => {
            prompt("人员名单 staff list file (.csv/.xlsx), empty to skip", "")?.map(PathBuf::from)
        }
        None => None,
    };
    if let Some(file) = staff_file {
        staff::run(
            config,
            StaffCommand::Import {
                file,
                pad_ids: None,
            },
        )?;
    }

    // 3. The window posts.
    let mut posts = args.post;
    if posts.is_empty() && ask {
        while let Some(p) = prompt(
            "窗口 post as W01=A/B (e.g. W01=0001/0002), empty to finish",
            "",
        )? {
            posts.push(p);
        }
    }
    for p in &posts {
        let (post, a, b) = post_arg(p)?;
        attendance::post(config, PostCommand::Set { post, a, b })?;
    }

    // 4. The holiday file.
    let holidays = match args.holidays {
        Some(f) => Some(f),
        None if ask => prompt(
            &format!(
                "节假日文件 holiday file for {} (e.g. holidays-{}.txt), empty to skip",
                today.year(),
                today.year()
            ),
            "",
        )?
        .map(PathBuf::from),
        None => None,
    };
    if let Some(file) = holidays {
        attendance::calendar(config, CalendarCommand::Import { file })?;
    }

    // 5. The first judged day of everyone without one.
    let first = match args.active_from {
        Some(d) => Some(d),
        None if ask => prompt(
            "首个考勤日 first judged day of everyone without one (YYYY-MM-DD)",
            &today.to_string(),
        )?,
        None => None,
    };
    let mut store = open_store(config)?;
    if let Some(text) = first {
        let Some(date) = loose_date(&text) else {
            bail!("--active-from {text:?}: expected a real date as YYYY-MM-DD");
        };
        let now = config.clock.now();
        let audit = Audit::cli(
            now,
            "active-from",
            format!("everyone without a first judged day: {date}"),
        );
        let n = store.set_active_from_where_unset(date, &audit)?;
        println!("{n} person(s) judged from {date} (考勤起始日期); nobody is judged before it");
    }

    // 6. The console's first admin.
    let admin = match args.admin {
        Some(a) => Some(a),
        None if ask && store.accounts()?.is_empty() => prompt(
            "管理员账号 first admin account name, empty to skip",
            "admin",
        )?,
        None => None,
    };
    if let Some(name) = admin {
        super::console::add_account(&mut store, &name, Role::Admin, config.clock.now())?;
    }

    // What is still missing.
    let mut todo = Vec::new();
    if !hall_named {
        todo.push("大厅名称 hall name: hallclock setup --hall-name NAME".to_string());
    }
    let (holiday_days, workdays) = store.calendar_counts()?;
    if holiday_days + workdays == 0 {
        todo.push(format!(
            "节假日 holidays: none on record, 元旦 and the others would count as absence: hallclock calendar import holidays-{}.txt",
            today.year()
        ));
    }
    if store.staff_ids()?.is_empty() {
        todo.push(
            "人员 staff: nobody yet: hallclock staff import FILE or hallclock staff add".into(),
        );
    }
    if store.accounts()?.is_empty() {
        todo.push(
            "管理员 admin: no console account: hallclock user add --name admin --role admin".into(),
        );
    }
    if todo.is_empty() {
        println!("设置完成 setup done; check with `hallclock doctor`");
    } else {
        println!("尚未完成 still to do:");
        for t in &todo {
            println!("  {t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on standard error, reads one line; `None` for an empty answer without a default.
fn prompt(question: &str, default: &str) -> anyhow::Result<Option<String>> {
    if default.is_empty() {
        eprint!("{question}: ");
    } else {
        eprint!("{question} [{default}]: ");
    }
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading an answer from standard input")?;
    let answer = line.trim();
    Ok(match (answer, default) {
        ("", "") => None,
        ("", d) => Some(d.to_string()),
        (a, _) => Some(a.to_string()),
    })
}

/// `W01=0001/0002` → (post, A, B).
fn post_arg(text: &str) -> anyhow::Result<(String, String, String)> {
    let bad = || anyhow::anyhow!("--post {text:?}: expected POST=A/B, e.g. W01=0001/0002");
    let (post, people) = text.split_once('=').ok_or_else(bad)?;
    let (a, b) = people.split_once('/').ok_or_else(bad)?;
    let [post, a, b] = [post, a, b].map(|s| s.trim().to_string());
    if post.is_empty() || a.is_empty() || b.is_empty() {
        return Err(bad());
    }
    Ok((post, a, b))
}

/// Adds `[hall] name` to the config file, never editing what is there: a file that has a
/// `[hall]` section already is left alone, with the line to put in it. Returns whether the name
/// is in the file now.
fn write_hall_name(config_file: Option<&Path>, name: &str) -> anyhow::Result<bool> {
    let line = format!("name = {}", toml_string(name));
    let Some(path) = config_file else {
        println!(
            "注意 note: no config file, so the hall's name is not kept; put `[hall]` and `{line}` in /etc/hallclock/hallclock.toml (or the file given with --config)"
        );
        return Ok(false);
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if text.lines().any(|l| l.trim() == "[hall]") {
        println!(
            "注意 note: {} has a [hall] section already; set `{line}` in it",
            path.display()
        );
        return Ok(false);
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("opening {} to add the hall's name", path.display()))?;
    let sep = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    write!(file, "{sep}\n[hall]\n{line}\n")
        .with_context(|| format!("adding the hall's name to {}", path.display()))?;
    println!("大厅名称 hall name written to {}: {name}", path.display());
    Ok(true)
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_and_names() {
        assert_eq!(
            post_arg("W01=0001/0002").unwrap(),
            ("W01".into(), "0001".into(), "0002".into())
        );
        for bad in ["W01", "W01=0001", "=0001/0002", "W01=/0002"] {
            assert!(post_arg(bad).is_err(), "{bad}");
        }
        assert_eq!(toml_string("某县\"中心\"\\"), "\"某县\\\"中心\\\"\\\\\"");
        let parsed: toml::Table =
            toml::from_str(&format!("name = {}", toml_string("a\"b\\c\td"))).unwrap();
        assert_eq!(parsed["name"].as_str(), Some("a\"b\\c\td"));
    }
}
