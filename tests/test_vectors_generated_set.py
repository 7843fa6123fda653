"""``vectors/generated/``: the committed set is exactly what its recorded command makes, and it checks.

Regeneration needs no native backend: files are made by the pure backend
(``--backend both`` only names both in ``verified_against``). The check runs
through the ``backend`` fixture, i.e. on both backends in CI.
"""

from __future__ import annotations

import shlex
import time
from typing import Dict, List

import pytest

from conftest import VECTORS
from refdidcomm import crypto
from refdidcomm.vectors import check_file, generate_documents
from refdidcomm.vectors._format import dump

GENERATED = VECTORS / "generated"


def _files() -> List[str]:
    return sorted(p.name for p in GENERATED.glob("*.json"))


def _recorded_command() -> Dict[str, str]:
    import json

    commands = {json.loads((GENERATED / n).read_text(encoding="utf-8"))["header"]["command"] for n in _files()}
    assert len(commands) == 1, commands
    argv = shlex.split(commands.pop())
    assert argv[:5] == ["python", "-m", "refdidcomm", "vectors", "generate"]
    opts = dict(zip(argv[5::2], argv[6::2]))
    assert set(opts) == {"--seed", "--suite", "--backend", "--out"}
    return opts


def test_the_set_is_present() -> None:
    assert "identities.json" in _files() and len(_files()) >= 16


def test_regenerating_with_the_recorded_command_gives_the_same_bytes() -> None:
    opts = _recorded_command()
    start = time.monotonic()
    docs = generate_documents(opts["--seed"], suite=opts["--suite"], backend=opts["--backend"])
    elapsed = time.monotonic() - start
    assert sorted(docs) == _files(), "files missing from or extra in vectors/generated/"
    for name, doc in docs.items():
        assert dump(doc) == (GENERATED / name).read_bytes(), f"{name} differs from a fresh generation"
    assert elapsed < 120


@pytest.mark.parametrize("name", _files())
def test_every_case_of_the_set_checks(name: str, backend: crypto.Backend) -> None:
    report = check_file(str(GENERATED / name), [backend])
    assert report.ok, report.problem or [r for r in report.results if r.status != "pass"][:5]
    assert report.skipped == 0
