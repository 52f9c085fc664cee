"""`--data PATH`: the state kept in a SQLite database, written incrementally.

Every `SAVE_INTERVAL_SECONDS` the persister takes what changed since its last save (the store
tracks it, see `store`), serialized under the store lock in time proportional to the change,
and writes those rows in one SQLite transaction outside the lock: saving costs the same with
3,000 or 300,000 objects stored. SQLite's write-ahead log makes each save atomic, so a killed
process loses at most the changes of the last interval and never leaves a damaged file.

A PATH holding the JSON snapshot older sandboxes wrote is converted in place on first start.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from stripe_sandbox.store import Changes, Store, StoredObject

logger = logging.getLogger(__name__)

SAVE_INTERVAL_SECONDS = 0.2
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS objects ("
    " id TEXT PRIMARY KEY, type TEXT NOT NULL, sequence INTEGER NOT NULL, body TEXT NOT NULL)",
)
_SQLITE_HEADER = b"SQLite format 3\x00"


class Persister:
    def __init__(self, store: Store, path: Path) -> None:
        self._store = store
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._db_lock = threading.Lock()
        """One writer at a time: the saving thread, and `stop`'s final save."""
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-persister", daemon=True)

    def load(self) -> None:
        """Read the saved state into the store (converting a JSON snapshot first)."""
        if self._path.exists() and self._path.stat().st_size and not _is_sqlite(self._path):
            _convert_json_snapshot(self._path)
        self._db = _open(self._path)
        account = self._db.execute("SELECT value FROM meta WHERE key = 'account_id'").fetchone()
        if account is None:
            with self._store.lock:
                self._store.reset()  # a new database: the next save writes everything
            return
        rows = self._db.execute("SELECT sequence, body FROM objects ORDER BY sequence")
        with self._store.lock:
            self._store.restore(account[0], ((seq, json.loads(body)) for seq, body in rows))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.save()
        with self._db_lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def save(self) -> None:
        with self._db_lock:
            if self._db is None:
                return
            with self._store.lock:
                changes = self._store.take_changes()
            if changes:
                _write(self._db, changes)

    def _run(self) -> None:
        while not self._stopping.wait(SAVE_INTERVAL_SECONDS):
            try:
                self.save()
            except sqlite3.Error:
                logger.exception("saving the sandbox state failed")


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    for statement in SCHEMA:
        db.execute(statement)
    return db


def _write(db: sqlite3.Connection, changes: Changes) -> None:
    db.execute("BEGIN")
    try:
        if changes.cleared:
            db.execute("DELETE FROM objects")
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('account_id', ?)",
            (changes.account_id,),
        )
        db.executemany(
            "INSERT OR REPLACE INTO objects (id, type, sequence, body) VALUES (?, ?, ?, ?)",
            [(o.id, o.object_name, o.sequence, o.body) for o in changes.objects],
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _convert_json_snapshot(path: Path) -> None:
    """Rewrite a JSON snapshot (`{"account_id", "objects", "order"}`) as a database, through
    a temporary file and an atomic rename."""
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    temporary = path.with_name(path.name + ".converting")
    temporary.unlink(missing_ok=True)
    with closing(_open(temporary)) as db:
        _write(
            db,
            Changes(
                cleared=True,
                account_id=state["account_id"],
                objects=list(_stored_objects(state["objects"])),
            ),
        )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")
    os.replace(temporary, path)
    logger.info("converted the JSON state in %s to SQLite", path)


def _stored_objects(objects: dict[str, dict[str, Any]]) -> Iterator[StoredObject]:
    for sequence, (object_id, obj) in enumerate(objects.items()):
        yield StoredObject(object_id, obj["object"], sequence, json.dumps(obj))
