-- Issue 12 item 4, data entry that forgives: a leave withdrawn in the browser (撤销) keeps its
-- row, marked cancelled, and no longer counts; a window post that is retired keeps its row (its
-- history stays in the audit log and the reports already made), marked, and is no longer offered
-- nor judged for 断档.

ALTER TABLE leave ADD COLUMN cancelled_at TEXT;
ALTER TABLE posts ADD COLUMN retired_at TEXT;
