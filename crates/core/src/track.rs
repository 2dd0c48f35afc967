//! Following the face at the door from frame to frame, and agreeing on who it is.
//!
//! A decision about a person needs agreement across several frames of the same tracked face:
//! `k` of the last `n` per-frame decisions must name the same person. A track ends when the face
//! box jumps (low overlap) or no face has been seen for a while; a new track starts voting anew.
//! Pure: the caller passes each frame's time.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use crate::geometry::BoxF;
use crate::ids::{Similarity, StaffId};
use crate::matcher::Decision;

/// Settings of the tracker and vote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPolicy {
    /// Agreeing frames needed...
    pub k: usize,
    /// ...among the last this many.
    pub n: usize,
    /// A face box overlapping the last one by less than this starts a new track.
    pub min_iou: f32,
    /// A gap without faces longer than this ends the track.
    pub max_gap: SignedDuration,
}

impl TrackPolicy {
    /// 3 of the last 5 frames, IoU 0.2, 1.5 s gap.
    pub fn door_defaults() -> Self {
        TrackPolicy {
            k: 3,
            n: 5,
            min_iou: 0.2,
            max_gap: SignedDuration::from_millis(1500),
        }
    }
}

/// What the vote concluded for a track; each track concludes at most once.
#[derive(Debug, Clone, PartialEq)]
pub enum Conclusion {
    /// `k` of the last `n` frames named this person; `score` is the best similarity among them.
    Recognised {
        track: u64,
        staff: StaffId,
        score: Similarity,
        frames: usize,
    },
    /// `n` frames were voted and `k` of the last `n` said unknown.
    Unrecognised { track: u64, frames: usize },
}

/// The single-face tracker at the door.
#[derive(Debug, Clone)]
pub struct DoorTracker {
    policy: TrackPolicy,
    next_track: u64,
    current: Option<Track>,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    last_box: BoxF,
    last_seen: Timestamp,
    votes: VecDeque<Option<(StaffId, Similarity)>>,
    frames: usize,
    /// `None` while voting; then `Some(Some(staff))` or `Some(None)` for unrecognised.
    concluded: Option<Option<StaffId>>,
}

impl DoorTracker {
    pub fn new(policy: TrackPolicy) -> Self {
        DoorTracker {
            policy,
            next_track: 1,
            current: None,
        }
    }

    /// The current track's id, if a face is being followed.
    pub fn current_track(&self) -> Option<u64> {
        self.current.as_ref().map(|t| t.id)
    }

    /// A frame without a usable face: ends the track once the gap is too long.
    pub fn observe_nothing(&mut self, now: Timestamp) {
        if let Some(t) = &self.current {
            if now.duration_since(t.last_seen) > self.policy.max_gap {
                self.current = None;
            }
        }
    }

    /// A frame whose chosen face at `face_box` got `decision`; returns a verdict when the vote
    /// concludes on this frame.
    pub fn observe(
        &mut self,
        now: Timestamp,
        face_box: BoxF,
        decision: &Decision,
    ) -> Option<Conclusion> {
        // A confident decision for someone other than the person a track concluded on is another
        // person in the same place (the next one in a queue): a new track, voted afresh.
        let someone_else = |t: &Track| match (&t.concluded, decision) {
            (Some(who), Decision::Known { staff, .. }) => who.as_ref() != Some(staff),
            _ => false,
        };
        let continues = self.current.as_ref().is_some_and(|t| {
            now.duration_since(t.last_seen) <= self.policy.max_gap
                && t.last_box.iou(&face_box) >= self.policy.min_iou
                && !someone_else(t)
        });
        if !continues {
            let id = self.next_track;
            self.next_track += 1;
            self.current = Some(Track {
                id,
                last_box: face_box,
                last_seen: now,
                votes: VecDeque::with_capacity(self.policy.n),
                frames: 0,
                concluded: None,
            });
        }
        let policy = self.policy;
        let t = self.current.as_mut()?;
        t.last_box = face_box;
        t.last_seen = now;
        t.frames += 1;
        if t.votes.len() == policy.n {
            t.votes.pop_front();
        }
        t.votes.push_back(match decision {
            Decision::Known { staff, score, .. } => Some((staff.clone(), *score)),
            Decision::Unknown { .. } => None,
        });
        if t.concluded.is_some() {
            return None;
        }
        if let Some((staff, _)) = decision_staff(decision) {
            let agreeing: Vec<Similarity> = t
                .votes
                .iter()
                .filter_map(|v| v.as_ref().filter(|(s, _)| s == staff).map(|(_, sc)| *sc))
                .collect();
            if agreeing.len() >= policy.k {
                t.concluded = Some(Some(staff.clone()));
                let best = agreeing.iter().fold(f32::MIN, |m, s| m.max(s.0));
                return Some(Conclusion::Recognised {
                    track: t.id,
                    staff: staff.clone(),
                    score: Similarity(best),
                    frames: t.frames,
                });
            }
        } else if t.votes.len() == policy.n
            && t.votes.iter().filter(|v| v.is_none()).count() >= policy.k
        {
            t.concluded = Some(None);
            return Some(Conclusion::Unrecognised {
                track: t.id,
                frames: t.frames,
            });
        }
        None
    }
}

fn decision_staff(d: &Decision) -> Option<(&StaffId, Similarity)> {
    match d {
        Decision::Known { staff, score, .. } => Some((staff, *score)),
        Decision::Unknown { .. } => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::matcher::UnknownReason;

    /// A confident decision for `s` (also used by `tracks`' tests).
    pub(crate) fn known(s: &str) -> Decision {
        Decision::Known {
            staff: StaffId::new(s).unwrap(),
            score: Similarity(0.7),
            margin: 0.5,
        }
    }
    /// An unsure decision.
    pub(crate) fn unknown() -> Decision {
        Decision::Unknown {
            reason: UnknownReason::BelowThreshold,
            best: None,
        }
    }
    fn b(x: f32) -> BoxF {
        BoxF {
            x0: x,
            y0: 100.0,
            x1: x + 100.0,
            y1: 220.0,
        }
    }
    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_790_000_000_000 + ms).unwrap()
    }

    /// `check` rows: one frame every 100 ms from `from_ms`, the box standing at `x`.
    fn frames(from_ms: i64, x: f32, decisions: &[&Decision]) -> Vec<(i64, f32, Decision)> {
        (from_ms..)
            .step_by(100)
            .zip(decisions)
            .map(|(ms, d)| (ms, x, (*d).clone()))
            .collect()
    }

    /// Feeds (time ms, box x, decision) rows and returns the verdicts in order.
    #[track_caller]
    fn check(rows: &[(i64, f32, Decision)], want: &[&str]) {
        let mut tr = DoorTracker::new(TrackPolicy::door_defaults());
        let mut got = Vec::new();
        for (ms, x, d) in rows {
            if let Some(v) = tr.observe(t(*ms), b(*x), d) {
                got.push(match v {
                    Conclusion::Recognised {
                        track,
                        staff,
                        frames,
                        ..
                    } => {
                        format!("track {track}: {staff} after {frames}")
                    }
                    Conclusion::Unrecognised { track, frames } => {
                        format!("track {track}: unknown after {frames}")
                    }
                });
            }
        }
        assert_eq!(got, want);
    }

    #[test]
    fn votes() {
        // Confident decisions for a and for b, and an unsure one.
        let (a, b, u) = (known("a"), known("b"), unknown());
        // Three agreeing frames conclude once.
        check(
            &[
                (0, 0.0, known("a")),
                (100, 5.0, known("a")),
                (200, 10.0, known("a")),
                (300, 12.0, known("a")),
            ],
            &["track 1: a after 3"],
        );
        // Disagreement delays the verdict: a, b, a, unknown, a -> a on the 5th frame.
        check(
            &frames(0, 0.0, &[&a, &b, &a, &u, &a]),
            &["track 1: a after 5"],
        );
        // A stranger: 5 frames, all unknown.
        check(
            &frames(0, 0.0, &[&u, &u, &u, &u, &u]),
            &["track 1: unknown after 5"],
        );
        // The box jumps away: a new track, votes start again.
        check(
            &[frames(0, 0.0, &[&a, &a]), frames(200, 400.0, &[&b, &b, &b])].concat(),
            &["track 2: b after 3"],
        );
        // Someone else confidently recognised in the same place, once a track has concluded, is
        // the next person: a new track (a stranger who later shows a good frame, too).
        check(
            &frames(0, 0.0, &[&a, &a, &a, &b, &b, &b]),
            &["track 1: a after 3", "track 2: b after 3"],
        );
        check(
            &frames(0, 0.0, &[&u, &u, &u, &u, &u, &a, &a, &a]),
            &["track 1: unknown after 5", "track 2: a after 3"],
        );
        // While still voting, a stray frame for someone else does not split the track.
        check(&frames(0, 0.0, &[&a, &b, &a, &a]), &["track 1: a after 4"]);
        // A long gap ends the track even in the same place.
        check(
            &[
                frames(0, 0.0, &[&a, &a, &a]),
                frames(5000, 0.0, &[&a, &a, &a]),
            ]
            .concat(),
            &["track 1: a after 3", "track 2: a after 3"],
        );
    }

    #[test]
    fn nothing_frames_end_a_track_after_the_gap() {
        let mut tr = DoorTracker::new(TrackPolicy::door_defaults());
        tr.observe(t(0), b(0.0), &known("a"));
        tr.observe_nothing(t(1000));
        assert_eq!(tr.current_track(), Some(1));
        tr.observe_nothing(t(2000));
        assert_eq!(tr.current_track(), None);
    }
}
