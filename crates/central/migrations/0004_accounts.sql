-- Issue 9, item 6: the centre's pages. Accounts of the people who use them (the inspection
-- office's inspector, a hall's supervisor, the county's director, finance, the admin) with an
-- argon2 hash (never a password); sessions kept as the sha256 of their token (never the token);
-- sign-in attempts counted per typed name and client address for the lock-out; and the audit
-- log, append-only, each change's line written in the change's own transaction.

CREATE TABLE accounts (
    name          text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role          text NOT NULL
                  CHECK (role IN ('inspector', 'supervisor', 'director', 'finance', 'admin')),
    -- A supervisor's hall; no other role has one.
    hall          text REFERENCES halls (id),
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'supervisor') = (hall IS NOT NULL))
);

CREATE TABLE web_sessions (
    token_sha256 text PRIMARY KEY CHECK (length(token_sha256) = 64),
    account      text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    csrf         text NOT NULL,
    started_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX web_sessions_by_account ON web_sessions (account);

-- The name as typed (an account or not) and the client's address.
CREATE TABLE sign_in_attempts (
    name         text NOT NULL,
    client       text NOT NULL,
    failed_count integer NOT NULL CHECK (failed_count >= 0),
    locked_until timestamptz,
    PRIMARY KEY (name, client)
);

CREATE TABLE audit_log (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text NOT NULL,
    -- The client's address, `cli` for the command line.
    client text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
