-- Issue 11: refused spoof attempts are sent upstream (upload protocol version 2) as records of
-- their own, keyed "<device>:attempt:<id>". Each attempt keeps its upload state as an outbox row
-- does: 'pending' until the central service acknowledged it ('acked') or refused it for good
-- ('parked', with the server's reason). No image is kept or sent.

ALTER TABLE spoof_attempts ADD COLUMN upload_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (upload_state IN ('pending', 'acked', 'parked'));
ALTER TABLE spoof_attempts ADD COLUMN park_reason TEXT;
ALTER TABLE spoof_attempts ADD COLUMN settled_unix_ms INTEGER;
CREATE INDEX spoof_attempts_to_upload ON spoof_attempts (id) WHERE upload_state = 'pending';

CREATE TRIGGER spoof_attempt_acked_is_final BEFORE UPDATE OF upload_state ON spoof_attempts
WHEN OLD.upload_state = 'acked' AND NEW.upload_state <> 'acked'
BEGIN
    SELECT RAISE(ABORT, 'an acknowledged spoof attempt stays acknowledged');
END;
