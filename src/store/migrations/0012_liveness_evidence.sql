-- Issue 11: evidence frames. Only with `[liveness] keep-evidence = true`, a refused or flagged
-- pass keeps one JPEG of the face region (never the whole frame) in the folder beside the
-- database (`<database>.evidence/`, mode 0700, files 0600). This table ties each file to its
-- punch or spoof attempt by person and time (both carry the pass's instant). Nothing of it is
-- uploaded; the door's housekeeping deletes file and row after `evidence-retention-days`.

CREATE TABLE liveness_evidence (
    file        TEXT PRIMARY KEY
                CHECK (file GLOB '[0-9]*-*.jpg' AND instr(file, '/') = 0 AND instr(file, '..') = 0),
    staff_id    TEXT NOT NULL REFERENCES staff (staff_id),
    at_unix_ms  INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX liveness_evidence_by_pass ON liveness_evidence (staff_id, at_unix_ms);
