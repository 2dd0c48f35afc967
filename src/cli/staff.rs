//! `hallclock staff list|add|set|import|remove`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::admin::export::text_table;
use crate::admin::import::{decode_text, read_staff_csv, xlsx_to_csv, IdMapping};
use crate::core::ids::StaffId;
use crate::store::{Audit, StaffImportRow};

use crate::app::setup::{current_embedder_sha, open_store};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Everyone on the staff list, with their number of enrolled faces for the current embedder.
    List,
    /// Add a person (no face needed; enrolment adds faces later).
    Add {
        /// Staff id (letters, digits, '-' or '_'), e.g. 0042.
        #[arg(long)]
        id: String,
        /// Full name (姓名).
        #[arg(long)]
        name: String,
        /// Window post, e.g. W03.
        #[arg(long)]
        post: Option<String>,
        /// The unit the person is seconded from (派驻单位).
        #[arg(long)]
        department: Option<String>,
    },
    /// Add or update everyone of a staff list, all or nothing: a CSV (UTF-8 or GBK) or an .xlsx
    /// with the columns 工号, 姓名 and optionally 窗口, 派驻单位, 考勤起始日期 (or staff_id, name,
    /// post, department, active_from).
    Import {
        /// The .csv or .xlsx file (the first sheet).
        file: PathBuf,
        /// Zero-pad all-digit ids to this many digits (`1` → `0001` with 4): Excel drops leading
        /// zeros.
        #[arg(long)]
        pad_ids: Option<usize>,
    },
    /// Change what is on record of a person: the department (派驻单位).
    Set {
        /// The person's staff id.
        #[arg(long)]
        id: String,
        /// The unit the person is seconded from (派驻单位); an empty value clears it.
        #[arg(long)]
        department: String,
    },
    /// Erase a person's face data (all embeddings) and mark them inactive; attendance stays.
    Remove {
        /// The person's staff id.
        #[arg(long)]
        id: String,
    },
}

pub fn run(config: &Config, cmd: StaffCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(config)?;
    match cmd {
        StaffCommand::List => {
            let sha = current_embedder_sha(config).unwrap_or_default();
            let list = store.list_staff(&sha)?;
            if list.is_empty() {
                println!("no staff yet (add with `hallclock staff add` or `hallclock enroll`)");
            }
            let departments = store.departments()?;
            let mut rows = vec![[
                "工号 id",
                "姓名 name",
                "窗口 post",
                "派驻单位 department",
                "在职 active",
                "人脸 faces",
            ]
            .map(str::to_string)
            .to_vec()];
            for s in list {
                rows.push(vec![
                    s.staff.staff_id.to_string(),
                    s.staff.name,
                    s.staff.post.unwrap_or_else(|| "-".to_string()),
                    departments
                        .get(&s.staff.staff_id)
                        .cloned()
                        .unwrap_or_else(|| "-".to_string()),
                    if s.staff.active { "是 yes" } else { "否 no" }.to_string(),
                    s.embeddings.to_string(),
                ]);
            }
            print!("{}", text_table(&rows, 6));
        }
        StaffCommand::Import { file, pad_ids } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let is_xlsx = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let text = if is_xlsx {
                xlsx_to_csv(&bytes)
            } else {
                Ok(decode_text(&bytes).0)
            };
            let refused = || {
                format!(
                    "导入被拒绝,未导入任何人员 staff import refused, nothing imported: {}",
                    file.display()
                )
            };
            let ids = IdMapping {
                table: Default::default(),
                pad_to: pad_ids,
            };
            let lines = read_staff_csv(&text.with_context(refused)?, &ids)
                .and_then(|p| p.all_or_nothing())
                .with_context(refused)?;
            if lines.is_empty() {
                bail!("{}: the file lists nobody", refused());
            }
            let rows: Vec<StaffImportRow> = lines.into_iter().map(|l| l.value).collect();
            let now = config.clock.now();
            let audit = Audit::cli(
                now,
                "staff-import",
                format!("{}: {} person(s)", file.display(), rows.len()),
            );
            let done = store.import_staff(&rows, now, &audit)?;
            println!(
                "已导入 imported {}: {} added, {} updated",
                file.display(),
                done.added,
                done.updated
            );
        }
        StaffCommand::Add {
            id,
            name,
            post,
            department,
        } => {
            let id = StaffId::new(&id).context("reading --id")?;
            let now = config.clock.now();
            let before = store.staff(&id)?;
            let detail = match &before {
                Some(b) => format!(
                    "{id}: name {} -> {name}, post {} -> {}",
                    b.name,
                    b.post.as_deref().unwrap_or("-"),
                    post.as_deref().or(b.post.as_deref()).unwrap_or("-")
                ),
                None => format!("{id} {name}, post {}", post.as_deref().unwrap_or("-")),
            };
            let action = if before.is_some() {
                "staff-update"
            } else {
                "staff-add"
            };
            let detail = match &department {
                Some(d) => format!("{detail}, department {d}"),
                None => detail,
            };
            let audit = Audit::cli(now, action, detail);
            let row = StaffImportRow {
                id: id.clone(),
                name: name.clone(),
                post,
                department,
                active_from: None,
            };
            store.import_staff(&[row], now, &audit)?;
            println!("added {id} {name}");
        }
        StaffCommand::Set { id, department } => {
            let id = StaffId::new(&id).context("reading --id")?;
            let audit = Audit::cli(config.clock.now(), "staff-update", "");
            crate::app::people::set_department(&mut store, &id, Some(&department), &audit)?;
            println!("{id}: 派驻单位 department {}", department.trim());
        }
        StaffCommand::Remove { id } => {
            let id = StaffId::new(&id).context("reading --id")?;
            let audit = Audit::cli(config.clock.now(), "staff-remove", id.to_string());
            let n = store.remove_staff(&id, &audit)?;
            println!("removed {id}: {n} face embedding(s) erased");
        }
    }
    Ok(ExitCode::SUCCESS)
}
