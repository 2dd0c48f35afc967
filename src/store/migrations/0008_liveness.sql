-- Issue 11: the door's liveness check. A punch taken while the check ran carries its verdict
-- (`flag` mode keeps a suspected spoof's punch and marks it); a suspected spoof the door refused
-- (`refuse` mode) is an attempt against the claimed person, with no punch. No image is kept here.

ALTER TABLE punches ADD COLUMN liveness TEXT CHECK (liveness IN ('live', 'suspect'));
ALTER TABLE punches ADD COLUMN liveness_score REAL;
ALTER TABLE punches ADD COLUMN liveness_reasons TEXT;

CREATE TABLE spoof_attempts (
    id            INTEGER PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (staff_id),
    at_unix_ms    INTEGER NOT NULL,
    device        TEXT NOT NULL CHECK (length(device) > 0),
    match_score   REAL,
    live_score    REAL,
    reasons       TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX spoof_attempts_by_time ON spoof_attempts (at_unix_ms);
