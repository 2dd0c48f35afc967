-- Issue 9, item 4 (after the pages' accounts, 0004): the rest of the hall's facts the centre owns beside its staff list and the
-- holiday files: the window posts with their A (主办) and B (备岗), leave with its approval, close
-- (销假) or cancellation, the duty roster (值班) of days off, and meetings with who must attend and
-- the sign-in sheet (签到). The month's scoring reads them; the doors take a copy through the
-- facts endpoint. The codes are the core's (hallclock_core::codes), as on the door.

CREATE TABLE posts (
    hall       text NOT NULL REFERENCES halls (id),
    id         text NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    holder     text NOT NULL,
    backup     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, id),
    FOREIGN KEY (hall, holder) REFERENCES staff (hall, id),
    FOREIGN KEY (hall, backup) REFERENCES staff (hall, id),
    CHECK (holder <> backup)
);

CREATE TABLE leaves (
    id                bigserial PRIMARY KEY,
    hall              text NOT NULL,
    staff_id          text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('sick', 'personal', 'annual', 'home-visit',
                          'marriage-maternity', 'bereavement', 'official-errand', 'official-duty')),
    first_day         date NOT NULL,
    first_session     text NOT NULL CHECK (first_session IN ('morning', 'afternoon')),
    last_day          date NOT NULL,
    last_session      text NOT NULL CHECK (last_session IN ('morning', 'afternoon')),
    cover             text,
    reason            text NOT NULL DEFAULT '',
    approval_required text NOT NULL
                          CHECK (approval_required IN ('inspection-office', 'deputy-director', 'director')),
    approved_level    text CHECK (approved_level IN ('inspection-office', 'deputy-director', 'director')),
    approved_by       text,
    certified_by      text,
    approved_at       timestamptz,
    closed_at         timestamptz,
    cancelled_at      timestamptz,
    recorded_by       text NOT NULL CHECK (recorded_by <> ''),
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id),
    FOREIGN KEY (hall, cover) REFERENCES staff (hall, id),
    CHECK (first_day <= last_day),
    CHECK ((approved_level IS NULL) = (approved_by IS NULL)),
    CHECK ((approved_level IS NULL) = (approved_at IS NULL))
);
CREATE INDEX leaves_by_hall_days ON leaves (hall, last_day, first_day);

CREATE TABLE duty_roster (
    hall     text NOT NULL,
    staff_id text NOT NULL,
    day      date NOT NULL,
    sessions text NOT NULL CHECK (sessions IN ('morning', 'afternoon', 'both')),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, staff_id, day),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);

CREATE TABLE meetings (
    id          bigserial PRIMARY KEY,
    hall        text NOT NULL REFERENCES halls (id),
    title       text NOT NULL CHECK (title <> ''),
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    recorded_by text NOT NULL CHECK (recorded_by <> ''),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (start_at < end_at)
);
CREATE INDEX meetings_by_hall_start ON meetings (hall, start_at);

CREATE TABLE meeting_invitees (
    meeting  bigint NOT NULL REFERENCES meetings (id),
    hall     text NOT NULL,
    staff_id text NOT NULL,
    PRIMARY KEY (meeting, staff_id),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);

CREATE TABLE meeting_sign_ins (
    meeting  bigint NOT NULL REFERENCES meetings (id),
    hall     text NOT NULL,
    staff_id text NOT NULL,
    at       timestamptz NOT NULL,
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);
CREATE INDEX meeting_sign_ins_by_meeting ON meeting_sign_ins (meeting);
