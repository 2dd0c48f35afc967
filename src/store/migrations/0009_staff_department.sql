-- Issue 12 item 8: the unit each person is seconded from (派驻单位), imported with the staff list
-- and shown beside the name. Optional: NULL for who has none on record.

ALTER TABLE staff ADD COLUMN department TEXT;
