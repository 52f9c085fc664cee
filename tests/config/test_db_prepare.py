"""`manage.py db_prepare`: a new SQLite database gets the migrated schema without the wait."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_ENV": "dev", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_new_sqlite_database_is_created_from_the_models_with_every_migration_recorded(
    tmp_path: Path,
) -> None:
    database = tmp_path / "new.sqlite3"

    prepared = manage("db_prepare", database=database)
    pending = manage("migrate", "--check", database=database)
    again = manage("db_prepare", database=database)

    assert prepared.returncode == 0, prepared.stderr
    assert "schema created from the models" in prepared.stdout
    assert pending.returncode == 0, pending.stdout + pending.stderr
    assert again.returncode == 0, again.stderr
    assert "schema created" not in again.stdout
