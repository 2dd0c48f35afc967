-- Issue 11: the doors' liveness facts (upload protocol version 2). A punch's liveness verdict is a
-- row of its own beside the punch (live or suspect, the live score 0 to 1, the reasons); a face
-- the door refused as a suspected spoof is an attempt against the claimed person, with no punch.
-- No image, embedding or recognition score is ever received.

CREATE TABLE punch_liveness (
    device      text NOT NULL,
    seq         bigint NOT NULL,
    verdict     text NOT NULL CHECK (verdict IN ('live', 'suspect')),
    live_score  real NOT NULL CHECK (live_score >= 0 AND live_score <= 1),
    reasons     text[] NOT NULL,
    PRIMARY KEY (device, seq),
    FOREIGN KEY (device, seq) REFERENCES punches (device, seq)
);
CREATE INDEX punch_liveness_suspect ON punch_liveness (device, seq) WHERE verdict = 'suspect';

CREATE TABLE spoof_attempts (
    device      text NOT NULL REFERENCES devices (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    hall        text NOT NULL,
    staff_id    text NOT NULL,
    at          timestamptz NOT NULL,
    live_score  real NOT NULL CHECK (live_score >= 0 AND live_score <= 1),
    reasons     text[] NOT NULL CHECK (cardinality(reasons) > 0),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device, seq),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);
CREATE INDEX spoof_attempts_by_hall_time ON spoof_attempts (hall, at);
