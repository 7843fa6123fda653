"""Inbox storage for cloud agents: an interface and its embedded sqlite default.

Aries RFC 0346 §"Bob returns a response back": the cloud agent "simply
stores it in a distributed log using the consumer id as a key", and
§"Alice consumes ...": the edge agent "checks the consumer endpoint ...
passes the unique consumer id ... so that cloud agent can return the correct
messages". The RFC leaves the log unspecified (its link is a placeholder);
this module is the storage behind it, with three promises:

* a message is committed before :meth:`Inbox.put` returns, so the ``202``
  that follows it is never a lie;
* fetching does not delete: a message is removed only when the consumer
  acknowledges its id (:meth:`Inbox.ack`), so a fetch lost on the way back
  loses nothing (at-least-once delivery; the edge agent drops duplicates by
  storage id);
* everything is in the database file: a cloud agent restarted on the same
  file knows its consumers and still holds their messages.

:class:`SqliteInbox` uses :mod:`sqlite3` (standard library) with one
connection guarded by a lock, so the threads of the HTTP server share it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Protocol, Sequence, runtime_checkable

from ..errors import RefDIDCommError, UsageError

__all__ = ["StoredMessage", "Inbox", "InboxError", "InboxFull", "UnknownConsumer", "SqliteInbox", "MAX_FETCH", "DEFAULT_MAX_QUEUED"]

MAX_FETCH = 100  # messages per fetch at most; the consumer fetches again for more
DEFAULT_MAX_QUEUED = 1000  # unacknowledged messages per consumer: storage stays bounded


class InboxError(RefDIDCommError):
    """The storage failed (disk, locked database, closed inbox)."""


class InboxFull(RefDIDCommError):
    """The consumer already has the most unacknowledged messages allowed."""


class UnknownConsumer(RefDIDCommError):
    """No consumer with this id is registered here."""


@dataclass(frozen=True)
class StoredMessage:
    """One message waiting in an inbox.

    Attributes:
        id: the storage id (unique per inbox, increasing); what :meth:`Inbox.ack` takes.
        media_type: the ``Content-Type`` it arrived with.
        message: the packed message bytes, exactly as received.
        received: arrival time, seconds since the epoch.
    """

    id: int
    media_type: str
    message: bytes
    received: float


@runtime_checkable
class Inbox(Protocol):
    """What a cloud agent needs from its storage."""

    def add_consumer(self, consumer: str) -> None:
        """Register a consumer id (idempotent)."""

    def has_consumer(self, consumer: str) -> bool:
        """Whether ``consumer`` is registered."""

    def put(self, consumer: str, message: bytes, media_type: str) -> int:
        """Store a message for ``consumer``, durably, and return its id. Raises UnknownConsumer, InboxFull."""

    def fetch(self, consumer: str, limit: int = MAX_FETCH) -> List[StoredMessage]:
        """The oldest unacknowledged messages of ``consumer``, oldest first. Raises UnknownConsumer."""

    def ack(self, consumer: str, ids: Sequence[int]) -> int:
        """Delete these messages of ``consumer``; return how many were deleted. Raises UnknownConsumer."""

    def count(self, consumer: Optional[str] = None) -> int:
        """Messages waiting (for ``consumer``, or for every consumer)."""

    def close(self) -> None:
        """Release the storage."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS consumers (
    owner TEXT NOT NULL,
    consumer TEXT NOT NULL,
    registered REAL NOT NULL,
    PRIMARY KEY (owner, consumer)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    consumer TEXT NOT NULL,
    media_type TEXT NOT NULL,
    body BLOB NOT NULL,
    received REAL NOT NULL,
    FOREIGN KEY (owner, consumer) REFERENCES consumers (owner, consumer)
);
CREATE INDEX IF NOT EXISTS messages_by_consumer ON messages (owner, consumer, id);
"""


def _check_consumer(consumer: object) -> str:
    if not isinstance(consumer, str) or not consumer:
        raise UsageError("consumer must be a non-empty str")
    return consumer


class SqliteInbox:
    """:class:`Inbox` in one sqlite file (or ``":memory:"``, which does not survive a restart).

    Args:
        path: the database file; created with its tables if absent.
        owner: whose inbox this is. Several cloud agents may share one file
            (the demo's ``--db``); each sees only its own consumers.
        max_queued: unacknowledged messages a consumer may have at most;
            :meth:`put` beyond it raises :class:`InboxFull`.

    Raises:
        InboxError: the file cannot be opened or is not a database.
    """

    def __init__(self, path: str, *, owner: str = "", max_queued: int = DEFAULT_MAX_QUEUED) -> None:
        if not isinstance(path, str) or not path:
            raise UsageError("path must be a non-empty str")
        if not isinstance(max_queued, int) or isinstance(max_queued, bool) or max_queued < 1:
            raise UsageError("max_queued must be a positive int")
        self.max_queued = max_queued
        if not isinstance(owner, str):
            raise UsageError("owner must be a str")
        self.path = path
        self.owner = owner
        self._lock = threading.Lock()
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a put
            # is on disk when it returns.
            self._db: Optional[sqlite3.Connection] = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise InboxError(f"cannot open inbox database {path}: {exc}") from None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise InboxError("the inbox is closed")
        return self._db

    def add_consumer(self, consumer: str) -> None:
        _check_consumer(consumer)
        with self._lock:
            try:
                self._conn().execute("INSERT OR IGNORE INTO consumers VALUES (?, ?, ?)", (self.owner, consumer, time.time()))
            except sqlite3.Error as exc:
                raise InboxError(f"cannot register consumer: {exc}") from None

    def has_consumer(self, consumer: str) -> bool:
        _check_consumer(consumer)
        with self._lock:
            try:
                row = self._conn().execute("SELECT 1 FROM consumers WHERE owner = ? AND consumer = ?", (self.owner, consumer)).fetchone()
            except sqlite3.Error as exc:
                raise InboxError(f"cannot read consumers: {exc}") from None
        return row is not None

    def _require(self, db: sqlite3.Connection, consumer: str) -> None:
        if db.execute("SELECT 1 FROM consumers WHERE owner = ? AND consumer = ?", (self.owner, consumer)).fetchone() is None:
            raise UnknownConsumer(f"no consumer {consumer!r} is registered here")

    def put(self, consumer: str, message: bytes, media_type: str) -> int:
        _check_consumer(consumer)
        if not isinstance(message, (bytes, bytearray)):
            raise UsageError("message must be bytes")
        if not isinstance(media_type, str) or not media_type:
            raise UsageError("media_type must be a non-empty str")
        with self._lock:
            db = self._conn()
            try:
                self._require(db, consumer)
                db.execute("BEGIN IMMEDIATE")
                try:
                    queued = db.execute(
                        "SELECT COUNT(*) FROM messages WHERE owner = ? AND consumer = ?", (self.owner, consumer)
                    ).fetchone()[0]
                    if queued >= self.max_queued:
                        db.execute("ROLLBACK")
                        raise InboxFull(f"consumer {consumer!r} has {queued} unacknowledged messages, the most allowed")
                    cursor = db.execute(
                        "INSERT INTO messages (owner, consumer, media_type, body, received) VALUES (?, ?, ?, ?, ?)",
                        (self.owner, consumer, media_type, bytes(message), time.time()),
                    )
                    db.execute("COMMIT")
                except sqlite3.Error:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise InboxError(f"cannot store the message: {exc}") from None
        return int(cursor.lastrowid or 0)

    def fetch(self, consumer: str, limit: int = MAX_FETCH) -> List[StoredMessage]:
        _check_consumer(consumer)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_FETCH:
            raise UsageError(f"limit must be an int in 1..{MAX_FETCH}")
        with self._lock:
            db = self._conn()
            try:
                self._require(db, consumer)
                rows = db.execute(
                    "SELECT id, media_type, body, received FROM messages WHERE owner = ? AND consumer = ? ORDER BY id LIMIT ?",
                    (self.owner, consumer, limit),
                ).fetchall()
            except sqlite3.Error as exc:
                raise InboxError(f"cannot read messages: {exc}") from None
        return [StoredMessage(int(r[0]), str(r[1]), bytes(r[2]), float(r[3])) for r in rows]

    def ack(self, consumer: str, ids: Sequence[int]) -> int:
        _check_consumer(consumer)
        if isinstance(ids, (str, bytes)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise UsageError("ids must be a sequence of ints")
        with self._lock:
            db = self._conn()
            try:
                self._require(db, consumer)
                db.execute("BEGIN IMMEDIATE")
                deleted = 0
                try:
                    for message_id in ids:
                        # Only this consumer's messages: an id of another consumer deletes nothing.
                        deleted += db.execute(
                            "DELETE FROM messages WHERE owner = ? AND consumer = ? AND id = ?", (self.owner, consumer, message_id)
                        ).rowcount
                    db.execute("COMMIT")
                except sqlite3.Error:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise InboxError(f"cannot delete messages: {exc}") from None
        return deleted

    def count(self, consumer: Optional[str] = None) -> int:
        """Messages waiting (for ``consumer``, or in all)."""
        with self._lock:
            db = self._conn()
            try:
                if consumer is None:
                    row = db.execute("SELECT COUNT(*) FROM messages WHERE owner = ?", (self.owner,)).fetchone()
                else:
                    row = db.execute("SELECT COUNT(*) FROM messages WHERE owner = ? AND consumer = ?", (self.owner, consumer)).fetchone()
            except sqlite3.Error as exc:
                raise InboxError(f"cannot count messages: {exc}") from None
        return int(row[0])

    def close(self) -> None:
        """Close the database. Idempotent."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
