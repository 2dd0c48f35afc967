-- The month, scored (central-scoring.md): the facts the centre owns for it (the staff list's
-- dates and posts, the holiday calendar), the inspection office's records, and closed months with
-- the sheet lines they froze.
--
-- Days are `date` in the hall's zone; instants are timestamptz. Records, voids, closings and
-- sheet lines are append-only: a mistake is voided by a new record, a closed sheet is never
-- edited (a change after closing becomes an adjustment line on the next open sheet).

ALTER TABLE halls ADD COLUMN zone text NOT NULL DEFAULT 'Asia/Shanghai' CHECK (zone <> '');

-- The days a person is on the hall's list (both inclusive; NULL: open-ended), and their window
-- (post) for the year's award bar of a D1 (central-scoring.md section 4).
ALTER TABLE staff
    ADD COLUMN active_from  date,
    ADD COLUMN active_until date,
    ADD COLUMN post         text CHECK (post <> ''),
    ADD CONSTRAINT staff_dates_in_order
        CHECK (active_from IS NULL OR active_until IS NULL OR active_until >= active_from);

-- The county's holiday files, as `hallclock calendar import` reads them on the door (the same
-- parser, `hallclock_core::calendar`), kept whole: a later import of the same name replaces it.
CREATE TABLE holiday_files (
    name        text PRIMARY KEY CHECK (name <> ''),
    body        text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

-- One inspection record (central-scoring.md section 2): never edited, never deleted.
CREATE TABLE item_records (
    id             bigserial PRIMARY KEY,
    hall           text NOT NULL,
    staff_id       text NOT NULL,
    item           text NOT NULL
        CHECK (item IN ('C1', 'C2', 'C3', 'C4', 'C5', 'A9', 'H1', 'H2', 'H3', 'D1', 'D2')),
    day            date NOT NULL,
    times          integer NOT NULL CHECK (times >= 1),
    withhold_month boolean NOT NULL DEFAULT false CHECK (NOT withhold_month OR item = 'C3'),
    note           text NOT NULL,
    author         text NOT NULL CHECK (author <> ''),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (hall, staff_id) REFERENCES staff (hall, id)
);
CREATE INDEX item_records_hall_day ON item_records (hall, day);

-- A record voiding an earlier one, with the reason; a record is voided at most once.
CREATE TABLE item_voids (
    record      bigint PRIMARY KEY REFERENCES item_records (id),
    reason      text NOT NULL CHECK (reason <> ''),
    author      text NOT NULL CHECK (author <> ''),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- A closed month (the first day of the month in `month`).
CREATE TABLE month_closings (
    hall      text NOT NULL REFERENCES halls (id),
    month     date NOT NULL CHECK (extract(day FROM month) = 1),
    closed_by text NOT NULL CHECK (closed_by <> ''),
    closed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, month)
);

-- What a closed month's sheet said of each person. Points are in tenths, money in fen.
CREATE TABLE sheet_lines (
    hall               text NOT NULL,
    month              date NOT NULL,
    staff_id           text NOT NULL,
    name               text NOT NULL,
    conduct            integer NOT NULL,
    attendance         integer NOT NULL,
    cases              integer NOT NULL,
    discipline         integer NOT NULL,
    score              integer NOT NULL,
    deducted           integer NOT NULL,
    days_on_list       integer NOT NULL,
    days_in_month      integer NOT NULL,
    earned_fen         bigint NOT NULL,
    withheld           text,
    due_fen            bigint NOT NULL,
    PRIMARY KEY (hall, month, staff_id),
    FOREIGN KEY (hall, month) REFERENCES month_closings (hall, month)
);

-- An adjustment line a closed sheet carried: what was paid for an earlier closed month, what it
-- was due when this sheet closed, and the difference (negative: to recover, 追回).
CREATE TABLE adjustment_lines (
    hall           text NOT NULL,
    month          date NOT NULL,
    staff_id       text NOT NULL,
    about_month    date NOT NULL CHECK (about_month < month),
    paid_fen       bigint NOT NULL,
    due_now_fen    bigint NOT NULL,
    difference_fen bigint NOT NULL CHECK (difference_fen = due_now_fen - paid_fen),
    PRIMARY KEY (hall, month, staff_id, about_month),
    FOREIGN KEY (hall, month) REFERENCES month_closings (hall, month)
);

CREATE TRIGGER item_records_append_only BEFORE UPDATE OR DELETE ON item_records
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER item_voids_append_only BEFORE UPDATE OR DELETE ON item_voids
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER month_closings_append_only BEFORE UPDATE OR DELETE ON month_closings
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER sheet_lines_append_only BEFORE UPDATE OR DELETE ON sheet_lines
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER adjustment_lines_append_only BEFORE UPDATE OR DELETE ON adjustment_lines
    FOR EACH ROW EXECUTE FUNCTION append_only();
