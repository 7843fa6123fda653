"""A reproducible byte stream for tests, vectors, ``--seed`` and benchmarks: SHA-256 in counter mode.

``rng(n)`` returns the first ``n`` bytes of
``SHA-256(seed || C) || SHA-256(seed || C+1) || ...``, where ``C`` is an
8-byte big-endian counter that starts at 0 and counts every block produced;
the unused tail of a call's last block is dropped (the next call starts a
fresh block).

**Not a random number generator, never for keys in production**: anyone who
knows the seed predicts every byte. It exists so that test keys and the
CLI's ``--seed`` output come out the same on every run. Users:
``vectors/didcomm_v2_forward.json`` (seed ``SHA-256(label)``, see
:mod:`refdidcomm.vectors._check`), the ``did`` and v2 CLI commands'
``--seed HEX``, the v2 routing tests and ``bench/messages.py``. (The
vector generator itself draws from the HMAC_DRBG of
:mod:`refdidcomm.vectors._sp800_90a`.)
"""

from __future__ import annotations

import hashlib
from typing import Callable

__all__ = ["sha256_counter_rng"]


def sha256_counter_rng(seed: bytes) -> Callable[[int], bytes]:
    """The deterministic stream SHA-256(seed || counter, 8 bytes big-endian), counter from 0.

    Args:
        seed: any bytes (any length).
    Returns:
        ``rng(n) -> bytes`` returning exactly ``n`` bytes per call.
    """
    counter = 0

    def rng(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        return out[:n]

    return rng
