//! Following every face at the door at once (a small SORT-like multi-object tracker), and
//! deciding per face which frames need an embedding.
//!
//! Each frame the caller hands [`CrowdTracker::associate`] the face boxes inside the door's
//! region of interest. Every existing track predicts where its face is now (constant velocity,
//! smoothed), the boxes are matched to the predictions greedily by IoU, an unmatched box starts a
//! new track, and a track not matched for longer than `max_gap` ends. For every box the answer
//! says which track it belongs to and whether the caller should embed it: always while the track
//! is voting, then only once per `recheck_every` (the re-identification of a concluded track). The
//! caller embeds those faces, matches them and hands each decision back with [`CrowdTracker::vote`]:
//! `k` of the last `n` decisions of one track naming the same person conclude it. A track lost
//! for a frame or more (hidden behind someone, blurred), or whose box fits its prediction poorly
//! (IoU under 0.5: someone else stepped into its place), votes again from scratch when found, so
//! it may conclude again: the engine's de-duplication keeps that from a second punch. A re-check
//! that confidently names someone else ends the track instead of punching anybody: the
//! next frame starts a fresh track there that must win its own vote (two people crossing never
//! swap names). De-duplication across broken tracks is the rules engine's (`DoorEngine` refuses a
//! second punch of a person within `same_pass_within`), tested here with the tracker in front.
//!
//! Pure: the caller passes each frame's time; no clock, no I/O, no images.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use crate::geometry::BoxF;
use crate::ids::{Similarity, StaffId};
use crate::matcher::Decision;
use crate::track::{Conclusion, TrackPolicy};

/// Settings of the crowd tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrowdPolicy {
    /// The vote (k of n), the association IoU against the predicted box and the longest gap.
    pub vote: TrackPolicy,
    /// A concluded track is embedded again this often, to check it is still the same person.
    pub recheck_every: SignedDuration,
}

impl CrowdPolicy {
    /// The door's vote, re-identified about once a second.
    pub fn door_defaults() -> Self {
        CrowdPolicy::with_vote(TrackPolicy::door_defaults())
    }

    /// `vote` with the door's one-second re-check.
    pub fn with_vote(vote: TrackPolicy) -> Self {
        CrowdPolicy {
            vote,
            recheck_every: SignedDuration::from_secs(1),
        }
    }
}

/// Where one face box of a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned {
    /// The track the box now belongs to.
    pub track: u64,
    /// Whether the caller should embed this face and [`CrowdTracker::vote`] its decision.
    pub embed: bool,
    /// Whether the box started the track on this frame.
    pub new: bool,
}

/// What a decision handed to [`CrowdTracker::vote`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum VoteOutcome {
    /// Nothing to report (still voting, or a re-check that agreed).
    Counted,
    /// The vote concluded on this frame.
    Concluded(Conclusion),
    /// A re-check of a concluded track confidently named someone else: the track ended, nobody
    /// is punched for this frame, and the face starts a new track on the next one.
    Contradicted {
        track: u64,
        concluded: Option<StaffId>,
        seen: StaffId,
    },
    /// No such track (it ended on this frame's association).
    NoTrack,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Voting,
    /// `who` is `None` for a stranger; `checked` is when an embedding last confirmed it.
    Concluded {
        who: Option<StaffId>,
        checked: Timestamp,
    },
}

#[derive(Debug, Clone)]
struct Tracked {
    id: u64,
    last_box: BoxF,
    /// Box edges' velocity in pixels per second (x0, y0, x1, y1), smoothed.
    velocity: [f32; 4],
    last_seen: Timestamp,
    first_seen: Timestamp,
    /// When the current vote began (the track's start, or its re-finding after a loss).
    voting_since: Timestamp,
    votes: VecDeque<Option<(StaffId, Similarity)>>,
    frames: usize,
    state: State,
    /// Set when a re-check contradicted the track: it is dropped at the next association.
    ended: bool,
    /// Not found on the last frame the detector ran on (hidden, blurred, or gone).
    missed: bool,
}

impl Tracked {
    fn predicted(&self, now: Timestamp) -> BoxF {
        let dt = seconds(now.duration_since(self.last_seen));
        let v = self.velocity;
        BoxF {
            x0: self.last_box.x0 + v[0] * dt,
            y0: self.last_box.y0 + v[1] * dt,
            x1: self.last_box.x1 + v[2] * dt,
            y1: self.last_box.y1 + v[3] * dt,
        }
    }

    fn wants_embedding(&self, now: Timestamp, recheck_every: SignedDuration) -> bool {
        match &self.state {
            State::Voting => true,
            State::Concluded { checked, .. } => now.duration_since(*checked) >= recheck_every,
        }
    }
}

/// A track's public view.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackView {
    pub id: u64,
    pub last_box: BoxF,
    pub first_seen: Timestamp,
    /// When the current vote began: the first frame of the face it concludes on (a track lost
    /// and found again may be someone else, who is first seen there).
    pub voting_since: Timestamp,
    pub last_seen: Timestamp,
    /// Frames associated so far.
    pub frames: usize,
    /// `None` while voting; `Some(None)` for a stranger.
    pub concluded: Option<Option<StaffId>>,
}

/// Every face at the door, one track each.
#[derive(Debug, Clone)]
pub struct CrowdTracker {
    policy: CrowdPolicy,
    next_track: u64,
    tracks: Vec<Tracked>,
    /// Scratch for the association (pairs of IoU, track index, box index).
    pairs: Vec<(f32, usize, usize)>,
}

/// An association overlapping the track's predicted box by less than this makes it vote again.
const REVOTE_BELOW_IOU: f32 = 0.5;

/// How much of the newest frame-to-frame motion the velocity takes.
const VELOCITY_GAIN: f32 = 0.5;

impl CrowdTracker {
    pub fn new(policy: CrowdPolicy) -> Self {
        CrowdTracker {
            policy,
            next_track: 1,
            tracks: Vec::new(),
            pairs: Vec::new(),
        }
    }

    /// The settings.
    pub fn policy(&self) -> CrowdPolicy {
        self.policy
    }

    /// Whether any face is being followed (the idle gate stays open while one is).
    pub fn is_following(&self) -> bool {
        !self.tracks.is_empty()
    }

    /// Whether every face followed has concluded and none is due for its re-check at `now`:
    /// the caller may then run the detector less often (nothing would be embedded).
    pub fn settled(&self, now: Timestamp) -> bool {
        let recheck = self.policy.recheck_every;
        self.tracks
            .iter()
            .all(|t| !t.missed && !t.wants_embedding(now, recheck))
    }

    /// The tracks alive now.
    pub fn tracks(&self) -> impl Iterator<Item = TrackView> + '_ {
        self.tracks.iter().map(|t| TrackView {
            id: t.id,
            last_box: t.last_box,
            first_seen: t.first_seen,
            voting_since: t.voting_since,
            last_seen: t.last_seen,
            frames: t.frames,
            concluded: match &t.state {
                State::Voting => None,
                State::Concluded { who, .. } => Some(who.clone()),
            },
        })
    }

    /// One track's view.
    pub fn track(&self, id: u64) -> Option<TrackView> {
        self.tracks().find(|t| t.id == id)
    }

    /// A frame without any face box: tracks end once their gap is too long.
    pub fn observe_nothing(&mut self, now: Timestamp) {
        self.expire(now);
        for t in &mut self.tracks {
            t.missed = true;
        }
    }

    fn expire(&mut self, now: Timestamp) {
        let gap = self.policy.vote.max_gap;
        self.tracks
            .retain(|t| !t.ended && now.duration_since(t.last_seen) <= gap);
    }

    /// Associates this frame's face boxes (inside the region of interest) with the tracks;
    /// returns one [`Assigned`] per box, in the order given.
    pub fn associate(&mut self, now: Timestamp, boxes: &[BoxF]) -> Vec<Assigned> {
        self.expire(now);
        self.pairs.clear();
        for (ti, t) in self.tracks.iter().enumerate() {
            let p = t.predicted(now);
            for (bi, b) in boxes.iter().enumerate() {
                let iou = p.iou(b).max(t.last_box.iou(b));
                if iou >= self.policy.vote.min_iou {
                    self.pairs.push((iou, ti, bi));
                }
            }
        }
        // Tracks found on the last frame first (a stale track must not take the box of a face
        // followed without a break), then by overlap.
        let tracks = &self.tracks;
        self.pairs.sort_by(|a, b| {
            tracks[a.1]
                .missed
                .cmp(&tracks[b.1].missed)
                .then(b.0.total_cmp(&a.0))
        });
        let mut box_track: Vec<Option<(usize, f32)>> = vec![None; boxes.len()];
        let mut track_taken = vec![false; self.tracks.len()];
        for &(iou, ti, bi) in &self.pairs {
            if box_track[bi].is_none() && !track_taken[ti] {
                box_track[bi] = Some((ti, iou));
                track_taken[ti] = true;
            }
        }
        for (ti, t) in self.tracks.iter_mut().enumerate() {
            if !track_taken[ti] {
                t.missed = true;
            }
        }
        let recheck = self.policy.recheck_every;
        let mut out = Vec::with_capacity(boxes.len());
        for (bi, b) in boxes.iter().enumerate() {
            match box_track[bi] {
                Some((ti, iou)) => {
                    let t = &mut self.tracks[ti];
                    // A poor fit (the box jumped or changed size: someone else stepped into the
                    // place) counts as a loss: who it is must be voted again.
                    if iou < REVOTE_BELOW_IOU {
                        t.missed = true;
                    }
                    let dt = seconds(now.duration_since(t.last_seen));
                    if dt > 0.0 {
                        let d = [
                            (b.x0 - t.last_box.x0) / dt,
                            (b.y0 - t.last_box.y0) / dt,
                            (b.x1 - t.last_box.x1) / dt,
                            (b.y1 - t.last_box.y1) / dt,
                        ];
                        for (v, d) in t.velocity.iter_mut().zip(d) {
                            *v += VELOCITY_GAIN * (d - *v);
                        }
                    }
                    t.last_box = *b;
                    t.last_seen = now;
                    t.frames += 1;
                    if t.missed {
                        // Lost for a frame or more (hidden behind someone, or gone and someone
                        // else stepped in): who it is must be voted again.
                        t.missed = false;
                        t.state = State::Voting;
                        t.votes.clear();
                        t.voting_since = now;
                    }
                    out.push(Assigned {
                        track: t.id,
                        embed: t.wants_embedding(now, recheck),
                        new: false,
                    });
                }
                None => {
                    let id = self.next_track;
                    self.next_track += 1;
                    self.tracks.push(Tracked {
                        id,
                        last_box: *b,
                        velocity: [0.0; 4],
                        last_seen: now,
                        first_seen: now,
                        voting_since: now,
                        votes: VecDeque::with_capacity(self.policy.vote.n),
                        frames: 1,
                        state: State::Voting,
                        ended: false,
                        missed: false,
                    });
                    out.push(Assigned {
                        track: id,
                        embed: true,
                        new: true,
                    });
                }
            }
        }
        out
    }

    /// The decision for `track`'s face on this frame (a face [`associate`](Self::associate) said
    /// to embed). Concludes the vote, confirms or contradicts a concluded track.
    pub fn vote(&mut self, now: Timestamp, track: u64, decision: &Decision) -> VoteOutcome {
        let policy = self.policy.vote;
        let Some(t) = self.tracks.iter_mut().find(|t| t.id == track && !t.ended) else {
            return VoteOutcome::NoTrack;
        };
        if let State::Concluded { who, checked } = &mut t.state {
            return match decision {
                Decision::Known { staff, .. } if who.as_ref() != Some(staff) => {
                    t.ended = true;
                    VoteOutcome::Contradicted {
                        track,
                        concluded: who.clone(),
                        seen: staff.clone(),
                    }
                }
                _ => {
                    // Agreement, or an unsure frame: neither is a reason to doubt the track.
                    *checked = now;
                    VoteOutcome::Counted
                }
            };
        }
        if t.votes.len() == policy.n {
            t.votes.pop_front();
        }
        t.votes.push_back(match decision {
            Decision::Known { staff, score, .. } => Some((staff.clone(), *score)),
            Decision::Unknown { .. } => None,
        });
        match decision {
            Decision::Known { staff, .. } => {
                let mut agreeing = 0usize;
                let mut best = f32::MIN;
                for (s, sc) in t.votes.iter().flatten() {
                    if s == staff {
                        agreeing += 1;
                        best = best.max(sc.0);
                    }
                }
                if agreeing >= policy.k {
                    t.state = State::Concluded {
                        who: Some(staff.clone()),
                        checked: now,
                    };
                    return VoteOutcome::Concluded(Conclusion::Recognised {
                        track,
                        staff: staff.clone(),
                        score: Similarity(best),
                        frames: t.frames,
                    });
                }
            }
            Decision::Unknown { .. } => {
                if t.votes.len() == policy.n
                    && t.votes.iter().filter(|v| v.is_none()).count() >= policy.k
                {
                    t.state = State::Concluded {
                        who: None,
                        checked: now,
                    };
                    return VoteOutcome::Concluded(Conclusion::Unrecognised {
                        track,
                        frames: t.frames,
                    });
                }
            }
        }
        VoteOutcome::Counted
    }
}

fn seconds(d: SignedDuration) -> f32 {
    d.as_secs_f64() as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::rules::{Action, DoorEngine, Face, RulesConfig, Sighting};
    use crate::track::tests::{known, unknown};
    use jiff::tz::TimeZone;

    /// A face box 100 px wide at (x, y).
    fn b(x: f32, y: f32) -> BoxF {
        BoxF {
            x0: x,
            y0: y,
            x1: x + 100.0,
            y1: y + 120.0,
        }
    }
    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_790_000_000_000 + ms).unwrap()
    }

    /// One face in a scene: where it is on a frame and who the matcher says it is.
    struct Walker {
        who: Option<&'static str>,
        /// Box origin at frame `f`, or `None` when not visible.
        at: Box<dyn Fn(usize) -> Option<(f32, f32)>>,
    }

    /// Runs `frames` frames at 15 fps; returns the concluded tracks as "track N: who" and the
    /// number of embeddings asked for.
    fn run(walkers: &[Walker], frames: usize) -> (Vec<String>, usize, Vec<String>) {
        let mut tr = CrowdTracker::new(CrowdPolicy::door_defaults());
        let mut got = Vec::new();
        let mut contradicted = Vec::new();
        let mut embeds = 0;
        for f in 0..frames {
            let now = t(f as i64 * 1000 / 15);
            let visible: Vec<(&Walker, BoxF)> = walkers
                .iter()
                .filter_map(|w| (w.at)(f).map(|(x, y)| (w, b(x, y))))
                .collect();
            let boxes: Vec<BoxF> = visible.iter().map(|(_, b)| *b).collect();
            let assigned = tr.associate(now, &boxes);
            for (a, (w, _)) in assigned.iter().zip(&visible) {
                if !a.embed {
                    continue;
                }
                embeds += 1;
                let d = w.who.map_or_else(unknown, known);
                match tr.vote(now, a.track, &d) {
                    VoteOutcome::Concluded(Conclusion::Recognised { track, staff, .. }) => {
                        got.push(format!("track {track}: {staff}"))
                    }
                    VoteOutcome::Concluded(Conclusion::Unrecognised { track, .. }) => {
                        got.push(format!("track {track}: unknown"))
                    }
                    VoteOutcome::Contradicted { track, seen, .. } => {
                        contradicted.push(format!("track {track} saw {seen}"))
                    }
                    VoteOutcome::Counted | VoteOutcome::NoTrack => {}
                }
            }
        }
        (got, embeds, contradicted)
    }

    fn walker(who: &'static str, f: impl Fn(usize) -> Option<(f32, f32)> + 'static) -> Walker {
        Walker {
            who: Some(who),
            at: Box::new(f),
        }
    }

    #[test]
    fn a_pair_side_by_side_gets_two_tracks_and_two_verdicts() {
        let (got, embeds, _) = run(
            &[
                walker("a", |f| Some((100.0, 50.0 + 3.0 * f as f32))),
                walker("b", |f| Some((400.0, 60.0 + 3.0 * f as f32))),
            ],
            45,
        );
        assert_eq!(got, ["track 1: a", "track 2: b"]);
        // 3 votes each, then one re-check a second for three seconds: far fewer than 90.
        assert!(embeds <= 2 * (3 + 3), "embedded {embeds} faces");
    }

    #[test]
    fn a_queue_one_after_another_in_the_same_place() {
        // a walks through in 20 frames, b appears where a was two frames after a left.
        let (got, _, _) = run(
            &[
                walker("a", |f| (f < 20).then_some((200.0, 40.0 + 6.0 * f as f32))),
                walker("b", |f| {
                    (22..45)
                        .contains(&f)
                        .then(|| (200.0, 40.0 + 6.0 * (f - 22) as f32))
                }),
            ],
            45,
        );
        assert_eq!(got, ["track 1: a", "track 2: b"]);
    }

    #[test]
    fn two_people_crossing_keep_their_names() {
        // a walks right, b walks left, at the same height: their boxes pass through each other
        // around frame 20. Velocity prediction keeps each on its own track; even a swap would
        // be caught by the re-check and never punch the other person.
        let (got, _, contradicted) = run(
            &[
                walker("a", |f| Some((20.0 * f as f32, 100.0))),
                walker("b", |f| Some((800.0 - 20.0 * f as f32, 100.0))),
            ],
            40,
        );
        assert_eq!(got, ["track 1: a", "track 2: b"]);
        assert!(contradicted.is_empty(), "{contradicted:?}");
    }

    #[test]
    fn a_swap_after_concluding_ends_the_track_without_naming_the_other() {
        let mut tr = CrowdTracker::new(CrowdPolicy::door_defaults());
        let mut now = 0;
        for _ in 0..3 {
            let a = tr.associate(t(now), &[b(100.0, 100.0)]);
            tr.vote(t(now), a[0].track, &known("a"));
            now += 66;
        }
        assert_eq!(
            tr.track(1).unwrap().concluded,
            Some(Some(StaffId::new("a").unwrap()))
        );
        // Boxes only until the re-check is due.
        let a = tr.associate(t(now), &[b(102.0, 100.0)]);
        assert!(!a[0].embed);
        // A second later the re-check sees b in that box: the track ends, b is not punched.
        let later = now + 1000;
        let a = tr.associate(t(later), &[b(104.0, 100.0)]);
        assert!(a[0].embed);
        assert_eq!(
            tr.vote(t(later), a[0].track, &known("b")),
            VoteOutcome::Contradicted {
                track: 1,
                concluded: Some(StaffId::new("a").unwrap()),
                seen: StaffId::new("b").unwrap()
            }
        );
        // The next frame starts track 2, which must win its own vote.
        let a = tr.associate(t(later + 66), &[b(106.0, 100.0)]);
        assert_eq!((a[0].track, a[0].new, a[0].embed), (2, true, true));
        assert_eq!(tr.vote(t(later + 66), 2, &known("b")), VoteOutcome::Counted);
        // An unsure re-check does not end a track.
        let mut tr2 = CrowdTracker::new(CrowdPolicy::door_defaults());
        for i in 0..3 {
            let a = tr2.associate(t(i * 66), &[b(100.0, 100.0)]);
            tr2.vote(t(i * 66), a[0].track, &known("a"));
        }
        let a = tr2.associate(t(1500), &[b(100.0, 100.0)]);
        assert_eq!(
            tr2.vote(t(1500), a[0].track, &unknown()),
            VoteOutcome::Counted
        );
        assert!(tr2.track(1).is_some());
    }

    #[test]
    fn a_stranger_concludes_unknown_and_is_rechecked_once_a_second() {
        let (got, embeds, _) = run(
            &[Walker {
                who: None,
                at: Box::new(|f| Some((100.0 + f as f32, 100.0))),
            }],
            30,
        );
        assert_eq!(got, ["track 1: unknown"]);
        assert!(embeds <= 5 + 2, "embedded {embeds}");
    }

    #[test]
    fn a_broken_track_is_never_punched_twice() {
        // a's track breaks three times (she is hidden behind someone for longer than the gap):
        // the tracker concludes each new track, the engine punches once.
        let tz = TimeZone::posix("CST-8").unwrap();
        let config = RulesConfig::hall_defaults(tz);
        let mut engine = DoorEngine::new(config, Calendar::hall_defaults(), vec![], vec![], t(0));
        let visible = |f: usize| !(20..45).contains(&f) && !(65..90).contains(&f);
        let walkers = [walker("a", move |f| {
            visible(f).then_some((100.0 + f as f32, 100.0))
        })];
        let mut tr = CrowdTracker::new(CrowdPolicy::door_defaults());
        let (mut conclusions, mut punches) = (0, 0);
        for f in 0..130 {
            let now = t(f as i64 * 1000 / 15);
            let boxes: Vec<BoxF> = walkers
                .iter()
                .filter_map(|w| (w.at)(f).map(|(x, y)| b(x, y)))
                .collect();
            if boxes.is_empty() {
                tr.observe_nothing(now);
            }
            for a in tr.associate(now, &boxes) {
                if !a.embed {
                    continue;
                }
                if let VoteOutcome::Concluded(Conclusion::Recognised { staff, .. }) =
                    tr.vote(now, a.track, &known("a"))
                {
                    conclusions += 1;
                    let actions = engine.handle_sighting(
                        now,
                        Sighting {
                            face: Face::Known(staff),
                            clock_trusted: true,
                        },
                    );
                    punches += actions
                        .iter()
                        .filter(|x| matches!(x, Action::RecordPunch { .. }))
                        .count();
                }
            }
        }
        assert_eq!((conclusions, punches), (3, 1));
    }

    #[test]
    fn a_face_lost_for_a_frame_votes_again_and_settled_tracks_say_so() {
        let mut tr = CrowdTracker::new(CrowdPolicy::door_defaults());
        for i in 0..3 {
            let a = tr.associate(t(i * 66), &[b(100.0, 100.0)]);
            tr.vote(t(i * 66), a[0].track, &known("a"));
        }
        assert!(tr.settled(t(200)));
        assert!(!tr.settled(t(1300)), "the re-check is due");
        // Hidden for a frame: found again, same track, voting again.
        tr.observe_nothing(t(264));
        assert!(!tr.settled(t(300)));
        let a = tr.associate(t(330), &[b(100.0, 100.0)]);
        assert_eq!((a[0].track, a[0].embed), (1, true));
        assert_eq!(tr.track(1).unwrap().concluded, None);
        // A face that appears is never settled.
        tr.associate(t(400), &[b(100.0, 100.0), b(500.0, 100.0)]);
        assert!(!tr.settled(t(400)));
    }

    #[test]
    fn a_track_ends_after_the_gap_and_boxes_far_apart_are_new_tracks() {
        let mut tr = CrowdTracker::new(CrowdPolicy::door_defaults());
        let a = tr.associate(t(0), &[b(0.0, 0.0), b(500.0, 0.0)]);
        assert_eq!(a.iter().map(|a| a.track).collect::<Vec<_>>(), [1, 2]);
        // The order of the boxes does not matter, the place does.
        let a = tr.associate(t(66), &[b(502.0, 0.0), b(2.0, 0.0)]);
        assert_eq!(a.iter().map(|a| a.track).collect::<Vec<_>>(), [2, 1]);
        tr.observe_nothing(t(1000));
        assert!(tr.is_following());
        tr.observe_nothing(t(1600));
        assert!(!tr.is_following());
    }
}
