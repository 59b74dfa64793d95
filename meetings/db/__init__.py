"""The database itself: its schema and migrations (meetings/db/migrations.py)."""
