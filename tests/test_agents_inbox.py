"""Inbox storage: sqlite default, commit before return, delete only on ack, survives reopen."""

from __future__ import annotations

import pathlib
import sqlite3
import threading

import pytest

from refdidcomm.agents._inbox import MAX_FETCH, Inbox, InboxError, InboxFull, SqliteInbox, UnknownConsumer
from refdidcomm.errors import UsageError


@pytest.fixture
def inbox(tmp_path: pathlib.Path):
    box = SqliteInbox(str(tmp_path / "inbox.db"))
    try:
        yield box
    finally:
        box.close()


def test_is_an_inbox(inbox):
    assert isinstance(inbox, Inbox)


def test_put_fetch_ack(inbox):
    inbox.add_consumer("c1")
    first = inbox.put("c1", b'{"n":1}', "application/didcomm-envelope-enc")
    second = inbox.put("c1", b'{"n":2}', "application/didcomm-encrypted+json")
    assert second > first
    got = inbox.fetch("c1")
    assert [(m.id, m.message, m.media_type) for m in got] == [
        (first, b'{"n":1}', "application/didcomm-envelope-enc"),
        (second, b'{"n":2}', "application/didcomm-encrypted+json"),
    ]
    # Fetching does not delete.
    assert [m.id for m in inbox.fetch("c1")] == [first, second]
    assert inbox.ack("c1", [first]) == 1
    assert [m.id for m in inbox.fetch("c1")] == [second]
    assert inbox.ack("c1", [first]) == 0  # already gone
    assert inbox.count("c1") == 1


def test_consumers_are_separate(inbox):
    inbox.add_consumer("a")
    inbox.add_consumer("b")
    mid = inbox.put("a", b"{}", "t/x")
    assert inbox.fetch("b") == []
    assert inbox.ack("b", [mid]) == 0  # b cannot delete a's message
    assert len(inbox.fetch("a")) == 1


def test_unknown_consumer(inbox):
    with pytest.raises(UnknownConsumer):
        inbox.put("nobody", b"{}", "t/x")
    with pytest.raises(UnknownConsumer):
        inbox.fetch("nobody")
    with pytest.raises(UnknownConsumer):
        inbox.ack("nobody", [1])
    assert not inbox.has_consumer("nobody")
    assert inbox.count() == 0


def test_add_consumer_idempotent(inbox):
    inbox.add_consumer("c")
    inbox.add_consumer("c")
    assert inbox.has_consumer("c")


def test_fetch_limit(inbox):
    inbox.add_consumer("c")
    ids = [inbox.put("c", b"{}", "t/x") for _ in range(5)]
    assert [m.id for m in inbox.fetch("c", 2)] == ids[:2]
    with pytest.raises(UsageError):
        inbox.fetch("c", 0)
    with pytest.raises(UsageError):
        inbox.fetch("c", MAX_FETCH + 1)


def test_survives_reopen(tmp_path):
    path = str(tmp_path / "inbox.db")
    box = SqliteInbox(path)
    box.add_consumer("c")
    mid = box.put("c", b'{"keep":true}', "t/x")
    box.close()
    # Committed on disk: a separate connection sees it before reopening.
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    again = SqliteInbox(path)
    try:
        assert again.has_consumer("c")
        assert [(m.id, m.message) for m in again.fetch("c")] == [(mid, b'{"keep":true}')]
        # Ids are never reused after deletion (AUTOINCREMENT).
        again.ack("c", [mid])
        assert again.put("c", b"{}", "t/x") > mid
    finally:
        again.close()


def test_put_visible_to_other_connection_immediately(inbox):
    inbox.add_consumer("c")
    inbox.put("c", b"{}", "t/x")
    with sqlite3.connect(inbox.path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM messages WHERE consumer='c'").fetchone()[0] == 1


def test_threads(inbox):
    inbox.add_consumer("c")
    errors = []

    def worker() -> None:
        try:
            for _ in range(20):
                inbox.put("c", b"{}", "t/x")
        except InboxError as exc:  # pragma: no cover - the failure this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=10)
    assert errors == []
    assert inbox.count("c") == 100


def test_closed(inbox):
    inbox.close()
    inbox.close()  # idempotent
    with pytest.raises(InboxError):
        inbox.add_consumer("c")


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InboxError):
        SqliteInbox(str(path))


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.add_consumer(""),
        lambda b: b.add_consumer(5),
        lambda b: b.put("c", "text", "t/x"),
        lambda b: b.put("c", b"{}", ""),
        lambda b: b.ack("c", "12"),
        lambda b: b.ack("c", [True]),
    ],
)
def test_usage_errors(inbox, call):
    inbox.add_consumer("c")
    with pytest.raises(UsageError):
        call(inbox)


def test_bad_path():
    with pytest.raises(UsageError):
        SqliteInbox("")


def test_owners_share_a_file(tmp_path):
    path = str(tmp_path / "shared.db")
    a, b = SqliteInbox(path, owner="A"), SqliteInbox(path, owner="B")
    try:
        a.add_consumer("c")
        assert not b.has_consumer("c")
        with pytest.raises(UnknownConsumer):
            b.put("c", b"{}", "t/x")
        mid = a.put("c", b"{}", "t/x")
        b.add_consumer("c")
        assert b.fetch("c") == []
        assert b.ack("c", [mid]) == 0
        assert a.count() == 1 and b.count() == 0
    finally:
        a.close()
        b.close()


def test_bad_owner(tmp_path):
    with pytest.raises(UsageError):
        SqliteInbox(str(tmp_path / "x.db"), owner=None)


def test_quota(tmp_path):
    box = SqliteInbox(str(tmp_path / "q.db"), max_queued=2)
    try:
        box.add_consumer("c")
        first = box.put("c", b"{}", "t/x")
        box.put("c", b"{}", "t/x")
        with pytest.raises(InboxFull):
            box.put("c", b"{}", "t/x")
        assert box.count("c") == 2
        box.ack("c", [first])
        box.put("c", b"{}", "t/x")  # room again after an acknowledgement
        assert box.count("c") == 2
    finally:
        box.close()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_bad_quota(tmp_path, bad):
    with pytest.raises(UsageError):
        SqliteInbox(str(tmp_path / "q.db"), max_queued=bad)
