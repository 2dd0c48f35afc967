-- Issue 11: calibrating the liveness check on site. Scores of bona fide presentations (the door
-- camera's captures of live people) and of attack drills (a printed photo or a phone replay held
-- up with the person's consent) are kept as numbers, never as images; a calibration is the
-- threshold chosen from them for a target BPCER, with the figures it was chosen on (ISO/IEC
-- 30107-3 terms). The latest calibration is what `doctor` and the status page report.

CREATE TABLE liveness_samples (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('live', 'print', 'replay')),
    source        TEXT NOT NULL CHECK (source IN ('enrolment', 'drill')),
    staff_id      TEXT REFERENCES staff (staff_id),
    -- the liveness models' live share, 0 to 1: what [liveness] model-threshold compares
    model_score   REAL NOT NULL CHECK (model_score >= 0 AND model_score <= 1),
    at_unix_ms    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE liveness_calibrations (
    id              INTEGER PRIMARY KEY,
    at_unix_ms      INTEGER NOT NULL,
    model_threshold REAL NOT NULL CHECK (model_threshold >= 0 AND model_threshold <= 1),
    target_bpcer    REAL NOT NULL CHECK (target_bpcer >= 0 AND target_bpcer <= 1),
    bpcer           REAL NOT NULL,
    apcer_max       REAL NOT NULL,
    bona_fide       INTEGER NOT NULL CHECK (bona_fide > 0),
    attacks         INTEGER NOT NULL CHECK (attacks > 0),
    created_at      TEXT NOT NULL
) STRICT;
