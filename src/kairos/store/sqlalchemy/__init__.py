"""The SQLAlchemy store, for SQLite (the embedded default) and PostgreSQL."""
