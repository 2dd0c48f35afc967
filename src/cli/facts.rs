//! `hallclock facts pull`: takes a copy of the hall's facts (staff list, first judged days,
//! holiday files) from the central scoring service now; the daemon does the same by itself every
//! `uplink.facts-every-secs`. What applying means is `app::facts`.

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::app::facts::{apply, FactsApplied};
use crate::app::setup::open_store;
use crate::config::Config;
use crate::store::Audit;
use crate::uplink::{BearerToken, FactsAnswer, UplinkClient};

#[derive(Debug, Subcommand)]
pub enum FactsCommand {
    /// Takes the hall's staff list and holiday files from the central scoring service now.
    Pull,
}

/// What applying did, in a line (Chinese first).
pub fn summary(a: &FactsApplied) -> String {
    let mut line = format!(
        "已同步中心下发的数据 {}: {} 个节假日文件, 新增 {} 人, 更新 {} 人 / facts from the centre applied: {} holiday file(s), {} staff added, {} updated",
        &a.version[..a.version.len().min(12)],
        a.holiday_files,
        a.staff_added,
        a.staff_updated,
        a.holiday_files,
        a.staff_added,
        a.staff_updated
    );
    if let Some(c) = &a.centre {
        line.push_str(&format!(
            "; 岗位 {} 个, 请假 {} 条, 值班 {} 条, 会议 {} 个 / {} post(s), {} leave(s), {} duty entr(ies), {} meeting(s)",
            c.posts, c.leaves, c.duty, c.meetings, c.posts, c.leaves, c.duty, c.meetings
        ));
        for (centre, door) in &c.leave_conflicts {
            line.push_str(&format!(
                "; 中心请假 #{centre} 与本机请假 {door} 重叠, 未应用 / the centre's leave #{centre} overlaps this door's leave {door} and was not applied"
            ));
        }
    }
    if let Some(zone) = &a.zone_differs {
        line.push_str(&format!(
            "; 注意: 中心的时区为 {zone}, 本机配置不同 / note: the centre's zone is {zone}, this door's differs"
        ));
    }
    line
}

pub fn run(config: &Config, command: FactsCommand) -> anyhow::Result<ExitCode> {
    let FactsCommand::Pull = command;
    let Some(uplink) = &config.uplink else {
        bail!("the uplink is off: set [uplink] endpoint and token-file to take the facts from the central scoring service");
    };
    let token = BearerToken::load(&uplink.token).context("facts pull")?;
    let client = UplinkClient::new(&uplink.client, token).context("facts pull")?;
    let answer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(client.fetch_facts(None))
        .context("facts pull")?;
    let FactsAnswer::Changed(facts) = answer else {
        println!("本机数据已是最新 / the door's copy is current");
        return Ok(ExitCode::SUCCESS);
    };
    let now = config.clock.now();
    let mut store = open_store(config)?;
    let applied = apply(
        &mut store,
        config,
        &facts,
        now,
        &Audit::cli(now, "facts pull", ""),
    )
    .context("facts pull")?;
    println!("{}", summary(&applied));
    Ok(ExitCode::SUCCESS)
}
