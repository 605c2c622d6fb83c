"""Tables, repositories and migrations over SQLite (WAL, the default) or PostgreSQL.

May import: ``mimeo.core``. Driver errors are translated to ``core.errors`` here, once.
"""
