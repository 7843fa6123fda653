"""Shared fixtures: every crypto test runs once per backend.

``backend`` is parametrized over ``pure`` and ``native``. Where the native
extension cannot be loaded, the native runs are skipped with the reason --
unless ``REFDIDCOMM_REQUIRE_NATIVE=1`` (set by ``.ci/run``), which turns that
into a failure so CI cannot pass on a silent fallback.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict

import pytest

from refdidcomm import crypto
from refdidcomm.errors import BackendUnavailable

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "vectors"
SHARED = ROOT.parent / "shared" / "vectors-published"


@pytest.fixture(params=["pure", "native"])
def backend(request: pytest.FixtureRequest) -> crypto.Backend:
    try:
        return crypto.backend(request.param)
    except BackendUnavailable as exc:
        if os.environ.get("REFDIDCOMM_REQUIRE_NATIVE") == "1":
            pytest.fail(f"native backend required but unavailable: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")


def load_vectors(name: str) -> Dict[str, Any]:
    """Load ``vectors/NAME.json`` (the project's own, always present)."""
    with open(VECTORS / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def load_shared(relpath: str) -> Dict[str, Any]:
    """Load a file from ``../shared/vectors-published``, or skip with the reason."""
    path = SHARED / relpath
    if not path.is_file():
        pytest.skip(f"../shared/vectors-published/{relpath} is not present on this machine")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def label_counter_rng(label: str):
    """The DID tests' key rng: SHA-256 of the text ``"{label}/{counter}"`` blocks, counter from 0."""
    import hashlib

    counter = [0]

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(f"{label}/{counter[0]}".encode()).digest()
            counter[0] += 1
        return out[:n]

    return rng
