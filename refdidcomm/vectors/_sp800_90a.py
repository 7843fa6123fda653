"""HMAC_DRBG with HMAC-SHA-256 (NIST SP 800-90A Rev. 1 §10.1.2): the generator's randomness.

Every key, ephemeral key, CEK, IV and nonce in a generated vector file comes
from this deterministic random bit generator, so that ``vectors generate
--seed SEED`` re-creates each file byte for byte. **Test keys only, never for
production**: the seed is public and printed in every file's header.

The construction, stated so that another implementation can reproduce it:

* Instantiate (§10.1.2.3) with ``entropy_input`` = the seed's UTF-8 bytes,
  ``nonce`` = empty, ``personalization_string`` = the UTF-8 bytes of
  ``"refdidcomm vectors " + stream`` where ``stream`` names the file being
  generated (e.g. ``"jose"``), so that each file has its own stream and a
  single suite re-creates exactly the file that ``--suite all`` writes.
  ``seed_material = entropy_input || nonce || personalization_string``.
* Each call ``rng(n)`` is one Generate request (§10.1.2.5) of ``8 n`` bits
  with no additional input (requests above ``max_number_of_bits_per_request``
  = 2**19 bits are split into several requests of at most 65536 bytes).
* No reseed and no prediction resistance: the volumes drawn here are far below
  the ``reseed_interval`` of 2**48 requests (§10.1 Table 2), which
  :meth:`HmacDrbg.generate` nevertheless enforces.

Deviations from SP 800-90A: the entropy input is a caller-chosen test seed,
not the output of an approved entropy source, and it may be shorter than the
security strength (256 bits) -- acceptable because the outputs are test data
and are meant to be predictable. The algorithm itself is unchanged; it is
checked against the CAVP ``HMAC_DRBG.rsp`` (no reseed, SHA-256) known answers
in ``tests/test_vectors_drbg.py``.

Timing: not constant time (Python integers and :mod:`hmac`); irrelevant here.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Callable

from ..errors import UsageError

__all__ = ["HmacDrbg", "seeded_rng", "PERSONALIZATION_PREFIX"]

#: The personalization string of a stream is this prefix plus the stream name.
PERSONALIZATION_PREFIX = "refdidcomm vectors "

# SP 800-90A §10.1 Table 2 (HMAC_DRBG, SHA-256).
_OUTLEN = 32  # outlen: 256 bits
_MAX_BYTES_PER_REQUEST = 2**19 // 8  # max_number_of_bits_per_request = 2**19
_RESEED_INTERVAL = 2**48


class HmacDrbg:
    """HMAC_DRBG (SP 800-90A §10.1.2) over HMAC-SHA-256, without reseeding.

    The internal state is ``(V, Key, reseed_counter)`` (§10.1.2.1).
    """

    def __init__(self, entropy_input: bytes, nonce: bytes = b"", personalization_string: bytes = b"") -> None:
        """HMAC_DRBG_Instantiate_algorithm (§10.1.2.3).

        Args:
            entropy_input: the seed (any length, at least 1 byte).
            nonce: optional nonce bytes.
            personalization_string: optional personalization bytes.
        Raises:
            UsageError: an argument is not bytes, or the entropy input is empty.
        Spec: NIST SP 800-90A Rev. 1 §10.1.2.3.
        """
        for name, value in (("entropy_input", entropy_input), ("nonce", nonce),
                            ("personalization_string", personalization_string)):
            if not isinstance(value, (bytes, bytearray)):
                raise UsageError(f"{name} must be bytes")
        if not entropy_input:
            raise UsageError("entropy_input must not be empty")
        # 1. seed_material = entropy_input || nonce || personalization_string.
        seed_material = bytes(entropy_input) + bytes(nonce) + bytes(personalization_string)
        # 2. Key = 0x00 00...00.  3. V = 0x01 01...01.
        self._key = b"\x00" * _OUTLEN
        self._v = b"\x01" * _OUTLEN
        # 4. (Key, V) = HMAC_DRBG_Update(seed_material, Key, V).
        self._update(seed_material)
        # 5. reseed_counter = 1.
        self._reseed_counter = 1

    def _update(self, provided_data: bytes) -> None:
        """HMAC_DRBG_Update (§10.1.2.2)."""
        # 1. K = HMAC(K, V || 0x00 || provided_data).  2. V = HMAC(K, V).
        self._key = hmac.new(self._key, self._v + b"\x00" + provided_data, hashlib.sha256).digest()
        self._v = hmac.new(self._key, self._v, hashlib.sha256).digest()
        # 3. If (provided_data = Null), then return K and V.
        if not provided_data:
            return
        # 4. K = HMAC(K, V || 0x01 || provided_data).  5. V = HMAC(K, V).
        self._key = hmac.new(self._key, self._v + b"\x01" + provided_data, hashlib.sha256).digest()
        self._v = hmac.new(self._key, self._v, hashlib.sha256).digest()

    def generate(self, n: int) -> bytes:
        """HMAC_DRBG_Generate_algorithm (§10.1.2.5) without additional input.

        Args:
            n: number of bytes, 0 <= n <= 65536 (2**19 bits per request).
        Returns:
            ``n`` pseudorandom bytes.
        Raises:
            UsageError: ``n`` is not an int in range, or the reseed interval is
                exhausted (step 1 would require a reseed, which this generator
                does not do).
        Spec: NIST SP 800-90A Rev. 1 §10.1.2.5.
        """
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= _MAX_BYTES_PER_REQUEST:
            raise UsageError(f"a request must be 0..{_MAX_BYTES_PER_REQUEST} bytes")
        # 1. If reseed_counter > reseed_interval, then return "reseed required".
        if self._reseed_counter > _RESEED_INTERVAL:
            raise UsageError("HMAC_DRBG reseed interval exhausted")
        # 2. (additional_input is Null: no update.)
        # 3. temp = Null.  4. While (len(temp) < requested_number_of_bits) do:
        #    V = HMAC(Key, V); temp = temp || V.
        temp = b""
        while len(temp) < n:
            self._v = hmac.new(self._key, self._v, hashlib.sha256).digest()
            temp += self._v
        # 5. returned_bits = leftmost(temp, requested_number_of_bits).
        returned = temp[:n]
        # 6. (Key, V) = HMAC_DRBG_Update(additional_input, Key, V).
        self._update(b"")
        # 7. reseed_counter = reseed_counter + 1.
        self._reseed_counter += 1
        return returned

    def __call__(self, n: int) -> bytes:
        """``rng(n)``: ``n`` bytes, in requests of at most 65536 bytes.

        Raises:
            UsageError: ``n`` is not a non-negative int.
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise UsageError("rng(n) needs a non-negative int")
        if n <= _MAX_BYTES_PER_REQUEST:
            return self.generate(n)
        out = bytearray()
        while len(out) < n:
            out += self.generate(min(_MAX_BYTES_PER_REQUEST, n - len(out)))
        return bytes(out)


def seeded_rng(seed: str, stream: str) -> Callable[[int], bytes]:
    """The generator's ``rng`` for one output stream (one file).

    Args:
        seed: the ``--seed`` text (non-empty); its UTF-8 bytes are the entropy input.
        stream: the stream name (e.g. ``"crypto"``); the personalization string
            is ``PERSONALIZATION_PREFIX + stream`` in UTF-8.
    Returns:
        an :class:`HmacDrbg` (callable as ``rng(n) -> bytes``).
    Raises:
        UsageError: the seed or stream is not a non-empty string.
    """
    if not isinstance(seed, str) or not seed:
        raise UsageError("the seed must be a non-empty string")
    if not isinstance(stream, str) or not stream:
        raise UsageError("the stream name must be a non-empty string")
    return HmacDrbg(seed.encode("utf-8"), b"", (PERSONALIZATION_PREFIX + stream).encode("utf-8"))
