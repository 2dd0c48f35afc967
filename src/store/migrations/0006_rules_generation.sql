-- Issue 8, item 10: a counter the running door polls to see that the facts its engine holds
-- (calendar, summer periods, window posts, leave, duty) changed, whoever changed them (the
-- console, the CLI, an import): every write to those tables bumps it.

CREATE TABLE rules_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;
INSERT INTO rules_generation (id, n) VALUES (1, 0);

CREATE TRIGGER calendar_days_insert_bumps_rules AFTER INSERT ON calendar_days
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER calendar_days_update_bumps_rules AFTER UPDATE ON calendar_days
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER calendar_days_delete_bumps_rules AFTER DELETE ON calendar_days
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER summer_periods_insert_bumps_rules AFTER INSERT ON summer_periods
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER summer_periods_update_bumps_rules AFTER UPDATE ON summer_periods
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER summer_periods_delete_bumps_rules AFTER DELETE ON summer_periods
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER posts_insert_bumps_rules AFTER INSERT ON posts
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER posts_update_bumps_rules AFTER UPDATE ON posts
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER posts_delete_bumps_rules AFTER DELETE ON posts
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER leave_insert_bumps_rules AFTER INSERT ON leave
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER leave_update_bumps_rules AFTER UPDATE ON leave
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER leave_delete_bumps_rules AFTER DELETE ON leave
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER duty_roster_insert_bumps_rules AFTER INSERT ON duty_roster
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER duty_roster_update_bumps_rules AFTER UPDATE ON duty_roster
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER duty_roster_delete_bumps_rules AFTER DELETE ON duty_roster
BEGIN UPDATE rules_generation SET n = n + 1 WHERE id = 1; END;
