"""Database: engine, models (one table per module), queries and Alembic migrations."""
