-- Attendance records: punches (append-only) and their amendments, leave, window posts, meetings,
-- the duty roster and the calendar. Instants are UTC milliseconds since the Unix epoch
-- (`*_unix_ms`), so that range queries compare integers; civil dates are `YYYY-MM-DD` in the
-- hall's zone; record-keeping times (`created_at`, `approved_at`, ...) are RFC 3339 UTC text, as
-- in 0001.

-- The first day a person is judged (enrolled mid-month). NULL: judged on every day.
ALTER TABLE staff ADD COLUMN active_from TEXT;

-- One row per import run, so every imported punch can be traced to its file.
CREATE TABLE punch_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('csv', 'zkteco')),
    added       INTEGER NOT NULL CHECK (added >= 0),
    skipped     INTEGER NOT NULL CHECK (skipped >= 0),
    imported_at TEXT NOT NULL
) STRICT;

-- Every recognised pass at the door, never edited: a correction is a punch_amendments row.
CREATE TABLE punches (
    id            INTEGER PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (staff_id),
    at_unix_ms    INTEGER NOT NULL,
    device        TEXT NOT NULL CHECK (length(device) > 0),
    seq           INTEGER NOT NULL CHECK (seq > 0),
    score         REAL,
    clock_trusted INTEGER NOT NULL CHECK (clock_trusted IN (0, 1)),
    source        TEXT NOT NULL CHECK (source IN ('door', 'import-csv', 'import-zkteco')),
    import_id     INTEGER REFERENCES punch_imports (id),
    created_at    TEXT NOT NULL,
    UNIQUE (device, seq)
) STRICT;
CREATE INDEX punches_by_time ON punches (at_unix_ms);
CREATE INDEX punches_by_staff ON punches (staff_id, at_unix_ms);

CREATE TRIGGER punches_no_update BEFORE UPDATE ON punches
BEGIN
    SELECT RAISE(ABORT, 'punches are append-only; record an amendment instead');
END;
CREATE TRIGGER punches_no_delete BEFORE DELETE ON punches
BEGIN
    SELECT RAISE(ABORT, 'punches are append-only; record an amendment instead');
END;

-- A supervisor's correction: add a pass the door missed, or void one (named by its instant).
CREATE TABLE punch_amendments (
    id         INTEGER PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (staff_id),
    action     TEXT NOT NULL CHECK (action IN ('add', 'void')),
    at_unix_ms INTEGER NOT NULL,
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    author     TEXT NOT NULL CHECK (length(author) > 0),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX punch_amendments_by_time ON punch_amendments (at_unix_ms);

CREATE TRIGGER punch_amendments_no_update BEFORE UPDATE ON punch_amendments
BEGIN
    SELECT RAISE(ABORT, 'amendments are append-only; record another amendment instead');
END;
CREATE TRIGGER punch_amendments_no_delete BEFORE DELETE ON punch_amendments
BEGIN
    SELECT RAISE(ABORT, 'amendments are append-only; record another amendment instead');
END;

-- Leave (请假), in half-day units; approval and reporting back (销假) are filled in later.
CREATE TABLE leave (
    id                INTEGER PRIMARY KEY,
    staff_id          TEXT NOT NULL REFERENCES staff (staff_id),
    kind              TEXT NOT NULL CHECK (kind IN ('sick', 'personal', 'annual', 'home-visit',
                          'marriage-maternity', 'bereavement', 'official-errand', 'official-duty')),
    first_date        TEXT NOT NULL,
    first_session     TEXT NOT NULL CHECK (first_session IN ('morning', 'afternoon')),
    last_date         TEXT NOT NULL,
    last_session      TEXT NOT NULL CHECK (last_session IN ('morning', 'afternoon')),
    cover_staff_id    TEXT REFERENCES staff (staff_id),
    reason            TEXT NOT NULL DEFAULT '',
    approval_required TEXT NOT NULL
                          CHECK (approval_required IN ('inspection-office', 'deputy-director', 'director')),
    approved_level    TEXT CHECK (approved_level IN ('inspection-office', 'deputy-director', 'director')),
    approved_by       TEXT,
    certified_by      TEXT,
    approved_at       TEXT,
    closed_at         TEXT,
    created_at        TEXT NOT NULL,
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
) STRICT;
CREATE INDEX leave_by_staff ON leave (staff_id, first_date);
CREATE INDEX leave_by_dates ON leave (last_date, first_date);

-- Window posts (窗口AB角): the A (holder) and B (backup) of each post, as they are now.
CREATE TABLE posts (
    post_id    TEXT PRIMARY KEY NOT NULL CHECK (length(post_id) > 0),
    holder     TEXT NOT NULL REFERENCES staff (staff_id),
    backup     TEXT NOT NULL REFERENCES staff (staff_id),
    updated_at TEXT NOT NULL,
    CHECK (holder <> backup)
) STRICT;

-- Centre meetings and study sessions (会议和学习活动), who must attend, and the sign-in sheet.
CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL CHECK (length(title) > 0),
    start_unix_ms INTEGER NOT NULL,
    end_unix_ms   INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK (start_unix_ms < end_unix_ms)
) STRICT;
CREATE INDEX meetings_by_start ON meetings (start_unix_ms);

CREATE TABLE meeting_invitees (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    staff_id   TEXT NOT NULL REFERENCES staff (staff_id),
    PRIMARY KEY (meeting_id, staff_id)
) STRICT;

CREATE TABLE meeting_sign_ins (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    staff_id   TEXT NOT NULL REFERENCES staff (staff_id),
    at_unix_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX meeting_sign_ins_by_meeting ON meeting_sign_ins (meeting_id);

-- The duty roster (值班) for days off.
CREATE TABLE duty_roster (
    staff_id TEXT NOT NULL REFERENCES staff (staff_id),
    date     TEXT NOT NULL,
    sessions TEXT NOT NULL CHECK (sessions IN ('morning', 'afternoon', 'both')),
    PRIMARY KEY (staff_id, date)
) STRICT;
CREATE INDEX duty_roster_by_date ON duty_roster (date);

-- The calendar: declared holidays and make-up working days (调休), and each year's summer period.
CREATE TABLE calendar_days (
    date TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE summer_periods (
    year       INTEGER PRIMARY KEY NOT NULL,
    first_date TEXT NOT NULL,
    last_date  TEXT NOT NULL,
    CHECK (first_date <= last_date)
) STRICT;
