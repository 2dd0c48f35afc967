-- Issue 9, item 4: the door's copy of the facts the centre owns (facts protocol 2). A leave or a
-- meeting that came from the centre carries the centre's number; a duty entry is marked. Each
-- facts update replaces the centre's rows in one transaction and leaves the door's own alone.
-- A person's last judged day (the centre's active-until): after it they are not judged.
ALTER TABLE staff ADD COLUMN active_until TEXT;
ALTER TABLE leave ADD COLUMN centre_id INTEGER;
CREATE UNIQUE INDEX leave_by_centre_id ON leave (centre_id) WHERE centre_id IS NOT NULL;
ALTER TABLE meetings ADD COLUMN centre_id INTEGER;
CREATE UNIQUE INDEX meetings_by_centre_id ON meetings (centre_id) WHERE centre_id IS NOT NULL;
ALTER TABLE duty_roster ADD COLUMN from_centre INTEGER NOT NULL DEFAULT 0
    CHECK (from_centre IN (0, 1));
