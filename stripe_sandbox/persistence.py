"""`--data PATH`: the store saved as JSON shortly after each change and loaded at start.

Saving runs on its own thread: it snapshots under the store lock (a JSON dump, fast) and writes
outside it, through a temporary file and an atomic rename so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from stripe_sandbox.store import Store

SAVE_INTERVAL_SECONDS = 0.2


class Persister:
    def __init__(self, store: Store, path: Path) -> None:
        self._store = store
        self._path = path
        self._saved_version = -1
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-persister", daemon=True)

    def load(self) -> None:
        if self._path.exists():
            state = json.loads(self._path.read_text(encoding="utf-8"))
            with self._store.lock:
                self._store.restore(state)
                self._saved_version = self._store.version

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.save()

    def save(self) -> None:
        with self._store.lock:
            if self._store.version == self._saved_version:
                return
            version = self._store.version
            text = json.dumps(self._store.snapshot())
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self._path)
        self._saved_version = version

    def _run(self) -> None:
        while not self._stopping.wait(SAVE_INTERVAL_SECONDS):
            self.save()
