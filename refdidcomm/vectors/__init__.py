"""Test-vector generation and checking: ``refdidcomm vectors generate|check``.

* :func:`seeded_rng` ``(seed, stream)`` -- the HMAC_DRBG (NIST SP 800-90A
  §10.1.2, HMAC-SHA-256) that drives every random draw of the generator;
  an ``rng(n) -> bytes`` callable usable wherever refdidcomm takes ``rng``.

Test keys only, never for production.
"""

from __future__ import annotations

from ._sp800_90a import HmacDrbg, seeded_rng

__all__ = ["HmacDrbg", "seeded_rng"]
