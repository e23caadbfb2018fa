"""Alembic migrations that own Komok's schema (run through `models.migrate`)."""
