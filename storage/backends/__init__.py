"""The database engines behind `storage.db.Database`: SQLite (default) and PostgreSQL."""
