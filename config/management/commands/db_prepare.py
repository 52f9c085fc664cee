"""Bring the database schema up to date, fast on a new SQLite database.

`make run` on a fresh clone used to spend a minute applying dj-stripe's long migration history to
SQLite one table rebuild at a time. A new, empty SQLite database instead gets its tables created
straight from the models (what `migrate --run-syncdb` does for apps without migrations) and every
migration recorded as applied: the same schema, because the models and the migrations agree
(`tests/config/test_migrations.py` holds them to it). Any other database, and any database that
already has tables, is migrated as usual.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings


class _NoMigrations(dict[str, None]):
    """`MIGRATION_MODULES` that says no app has migrations."""

    def __contains__(self, app_label: object) -> bool:
        return True

    def __getitem__(self, app_label: str) -> None:
        return None


class Command(BaseCommand):
    help = "Migrate; a new SQLite database gets its schema from the models at once."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if connection.vendor == "sqlite" and not connection.introspection.table_names():
            # Quiet below -v 2: at -v 1 `migrate` with nothing to apply also runs the autodetector
            # over every app's models (2-3 s) only to say that there is nothing to apply.
            quiet = verbosity if verbosity >= 2 else 0
            with override_settings(MIGRATION_MODULES=_NoMigrations()):
                call_command("migrate", run_syncdb=True, interactive=False, verbosity=quiet)
            call_command("migrate", fake=True, interactive=False, verbosity=quiet)
            self.stdout.write("New SQLite database: schema created from the models.")
            return
        call_command("migrate", interactive=False, verbosity=verbosity)
