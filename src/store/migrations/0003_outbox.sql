-- The upload outbox: one row per door punch, written in the same transaction as the punch, holding
-- exactly what is sent to the central scoring service (never a score, an embedding or an image).
-- A row leaves 'pending' only when the server acknowledged it ('acked') or refused it for good
-- ('parked', with the server's reason). Rows are never deleted unless acknowledged.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    punch_id          INTEGER NOT NULL UNIQUE REFERENCES punches (id),
    device            TEXT NOT NULL CHECK (length(device) > 0),
    seq               INTEGER NOT NULL CHECK (seq > 0),
    staff_id          TEXT NOT NULL,
    at_unix_ms        INTEGER NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('in', 'out')),
    clock_trusted     INTEGER NOT NULL CHECK (clock_trusted IN (0, 1)),
    -- NULL: not classified yet (the clock was untrusted); such a row is held back from upload
    -- until update_outbox_classification fills it in.
    verdict           TEXT CHECK (verdict IN ('on-time', 'late', 'early', 'unjudged')),
    late_mins         INTEGER NOT NULL DEFAULT 0 CHECK (late_mins >= 0),
    early_mins        INTEGER NOT NULL DEFAULT 0 CHECK (early_mins >= 0),
    state             TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'parked')),
    park_reason       TEXT,
    created_unix_ms   INTEGER NOT NULL,
    settled_unix_ms   INTEGER,
    UNIQUE (device, seq),
    CHECK ((state = 'parked') = (park_reason IS NOT NULL))
) STRICT;
-- The upload queue: ready rows in insertion (= sequence) order.
CREATE INDEX outbox_ready ON outbox (id) WHERE state = 'pending' AND verdict IS NOT NULL;
CREATE INDEX outbox_by_state ON outbox (state, id);
CREATE INDEX outbox_acked ON outbox (settled_unix_ms) WHERE state = 'acked';

CREATE TRIGGER outbox_keep_unacknowledged BEFORE DELETE ON outbox
WHEN OLD.state <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'an outbox row is deleted only after the server acknowledged it');
END;
CREATE TRIGGER outbox_acked_is_final BEFORE UPDATE ON outbox
WHEN OLD.state = 'acked' AND NEW.state <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'an acknowledged outbox row stays acknowledged');
END;
