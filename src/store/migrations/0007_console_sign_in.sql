-- Issue 8: sign-in attempts are counted per account *and* client address (a stranger's wrong
-- passwords lock only the stranger out), in one transaction before the password is checked;
-- names that are no account are counted too, so that a lock tells nothing. Sessions end after
-- an idle time: the last request is remembered. Times are Unix milliseconds (UTC).

CREATE TABLE console_sign_in (
    account         TEXT NOT NULL,
    client          TEXT NOT NULL,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER,
    last_attempt_ms INTEGER NOT NULL,
    PRIMARY KEY (account, client)
);
CREATE INDEX console_sign_in_last ON console_sign_in(last_attempt_ms);

ALTER TABLE console_session ADD COLUMN last_seen_ms INTEGER NOT NULL DEFAULT 0;
