-- Notes written through POST /notes; `words` is filled in by the queue consumer.
CREATE TABLE notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  words INTEGER,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
