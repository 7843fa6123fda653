"""What every suite generator shares: the recording rng, the case list, the mutations.

Negative cases are derived mechanically from positive ones by the functions
here: one bit flipped in a byte string (``flip``; the lowest bit of the byte
at the given index, so the change is one byte), truncation by one byte, and
base64url re-encoding of a mutated value. Each negative case names the
family in ``flags`` and the expected refdidcomm error class in ``error``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable, Dict, List, Optional

from .. import crypto
from ..encoding import b64url_decode, b64url_encode
from ._sp800_90a import seeded_rng

__all__ = ["Recorder", "Cases", "Context", "flip", "flip_b64u", "truncate_b64u", "flip_hex", "compact_json"]


class Recorder:
    """An rng over a stream's DRBG that can record the draws of one operation.

    ``with rec.recording() as draws: op(rng=rec)`` leaves the hex of every
    draw in ``draws``, in order, for the case's ``rng_draws``.
    """

    def __init__(self, seed: str, stream: str) -> None:
        self._rng = seeded_rng(seed, stream)
        self._log: Optional[List[str]] = None

    def __call__(self, n: int) -> bytes:
        out = self._rng(n)
        if self._log is not None:
            self._log.append(out.hex())
        return out

    def record(self, op: Callable[[Callable[[int], bytes]], Any]) -> "tuple[Any, List[str]]":
        """Run ``op(rng)`` and return (its result, the hex draws it made)."""
        self._log = []
        try:
            result = op(self)
            return result, self._log
        finally:
            self._log = None


class Cases:
    """A case list with running tcIds; ``add`` fills the common members first."""

    def __init__(self) -> None:
        self.cases: List[Dict[str, Any]] = []

    def add(self, comment: str, flags: List[str], result: str, body: Dict[str, Any], error: Optional[str] = None) -> Dict[str, Any]:
        case: Dict[str, Any] = {"tcId": len(self.cases) + 1, "comment": comment, "flags": flags}
        case.update(body)
        case["result"] = result
        if error is not None:
            case["error"] = error
        self.cases.append(case)
        return case


@dataclasses.dataclass
class Context:
    """One generation run: the seed, the recorded command, the generating backend."""

    seed: str
    command: str
    backend: crypto.Backend
    checked_on: List[str]

    def rng(self, stream: str) -> Recorder:
        return Recorder(self.seed, stream)


def flip(data: bytes, index: int) -> bytes:
    """``data`` with the lowest bit of byte ``index`` flipped (negative index from the end)."""
    b = bytearray(data)
    b[index] ^= 0x01
    return bytes(b)


def flip_hex(text: str, index: int) -> str:
    return flip(bytes.fromhex(text), index).hex()


def flip_b64u(text: str, index: int) -> str:
    return b64url_encode(flip(b64url_decode(text), index))


def truncate_b64u(text: str) -> str:
    return b64url_encode(b64url_decode(text)[:-1])


def compact_json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
