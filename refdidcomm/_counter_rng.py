"""Reproducible byte streams for tests, vectors, ``--seed`` and benchmarks: SHA-256 and SHAKE-256 on a counter.

:func:`sha256_counter_rng`: ``rng(n)`` returns the first ``n`` bytes of
``SHA-256(seed || C) || SHA-256(seed || C+1) || ...``, where ``C`` is an
8-byte big-endian counter that starts at 0 and counts every block produced;
the unused tail of a call's last block is dropped (the next call starts a
fresh block).

:func:`shake256_counter_rng`: call ``i`` of ``rng(n)`` returns
``SHAKE-256(seed || i)[0:n]``, ``i`` an 8-byte big-endian counter from
``first`` (0 for ``vectors/jose_jwe.json`` and ``bench/jose.py``, 1 for
``vectors/didcomm_v2_seeded.json`` and the v2 tests).

**Not a random number generator, never for keys in production**: anyone who
knows the seed predicts every byte. It exists so that test keys and the
CLI's ``--seed`` output come out the same on every run. Users:
``vectors/didcomm_v2_forward.json`` (seed ``SHA-256(label)``, see
:mod:`refdidcomm.vectors._check`), the ``did`` and v2 CLI commands'
``--seed HEX``, the v2 routing tests and ``bench/messages.py`` for the
first; the files and scripts named above for the second. (The
vector generator itself draws from the HMAC_DRBG of
:mod:`refdidcomm.vectors._sp800_90a`.)
"""

from __future__ import annotations

import hashlib
from typing import Callable

__all__ = ["sha256_counter_rng", "shake256_counter_rng"]


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


def shake256_counter_rng(seed: bytes, first: int = 0) -> Callable[[int], bytes]:
    """The deterministic stream whose call i returns SHAKE-256(seed || i, 8 bytes big-endian)[0:n].

    Args:
        seed: any bytes (any length).
        first: the counter value of the first call (0 or 1 in this project's files).
    Returns:
        ``rng(n) -> bytes`` returning exactly ``n`` bytes per call.
    """
    counter = first

    def rng(n: int) -> bytes:
        nonlocal counter
        out = hashlib.shake_256(seed + counter.to_bytes(8, "big")).digest(n)
        counter += 1
        return out

    return rng
