"""SQLite storage: connection, migrations and repositories. Never imports telegram."""
