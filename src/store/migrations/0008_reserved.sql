-- A placeholder: version 8 belongs to the liveness branch's migration, which replaces this file
-- (and its line in migrations.rs) when the branches are merged. It changes nothing.
SELECT 1;
