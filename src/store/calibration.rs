//! Calibrating the door's liveness check on site (issue 11, migration 0011): the model scores of
//! bona fide captures and of attack drills, and the calibrations chosen from them. Every SQL
//! statement about them lives here.
//!
//! Numbers only: no image or embedding is kept. What the figures mean is `core::pad`'s; which
//! threshold to choose is the caller's.

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};

use super::audit::{write_audit, Audit};
use super::{corrupt, instant, select, sql, Store, StoreError};
use crate::core::ids::StaffId;

/// What a sample presented to the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// A live person (bona fide).
    Live,
    /// A printed photo held up (attack).
    Print,
    /// A photo or video shown on a phone or tablet (attack).
    Replay,
}

impl SampleKind {
    /// `live`, `print`, `replay`.
    pub fn key(self) -> &'static str {
        match self {
            SampleKind::Live => "live",
            SampleKind::Print => "print",
            SampleKind::Replay => "replay",
        }
    }

    fn from_key(key: &str) -> Result<SampleKind, StoreError> {
        match key {
            "live" => Ok(SampleKind::Live),
            "print" => Ok(SampleKind::Print),
            "replay" => Ok(SampleKind::Replay),
            other => Err(corrupt("liveness_samples.kind", other)),
        }
    }
}

/// Where a sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleSource {
    /// An enrolment from the door camera (bona fide).
    Enrolment,
    /// An attack drill (or its live counterpart).
    Drill,
}

/// One presentation's liveness model score.
#[derive(Debug, Clone, PartialEq)]
pub struct LivenessSample {
    pub kind: SampleKind,
    pub source: SampleSource,
    pub staff: Option<StaffId>,
    /// The models' live share, 0 to 1 (what `[liveness] model-threshold` compares).
    pub model_score: f32,
    pub at: Timestamp,
}

/// A threshold chosen on site, with the figures it was chosen on.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub at: Timestamp,
    pub model_threshold: f32,
    pub target_bpcer: f64,
    pub bpcer: f64,
    pub apcer_max: f64,
    pub bona_fide: u32,
    pub attacks: u32,
}

/// The site's calibration at a glance, for `doctor` and the status page.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationState {
    /// The latest calibration.
    pub last: Option<Calibration>,
    pub bona_fide_samples: u64,
    pub attack_samples: u64,
}

impl Store {
    /// Keeps one sample's score.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (a score out of 0 to 1 or an unknown person included).
    pub fn record_liveness_sample(
        &mut self,
        sample: &LivenessSample,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.record_liveness_samples(std::slice::from_ref(sample), now)
    }

    /// Keeps several samples' scores (an enrolment's captures), all or none.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (a score out of 0 to 1 or an unknown person included).
    pub fn record_liveness_samples(
        &mut self,
        samples: &[LivenessSample],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let action = "record liveness samples";
        let tx = self.write(action)?;
        insert_samples(&tx, samples, now)?;
        tx.commit().map_err(sql(action))
    }

    /// Keeps an attack drill's samples with its audit line (who, when, kind, person), in one
    /// transaction: both are kept or neither.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (a score out of 0 to 1 or an unknown person included).
    pub fn record_liveness_drill(
        &mut self,
        samples: &[LivenessSample],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "record a liveness drill";
        let tx = self.write(action)?;
        insert_samples(&tx, samples, audit.at)?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))
    }

    /// How many samples of each kind are on record: live, print, replay.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn liveness_sample_counts(&self) -> Result<Vec<(SampleKind, u64)>, StoreError> {
        select(
            &self.conn,
            "count the liveness samples",
            "SELECT kind, COUNT(*) FROM liveness_samples GROUP BY kind ORDER BY kind",
            [],
            |c| {
                Ok((
                    SampleKind::from_key(&c.get::<String>(0)?)?,
                    u64::try_from(c.get::<i64>(1)?).unwrap_or(0),
                ))
            },
        )
    }

    /// Every sample's kind and model score, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn liveness_samples(&self) -> Result<Vec<(SampleKind, f32)>, StoreError> {
        select(
            &self.conn,
            "read the liveness samples",
            "SELECT kind, model_score FROM liveness_samples ORDER BY id",
            [],
            |c| {
                Ok((
                    SampleKind::from_key(&c.get::<String>(0)?)?,
                    c.get::<f64>(1)? as f32,
                ))
            },
        )
    }

    /// Records a calibration as the site's latest, with its audit line, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (a threshold or share out of 0 to 1 included).
    pub fn record_liveness_calibration(
        &mut self,
        c: &Calibration,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "record a liveness calibration";
        let tx = self.write(action)?;
        tx.execute(
            "INSERT INTO liveness_calibrations (at_unix_ms, model_threshold, target_bpcer, bpcer,
                                                apcer_max, bona_fide, attacks, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                c.at.as_millisecond(),
                f64::from(c.model_threshold),
                c.target_bpcer,
                c.bpcer,
                c.apcer_max,
                c.bona_fide,
                c.attacks,
                audit.at.to_string()
            ],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))
    }

    /// The latest calibration and how many samples of each side are on record.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn liveness_calibration(&self) -> Result<CalibrationState, StoreError> {
        let action = "read the liveness calibration";
        let (bona_fide_samples, attack_samples): (i64, i64) = self
            .conn
            .query_row(
                "SELECT COUNT(*) FILTER (WHERE kind = 'live'),
                        COUNT(*) FILTER (WHERE kind <> 'live')
                 FROM liveness_samples",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql(action))?;
        let last = self
            .conn
            .query_row(
                "SELECT at_unix_ms, model_threshold, target_bpcer, bpcer, apcer_max, bona_fide,
                        attacks
                 FROM liveness_calibrations ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, f64>(1)?,
                        r.get::<_, f64>(2)?,
                        r.get::<_, f64>(3)?,
                        r.get::<_, f64>(4)?,
                        r.get::<_, u32>(5)?,
                        r.get::<_, u32>(6)?,
                    ))
                },
            )
            .optional()
            .map_err(sql(action))?;
        let last = match last {
            None => None,
            Some((at, threshold, target, bpcer, apcer_max, bona_fide, attacks)) => {
                Some(Calibration {
                    at: instant(at, "liveness_calibrations.at_unix_ms")?,
                    model_threshold: threshold as f32,
                    target_bpcer: target,
                    bpcer,
                    apcer_max,
                    bona_fide,
                    attacks,
                })
            }
        };
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(CalibrationState {
            last,
            bona_fide_samples: count(bona_fide_samples),
            attack_samples: count(attack_samples),
        })
    }
}

fn insert_samples(
    tx: &rusqlite::Transaction<'_>,
    samples: &[LivenessSample],
    now: Timestamp,
) -> Result<(), StoreError> {
    let action = "record a liveness sample";
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO liveness_samples (kind, source, staff_id, model_score, at_unix_ms,
                                           created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql(action))?;
    for sample in samples {
        insert
            .execute(params![
                sample.kind.key(),
                match sample.source {
                    SampleSource::Enrolment => "enrolment",
                    SampleSource::Drill => "drill",
                },
                sample.staff.as_ref().map(StaffId::as_str),
                f64::from(sample.model_score),
                sample.at.as_millisecond(),
                now.to_string()
            ])
            .map_err(sql(action))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{id, now, store_with};

    #[test]
    fn samples_and_the_latest_calibration_are_kept() {
        let (_dir, mut s) = store_with(&["0001"]);
        let empty = s.liveness_calibration().unwrap();
        assert_eq!((empty.last, empty.attack_samples), (None, 0));
        for (kind, score) in [
            (SampleKind::Live, 0.9),
            (SampleKind::Print, 0.2),
            (SampleKind::Replay, 0.3),
        ] {
            let sample = LivenessSample {
                kind,
                source: SampleSource::Drill,
                staff: Some(id("0001")),
                model_score: score,
                at: now(),
            };
            s.record_liveness_sample(&sample, now()).unwrap();
        }
        assert_eq!(s.liveness_samples().unwrap()[1], (SampleKind::Print, 0.2));
        let c = Calibration {
            at: now(),
            model_threshold: 0.5,
            target_bpcer: 0.01,
            bpcer: 0.0,
            apcer_max: 0.0,
            bona_fide: 1,
            attacks: 2,
        };
        s.record_liveness_calibration(&c, &Audit::cli(now(), "liveness-calibrate", "0.5"))
            .unwrap();
        let state = s.liveness_calibration().unwrap();
        assert_eq!(state.last, Some(c));
        assert_eq!((state.bona_fide_samples, state.attack_samples), (1, 2));
        let bad = LivenessSample {
            kind: SampleKind::Live,
            source: SampleSource::Enrolment,
            staff: None,
            model_score: 1.5,
            at: now(),
        };
        assert!(s.record_liveness_sample(&bad, now()).is_err());
    }
}
