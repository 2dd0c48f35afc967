//! The commands for the hall's facts the centre owns beside the staff list: `post set | list`,
//! `leave add | approve | close | cancel | list`, `duty add | list` and `meeting add | list`. What
//! happened goes to stderr in a line; a new id to stdout (for scripts). The doors take a copy of
//! all of it through the facts endpoint.

use anyhow::{anyhow, Context};
use clap::Subcommand;
use hallclock_core::assessment::Month;
use hallclock_core::calendar::DutyEntry;
use hallclock_core::codes::{expected, from_code, APPROVAL_LEVEL_CODES};
use hallclock_core::ids::StaffId;
use hallclock_core::leave::{
    kind_from_word, kind_words, kind_zh, level_name, parse_half_day, ApprovalLevel, HalfDay,
    LeaveId, LeaveKind, LeavePolicy, Post, PostId,
};
use hallclock_core::schedule::{Session, Sessions};
use jiff::civil::Date;
use jiff::Timestamp;

use super::month::parse_month;
use crate::hall_facts::{self, ApprovalAsked, MeetingText};
use crate::render;
use crate::sheet::{days_of, instants_of};
use crate::store::{AuditEntry, LeaveEnding, NewLeave, Store};

#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Sets a window post's A (主办) and B (备岗); both people's window becomes this post.
    Set {
        #[arg(long)]
        hall: String,
        /// The post's id, e.g. tax-1.
        #[arg(long)]
        post: String,
        /// A, the holder (staff id).
        #[arg(long)]
        a: String,
        /// B, the backup who covers when A is away (staff id).
        #[arg(long)]
        b: String,
    },
    /// Lists the hall's posts.
    List {
        #[arg(long)]
        hall: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LeaveCommand {
    /// Records a leave; it excuses nothing until it is approved.
    Add {
        #[arg(long)]
        hall: String,
        /// The person away (staff id).
        #[arg(long)]
        staff: String,
        /// sick (病假), personal (事假), annual (公休), home-visit (探亲), marriage-maternity
        /// (婚产), bereavement (丧假), official-errand (临时外出公务), official-duty (公务).
        #[arg(long, value_parser = leave_kind)]
        kind: LeaveKind,
        /// The first half day: YYYY-MM-DD (the morning), or with am/pm (上午/下午).
        #[arg(long)]
        from: String,
        /// The last half day: YYYY-MM-DD (the afternoon), or with am/pm (上午/下午).
        #[arg(long)]
        to: String,
        /// The post's B who covers (顶岗); without one the leave excuses nothing (脱岗).
        #[arg(long)]
        cover: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
        /// Who records it.
        #[arg(long)]
        by: String,
    },
    /// Records the approval of a leave (a paper approval: checked against the leave's length,
    /// nobody approves their own leave, two days or more name the certifier).
    Approve {
        #[arg(long)]
        hall: String,
        /// The leave's number, as `leave add` and `leave list` show it.
        #[arg(long)]
        id: u64,
        /// Who approved it.
        #[arg(long)]
        by: String,
        /// The level approved: inspection-office (稽查督办科), deputy-director (分管领导) or
        /// director (主要领导); default: the level the leave's length requires.
        #[arg(long, value_parser = approval_level)]
        level: Option<ApprovalLevel>,
        /// The window unit's head who certified a leave of two days or more.
        #[arg(long)]
        certified_by: Option<String>,
    },
    /// Closes a leave (销假): the person is back from this instant (default: now).
    Close {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        id: u64,
        /// YYYY-MM-DD HH:MM in the hall's zone, or RFC 3339.
        #[arg(long)]
        at: Option<String>,
    },
    /// Cancels a leave: it excuses nothing and the doors drop it.
    Cancel {
        #[arg(long)]
        hall: String,
        #[arg(long)]
        id: u64,
    },
    /// Lists the hall's leave touching a month.
    List {
        #[arg(long)]
        hall: String,
        /// YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
    },
}

#[derive(Debug, Subcommand)]
pub enum DutyCommand {
    /// Puts people on duty (值班) on a day off.
    Add {
        #[arg(long)]
        hall: String,
        /// The day off, YYYY-MM-DD.
        #[arg(long)]
        day: Date,
        /// Who (repeat for several).
        #[arg(long, required = true)]
        staff: Vec<String>,
        /// morning (上午), afternoon (下午) or both (全天).
        #[arg(long, value_parser = sessions, default_value = "both")]
        sessions: Sessions,
    },
    /// Lists the hall's duty roster of a month.
    List {
        #[arg(long)]
        hall: String,
        #[arg(long, value_parser = parse_month)]
        month: Month,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Records a meeting or study session (会议和学习活动) with its sign-in sheet (签到).
    Add {
        #[arg(long)]
        hall: String,
        /// E.g. 月例会.
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD HH:MM in the hall's zone, or RFC 3339.
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        /// Who must attend (repeat; none: everyone on the hall's list that day).
        #[arg(long)]
        invite: Vec<String>,
        /// STAFF=HH:MM, e.g. 0001=15:02 (repeat).
        #[arg(long)]
        sign_in: Vec<String>,
        /// Who records it.
        #[arg(long)]
        by: String,
    },
    /// Lists the hall's meetings of a month.
    List {
        #[arg(long)]
        hall: String,
        #[arg(long, value_parser = parse_month)]
        month: Month,
    },
}

fn leave_kind(text: &str) -> Result<LeaveKind, String> {
    kind_from_word(text).ok_or_else(|| format!("expected one of {}", kind_words()))
}

fn approval_level(text: &str) -> Result<ApprovalLevel, String> {
    from_code(APPROVAL_LEVEL_CODES, text.trim())
        .ok_or_else(|| format!("expected one of {}", expected(APPROVAL_LEVEL_CODES)))
}

fn sessions(text: &str) -> Result<Sessions, String> {
    match text.trim() {
        "morning" | "am" | "上午" => Ok(Sessions::Morning),
        "afternoon" | "pm" | "下午" => Ok(Sessions::Afternoon),
        "both" | "全天" => Ok(Sessions::Both),
        _ => Err("expected morning (上午), afternoon (下午) or both (全天)".into()),
    }
}

fn staff(text: &str, flag: &str) -> anyhow::Result<StaffId> {
    StaffId::new(text.trim()).map_err(|e| anyhow!("{flag} {text:?}: {e}"))
}

fn half_day(text: &str, default: Session, flag: &str) -> anyhow::Result<HalfDay> {
    parse_half_day(text, default)
        .map(|(h, _)| h)
        .ok_or_else(|| {
            anyhow!(
                "{flag} {text:?}: expected YYYY-MM-DD, optionally followed by am/pm (上午/下午)"
            )
        })
}

/// An audit line of the command line: `actor` (who the command names, or `cli`), `action`,
/// `detail`.
fn audit(now: Timestamp, actor: &str, action: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: now,
        actor: actor.to_string(),
        client: "cli".into(),
        action: action.into(),
        detail,
    }
}

pub async fn post(store: &mut Store, command: PostCommand, now: Timestamp) -> anyhow::Result<()> {
    match command {
        PostCommand::Set { hall, post, a, b } => {
            if post.trim().is_empty() {
                anyhow::bail!("post set: --post is empty; expected the post's id, e.g. tax-1");
            }
            let p = Post {
                id: PostId::new(&post),
                holder: staff(&a, "--a")?,
                backup: staff(&b, "--b")?,
            };
            if p.holder == p.backup {
                anyhow::bail!(
                    "post set: A and B are both {}; expected two people",
                    p.holder
                );
            }
            let line = audit(
                now,
                "cli",
                "post-set",
                format!("{hall} {}: A {}, B {}", p.id, p.holder, p.backup),
            );
            store.set_post(&hall, &p, &line).await.context("post set")?;
            eprintln!("Post {} of {hall}: A {}, B {}.", p.id, p.holder, p.backup);
        }
        PostCommand::List { hall } => {
            let names = store.staff_names(&hall).await.context("post list")?;
            let name = |s: &StaffId| names.get(s).cloned().unwrap_or_default();
            println!("岗位\tA(主办)\tB(备岗)");
            for p in store.posts(&hall).await.context("post list")? {
                println!(
                    "{}\t{} {}\t{} {}",
                    p.id,
                    p.holder,
                    name(&p.holder),
                    p.backup,
                    name(&p.backup)
                );
            }
        }
    }
    Ok(())
}

pub async fn leave(store: &mut Store, command: LeaveCommand, now: Timestamp) -> anyhow::Result<()> {
    match command {
        LeaveCommand::Add {
            hall,
            staff: who,
            kind,
            from,
            to,
            cover,
            reason,
            by,
        } => {
            let new = NewLeave {
                staff: staff(&who, "--staff")?,
                kind,
                first: half_day(&from, Session::Morning, "--from")?,
                last: half_day(&to, Session::Afternoon, "--to")?,
                cover: cover.as_deref().map(|c| staff(c, "--cover")).transpose()?,
                reason,
                approval_required: ApprovalLevel::InspectionOffice,
            };
            let line = audit(now, &by, "leave-add", String::new());
            let done =
                hall_facts::record_leave(store, &hall, new, &LeavePolicy::hall_defaults(), &line)
                    .await
                    .context("leave add")?;
            println!("{}", done.id.0);
            eprintln!(
                "Recorded leave #{} of {who} ({}), {} half day(s); needs approval by {}.",
                done.id.0,
                kind_zh(kind),
                done.half_days,
                level_name(done.level)
            );
        }
        LeaveCommand::Approve {
            hall,
            id,
            by,
            level,
            certified_by,
        } => {
            let level = hall_facts::approve_leave(
                store,
                &hall,
                &ApprovalAsked {
                    id: LeaveId(id),
                    level,
                    by: &by,
                    // The command line records a paper approval: any level.
                    may_approve: Some(ApprovalLevel::DirectorWithUnitCertificate),
                    certified_by: certified_by.as_deref(),
                },
                now,
                &audit(now, &by, "leave-approve", String::new()),
            )
            .await
            .context("leave approve")?;
            eprintln!("Approved leave #{id} at {} by {by}.", level_name(level));
        }
        LeaveCommand::Close { hall, id, at } => {
            let zone = store.hall(&hall).await.context("leave close")?.zone;
            let at = match at {
                Some(t) => hall_facts::hall_time(&zone, "--at", &t).context("leave close")?,
                None => now,
            };
            let line = audit(
                now,
                "cli",
                "leave-close",
                format!("{hall} leave #{id} at {at}"),
            );
            store
                .end_leave(&hall, LeaveId(id), LeaveEnding::Close, at, &line)
                .await
                .context("leave close")?;
            eprintln!(
                "Closed leave #{id} (销假) at {}.",
                zone.to_datetime(at).strftime("%Y-%m-%d %H:%M")
            );
        }
        LeaveCommand::Cancel { hall, id } => {
            let line = audit(now, "cli", "leave-cancel", format!("{hall} leave #{id}"));
            store
                .end_leave(&hall, LeaveId(id), LeaveEnding::Cancel, now, &line)
                .await
                .context("leave cancel")?;
            eprintln!("Cancelled leave #{id}.");
        }
        LeaveCommand::List { hall, month } => {
            let (first, last) = days_of(month)?;
            let zone = store.hall(&hall).await.context("leave list")?.zone;
            let names = store.staff_names(&hall).await.context("leave list")?;
            let mut rows = vec![render::LEAVE_HEADER
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()];
            rows[0].insert(2, "姓名".into());
            for l in store
                .leaves(&hall, first, last)
                .await
                .context("leave list")?
            {
                let mut cells = render::leave_cells(&zone, &l);
                cells.insert(2, names.get(&l.leave.staff).cloned().unwrap_or_default());
                rows.push(cells);
            }
            let columns = rows[0].len();
            print!("{}", hallclock_report::text_table(&rows, columns));
        }
    }
    Ok(())
}

pub async fn duty(store: &mut Store, command: DutyCommand, now: Timestamp) -> anyhow::Result<()> {
    match command {
        DutyCommand::Add {
            hall,
            day,
            staff: people,
            sessions,
        } => {
            let entries = people
                .iter()
                .map(|p| {
                    Ok(DutyEntry {
                        staff: staff(p, "--staff")?,
                        date: day,
                        sessions,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let line = audit(
                now,
                "cli",
                "duty-add",
                format!("{hall} {day}: {}", people.join(", ")),
            );
            store
                .put_duty(&hall, &entries, &line)
                .await
                .context("duty add")?;
            let calendar = crate::month::calendar(store).await?;
            if calendar.is_working_day(day) {
                eprintln!(
                    "Note: {day} is a working day; the rules judge it as one and ignore the duty."
                );
            }
            eprintln!("{} on duty on {day}.", entries.len());
        }
        DutyCommand::List { hall, month } => {
            let (first, last) = days_of(month)?;
            println!("日期\t工号\t时段");
            for e in store.duty(&hall, first, last).await.context("duty list")? {
                let s = match e.sessions {
                    Sessions::Morning => "上午",
                    Sessions::Afternoon => "下午",
                    Sessions::Both => "全天",
                };
                println!("{}\t{}\t{s}", e.date, e.staff);
            }
        }
    }
    Ok(())
}

pub async fn meeting(
    store: &mut Store,
    command: MeetingCommand,
    now: Timestamp,
) -> anyhow::Result<()> {
    match command {
        MeetingCommand::Add {
            hall,
            title,
            start,
            end,
            invite,
            sign_in,
            by,
        } => {
            let row = store.hall(&hall).await.context("meeting add")?;
            let mut invited = invite
                .iter()
                .map(|p| staff(p, "--invite"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut meeting = hall_facts::read_meeting(
                &row.zone,
                MeetingText {
                    title: &title,
                    start: &start,
                    end: &end,
                    invited: Vec::new(),
                    sign_ins: &sign_in,
                },
            )
            .context("meeting add")?;
            if meeting.title.is_empty() {
                anyhow::bail!(
                    "meeting add: --title is empty; expected the meeting's name, e.g. 月例会"
                );
            }
            if invited.is_empty() {
                let day = row.zone.to_datetime(meeting.start).date();
                invited = store
                    .members(&hall, day, day)
                    .await
                    .context("meeting add")?
                    .into_iter()
                    .map(|m| m.id)
                    .collect();
            }
            meeting.invited = invited;
            let line = audit(
                now,
                &by,
                "meeting-add",
                format!(
                    "{hall} {}: {} invited, {} signed in",
                    meeting.title,
                    meeting.invited.len(),
                    meeting.sign_ins.len()
                ),
            );
            let id = store
                .add_meeting(&hall, &meeting, &line)
                .await
                .context("meeting add")?;
            println!("{id}");
            eprintln!(
                "Recorded meeting #{id} {}: {} invited, {} signed in.",
                meeting.title,
                meeting.invited.len(),
                meeting.sign_ins.len()
            );
        }
        MeetingCommand::List { hall, month } => {
            let row = store.hall(&hall).await.context("meeting list")?;
            let (from, to) = instants_of(month, &row.zone)?;
            println!("编号\t会议\t开始\t结束\t应到\t签到");
            for (id, m) in store
                .meetings(&hall, Some((from, to)))
                .await
                .context("meeting list")?
            {
                println!(
                    "{id}\t{}\t{}\t{}\t{}\t{}",
                    m.title,
                    row.zone.to_datetime(m.start).strftime("%Y-%m-%d %H:%M"),
                    row.zone.to_datetime(m.end).strftime("%H:%M"),
                    m.invited.len(),
                    m.sign_ins.len()
                );
            }
        }
    }
    Ok(())
}
