"""The database itself: its schema and migrations (migrations.py), its connection and transactions (sqlite.py)."""
