//! The upload retry policy, as values: given the central service's answer to one batch, which
//! records are acknowledged, which are parked (with the server's reason), and how long to wait
//! before the next batch.
//!
//! This file owns the decisions only. It never sends, never reads the outbox and never reads the
//! clock: the uploader in `daemon` feeds it answers and a random number for the jitter, and
//! carries out the [`Settlement`] it returns.
//!
//! The rules:
//! - 2xx with per-record results: `accepted` and `duplicate` both acknowledge the record (a
//!   duplicate means an earlier attempt got through); `rejected` parks it with its reason; a
//!   record the answer does not mention stays pending and the batch is retried after a backoff.
//! - 400, 413 and 422 refuse the *whole* batch: the same records are then sent one at a time, and
//!   a single-record batch refused this way is parked with the reason. One bad record can never
//!   park its neighbours, and is never retried forever.
//! - 408 and 429 (and 503) are "later": wait `Retry-After` when given (capped), else backoff.
//! - 401 and 403 mean the token is wrong, and every other status (404, 5xx, ...) and every
//!   transport failure (timeout, refused connection, unreadable body) mean "later": nothing is
//!   parked, because a misconfigured endpoint or token must never cost a record.
//! - Backoff doubles per consecutive failure from `base` to `cap`, with jitter; any answered
//!   batch resets it.

use std::time::Duration;

use super::backoff::Backoff;

/// The knobs of the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxPolicy {
    /// Delay between failed attempts.
    pub backoff: Backoff,
    /// Records per batch, at least 1.
    pub batch_size: usize,
}

impl OutboxPolicy {
    /// Batches of 200, waits from 1 s doubling to 5 minutes, up to a quarter off at random.
    pub fn defaults() -> Self {
        OutboxPolicy {
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(300),
                jitter: 0.25,
            },
            batch_size: 200,
        }
    }
}

/// The server's verdict on one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordAnswer {
    /// Stored now.
    Accepted,
    /// Already stored by an earlier attempt (same idempotency key): also an acknowledgement.
    Duplicate,
    /// Refused for good, with the server's reason.
    Rejected { reason: String },
}

/// What came back for one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchAnswer {
    /// A 2xx with a result per record, aligned with the batch: `None` where the answer did not
    /// mention the record.
    PerRecord(Vec<Option<RecordAnswer>>),
    /// Any other HTTP status, with `Retry-After` (when given) and a short reason from the body.
    Status {
        code: u16,
        retry_after: Option<Duration>,
        reason: String,
    },
    /// No HTTP answer: timeout, connection refused, TLS failure, unreadable body.
    Transport { cause: String },
}

/// What to do after a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Indices (into the batch) of records to mark acknowledged.
    pub acked: Vec<usize>,
    /// Indices of records to park, each with the reason to store.
    pub parked: Vec<(usize, String)>,
    /// When to send the next batch.
    pub next: Next,
    /// A one-line description of the failure, when the batch failed.
    pub error: Option<String>,
}

/// When to send the next batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Right away (when records are waiting).
    Now,
    /// After this long.
    After(Duration),
}

/// The uploader's memory between batches: consecutive failures and the isolation of a refused
/// batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryState {
    failures: u32,
    /// Records still to send one at a time after a whole-batch refusal.
    isolating: usize,
}

impl RetryState {
    /// A fresh state: no failures, full batches.
    pub fn new() -> Self {
        RetryState::default()
    }

    /// Consecutive failed batches so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How many records the next batch should hold.
    pub fn batch_size(&self, policy: &OutboxPolicy) -> usize {
        if self.isolating > 0 {
            1
        } else {
            policy.batch_size.max(1)
        }
    }

    /// Decides what the answer to a batch of `batch_len` records means. `unit_random` is
    /// uniform in `[0, 1)` and only shortens waits (jitter).
    pub fn settle(
        &mut self,
        policy: &OutboxPolicy,
        batch_len: usize,
        answer: &BatchAnswer,
        unit_random: f64,
    ) -> Settlement {
        match answer {
            BatchAnswer::PerRecord(results) => {
                self.per_record(policy, batch_len, results, unit_random)
            }
            BatchAnswer::Status {
                code,
                retry_after,
                reason,
            } => match code {
                400 | 413 | 422 => self.refused(policy, batch_len, *code, reason, unit_random),
                408 | 429 | 503 => {
                    let wait = match retry_after {
                        Some(after) => (*after).min(policy.backoff.cap),
                        None => self.backoff(policy, unit_random),
                    };
                    self.failures = self.failures.saturating_add(1);
                    failed(
                        wait,
                        format!("server asked to retry later ({code}): {reason}"),
                    )
                }
                401 | 403 => {
                    let wait = self.fail(policy, unit_random);
                    failed(
                        wait,
                        format!(
                            "server refused the upload token ({code}): {reason}; check the \
                             uplink token file or credential"
                        ),
                    )
                }
                _ => {
                    let wait = self.fail(policy, unit_random);
                    failed(wait, format!("server answered {code}: {reason}"))
                }
            },
            BatchAnswer::Transport { cause } => {
                let wait = self.fail(policy, unit_random);
                failed(wait, format!("no answer from the server: {cause}"))
            }
        }
    }

    fn per_record(
        &mut self,
        policy: &OutboxPolicy,
        batch_len: usize,
        results: &[Option<RecordAnswer>],
        unit_random: f64,
    ) -> Settlement {
        let mut acked = Vec::new();
        let mut parked = Vec::new();
        let mut unanswered = 0usize;
        for i in 0..batch_len {
            match results.get(i).and_then(Option::as_ref) {
                Some(RecordAnswer::Accepted | RecordAnswer::Duplicate) => acked.push(i),
                Some(RecordAnswer::Rejected { reason }) => parked.push((i, reason.clone())),
                None => unanswered += 1,
            }
        }
        self.isolating = self.isolating.saturating_sub(batch_len - unanswered);
        if unanswered == 0 {
            self.failures = 0;
            return Settlement {
                acked,
                parked,
                next: Next::Now,
                error: None,
            };
        }
        let wait = self.fail(policy, unit_random);
        Settlement {
            acked,
            parked,
            next: Next::After(wait),
            error: Some(format!(
                "server answered for {} of {batch_len} records; the rest will be sent again",
                batch_len - unanswered
            )),
        }
    }

    fn refused(
        &mut self,
        policy: &OutboxPolicy,
        batch_len: usize,
        code: u16,
        reason: &str,
        unit_random: f64,
    ) -> Settlement {
        if batch_len <= 1 {
            self.isolating = self.isolating.saturating_sub(1);
            self.failures = 0;
            let why = format!("server refused the record ({code}): {reason}");
            return Settlement {
                acked: Vec::new(),
                parked: (0..batch_len).map(|i| (i, why.clone())).collect(),
                next: Next::Now,
                error: Some(why),
            };
        }
        // Find the bad record: send this batch's records one at a time. Not a failure of the
        // server, so no growing backoff, but a short pause keeps a misbehaving server unhammered.
        self.isolating = batch_len;
        let pause = policy.backoff.delay(0, unit_random);
        failed(
            pause,
            format!("server refused a batch of {batch_len} ({code}): {reason}; sending its records one at a time"),
        )
    }

    /// The wait for the current failure count, then counts one more failure.
    fn fail(&mut self, policy: &OutboxPolicy, unit_random: f64) -> Duration {
        let wait = self.backoff(policy, unit_random);
        self.failures = self.failures.saturating_add(1);
        wait
    }

    fn backoff(&self, policy: &OutboxPolicy, unit_random: f64) -> Duration {
        policy.backoff.delay(self.failures, unit_random)
    }
}

fn failed(wait: Duration, error: String) -> Settlement {
    Settlement {
        acked: Vec::new(),
        parked: Vec::new(),
        next: Next::After(wait),
        error: Some(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OutboxPolicy {
        OutboxPolicy {
            backoff: Backoff {
                base: Duration::from_millis(100),
                cap: Duration::from_secs(2),
                jitter: 0.0,
            },
            batch_size: 4,
        }
    }

    fn status(code: u16) -> BatchAnswer {
        BatchAnswer::Status {
            code,
            retry_after: None,
            reason: "x".into(),
        }
    }

    fn wait_of(s: &Settlement) -> u128 {
        match s.next {
            Next::Now => 0,
            Next::After(d) => d.as_millis(),
        }
    }

    /// One row: the answers in order, and for each the expected (acked, parked, wait ms, next
    /// batch size).
    struct Case {
        steps: Vec<(usize, BatchAnswer)>,
        expect: Vec<(Vec<usize>, Vec<usize>, u128, usize)>,
    }

    #[track_caller]
    fn check(case: Case) {
        let p = policy();
        let mut st = RetryState::new();
        let mut got = Vec::new();
        for (len, answer) in &case.steps {
            let s = st.settle(&p, *len, answer, 0.5);
            got.push((
                s.acked.clone(),
                s.parked.iter().map(|x| x.0).collect::<Vec<_>>(),
                wait_of(&s),
                st.batch_size(&p),
            ));
        }
        assert_eq!(got, case.expect);
    }

    #[test]
    fn accepted_and_duplicate_both_acknowledge_and_reset_backoff() {
        use RecordAnswer::*;
        check(Case {
            steps: vec![
                (2, status(500)),
                (
                    2,
                    BatchAnswer::Transport {
                        cause: "timeout".into(),
                    },
                ),
                (
                    2,
                    BatchAnswer::PerRecord(vec![Some(Accepted), Some(Duplicate)]),
                ),
                (1, status(500)),
            ],
            expect: vec![
                (vec![], vec![], 100, 4),
                (vec![], vec![], 200, 4),
                (vec![0, 1], vec![], 0, 4),
                (vec![], vec![], 100, 4),
            ],
        });
    }

    #[test]
    fn backoff_is_capped() {
        let p = policy();
        let mut st = RetryState::new();
        let waits: Vec<u128> = (0..8)
            .map(|_| wait_of(&st.settle(&p, 1, &status(502), 0.0)))
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    }

    #[test]
    fn per_record_rejection_parks_only_that_record() {
        use RecordAnswer::*;
        check(Case {
            steps: vec![(
                3,
                BatchAnswer::PerRecord(vec![
                    Some(Accepted),
                    Some(Rejected {
                        reason: "unknown staff".into(),
                    }),
                    Some(Accepted),
                ]),
            )],
            expect: vec![(vec![0, 2], vec![1], 0, 4)],
        });
    }

    #[test]
    fn unanswered_records_stay_pending_and_back_off() {
        check(Case {
            steps: vec![(
                3,
                BatchAnswer::PerRecord(vec![Some(RecordAnswer::Accepted), None]),
            )],
            expect: vec![(vec![0], vec![], 100, 4)],
        });
    }

    #[test]
    fn a_refused_batch_is_split_and_only_the_bad_record_is_parked() {
        use RecordAnswer::*;
        let one_ok = || BatchAnswer::PerRecord(vec![Some(Accepted)]);
        check(Case {
            steps: vec![
                (3, status(400)),
                (1, one_ok()),
                (1, status(400)),
                (1, one_ok()),
                (4, BatchAnswer::PerRecord(vec![Some(Accepted); 4])),
            ],
            expect: vec![
                (vec![], vec![], 100, 1),
                (vec![0], vec![], 0, 1),
                (vec![], vec![0], 0, 1),
                (vec![0], vec![], 0, 4),
                (vec![0, 1, 2, 3], vec![], 0, 4),
            ],
        });
    }

    #[test]
    fn token_and_endpoint_errors_never_park() {
        for code in [401, 403, 404, 405, 500, 502] {
            let s = RetryState::new().settle(&policy(), 4, &status(code), 0.0);
            assert!(s.acked.is_empty() && s.parked.is_empty(), "{code}");
            assert!(matches!(s.next, Next::After(_)), "{code}");
        }
    }

    #[test]
    fn retry_after_is_obeyed_up_to_the_cap() {
        let p = policy();
        let mut st = RetryState::new();
        let answer = |secs| BatchAnswer::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(secs)),
            reason: "slow down".into(),
        };
        assert_eq!(wait_of(&st.settle(&p, 4, &answer(1), 0.0)), 1000);
        assert_eq!(wait_of(&st.settle(&p, 4, &answer(3600), 0.0)), 2000);
    }
}
