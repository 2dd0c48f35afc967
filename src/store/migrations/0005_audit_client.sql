-- Issue 8, item 6: the audit log records the client address of each change (the CLI writes
-- "cli"), and is read a page at a time, changes apart from sign-ins.

ALTER TABLE console_audit ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX console_audit_action ON console_audit(action, id);
