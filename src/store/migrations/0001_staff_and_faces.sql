-- Staff and their face embeddings. No face image is stored here: face_images exists only for
-- sites whose admin turns image keeping on, and stays empty otherwise.
CREATE TABLE staff (
    staff_id   TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    post       TEXT,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE embeddings (
    id           INTEGER PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (staff_id) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    dim          INTEGER NOT NULL CHECK (dim > 0),
    vector       BLOB NOT NULL CHECK (length(vector) = dim * 4),
    quality      REAL,
    source       TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX embeddings_by_model ON embeddings (model_sha256, staff_id);

CREATE TABLE face_images (
    id           INTEGER PRIMARY KEY,
    embedding_id INTEGER NOT NULL REFERENCES embeddings (id) ON DELETE CASCADE,
    jpeg         BLOB NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
