"""Storage: one SQLAlchemy Core schema for SQLite and PostgreSQL, repos that return core models."""
