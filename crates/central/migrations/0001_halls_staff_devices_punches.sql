-- The first schema: halls, their staff, their doors (devices) and the punches the doors upload.
-- Times are timestamptz (UTC instants); a punch is keyed by (device, seq), the idempotency key
-- "<device>:<seq>" of docs/upload-protocol.md, and is never updated or deleted.

CREATE TABLE halls (
    id   text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
    name text NOT NULL CHECK (name <> '')
);

CREATE TABLE staff (
    hall text NOT NULL REFERENCES halls (id),
    id   text NOT NULL CHECK (id ~ '^[A-Za-z0-9_-]{1,32}$'),
    name text NOT NULL CHECK (name <> ''),
    PRIMARY KEY (hall, id)
);

CREATE TABLE devices (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
    hall         text NOT NULL REFERENCES halls (id),
    -- sha256 of the bearer token; the token itself is printed once and stored nowhere.
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    -- The last heartbeat's body (docs/upload-protocol.md, "Heartbeat").
    health       jsonb
);

CREATE TABLE punches (
    device        text NOT NULL REFERENCES devices (id),
    seq           bigint NOT NULL CHECK (seq >= 1),
    hall          text NOT NULL,
    staff_id      text NOT NULL,
    at            timestamptz NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('in', 'out')),
    clock_trusted boolean NOT NULL,
    verdict       text NOT NULL CHECK (verdict IN ('on-time', 'late', 'early', 'unjudged')),
    late_minutes  integer NOT NULL CHECK (late_minutes >= 0),
    early_minutes integer NOT NULL CHECK (early_minutes >= 0),
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device, seq),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);

-- A hall's month (the scoring's unit of work) is a range scan on this index: a county's year is
-- about 4 million rows, a hall's month about 16,000.
CREATE INDEX punches_hall_at ON punches (hall, at);

-- Punches are append-only, as on the door: a correction is a new record, never an edit.
CREATE FUNCTION punches_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'punches are append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER punches_no_update_or_delete
    BEFORE UPDATE OR DELETE ON punches
    FOR EACH ROW EXECUTE FUNCTION punches_append_only();
