"""Migrations applied once per run on SQLite, not once per pytest-xdist worker.

Applying every migration takes each worker 20 s on an idle machine (the state of 90 models rebuilt
operation after operation), 45 s on a loaded one. Under pytest-xdist, the first worker to create its
test database migrates it and copies it (SQLite's backup API) into a file shared by the run's
workers, under a file lock; the others wait for the lock and copy that file into their own in-memory
test database instead of migrating. What each test starts from is the same: the schema, reference
data and permissions the migrations give. PostgreSQL, one process (-n 0) and --nomigrations are left
to pytest-django as they are.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path


@contextlib.contextmanager
def migrations_shared_by_the_workers(template: Path):
    """While active, `migrate` on an in-memory SQLite test database migrates the first worker's and
    copies the result into `template`, and fills every later worker's from `template`."""
    import django.core.management as management

    real_call_command = management.call_command

    def call_command(name, *args, **options):
        from django.db import connections

        connection = connections[options.get("database", "default")]
        in_memory = connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
            connection.settings_dict["NAME"]
        )
        if name != "migrate" or not in_memory:
            return real_call_command(name, *args, **options)
        with open(template.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            connection.ensure_connection()
            if template.exists():
                with contextlib.closing(sqlite3.connect(template)) as source:
                    source.backup(connection.connection)
                return None
            result = real_call_command(name, *args, **options)
            partial = template.with_suffix(".partial")
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                connection.connection.backup(copy)
            os.replace(partial, template)
            return result

    management.call_command = call_command
    try:
        yield
    finally:
        management.call_command = real_call_command
