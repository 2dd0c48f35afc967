-- The web console (issue 5): accounts, sessions, sign-in failures, the audit log and the
-- consent records for face data. Times are Unix milliseconds (UTC).

CREATE TABLE console_account (
    name            TEXT PRIMARY KEY NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer')),
    password_hash   TEXT NOT NULL,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER,
    created_at_ms   INTEGER NOT NULL
);

-- Only the sha256 of a session token is stored: a copied database cannot sign anybody in.
CREATE TABLE console_session (
    token_sha256  TEXT PRIMARY KEY NOT NULL,
    account       TEXT NOT NULL REFERENCES console_account(name) ON DELETE CASCADE,
    csrf          TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
);

CREATE TABLE console_audit (
    id      INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);

CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- A person's separate consent to face data (个人信息保护法 第二十九条): who, when, which notice.
CREATE TABLE face_consent (
    id              INTEGER PRIMARY KEY,
    staff_id        TEXT NOT NULL,
    consented_at_ms INTEGER NOT NULL,
    notice_version  TEXT NOT NULL,
    recorded_by     TEXT NOT NULL
);
CREATE INDEX face_consent_staff ON face_consent(staff_id);
