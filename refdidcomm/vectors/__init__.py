"""Test-vector generation and checking: ``refdidcomm vectors generate|check``.

* :func:`seeded_rng` ``(seed, stream)`` -- the HMAC_DRBG (NIST SP 800-90A
  §10.1.2, HMAC-SHA-256) that drives every random draw of the generator;
  an ``rng(n) -> bytes`` callable usable wherever refdidcomm takes ``rng``.
* :func:`check_file` / :func:`check_document` -- run every case of a file in
  the project's vector layout on given backends (:class:`FileReport`);
  files whose schema is not known are reported unsupported, never passed.
* :func:`generate` ``(seed, out, suite=, backend=)`` -- write a suite's files
  (:data:`SUITES`) and check them; :func:`generate_documents` builds them
  without writing.

Test keys only, never for production.
"""

from __future__ import annotations

from ._check import CaseResult, FileReport, check_document, check_file, error_class, known_schemas
from ._generate import SUITES, GenerateResult, generate, generate_documents
from ._sp800_90a import HmacDrbg, seeded_rng

__all__ = [
    "HmacDrbg",
    "seeded_rng",
    "CaseResult",
    "FileReport",
    "check_file",
    "check_document",
    "known_schemas",
    "error_class",
    "SUITES",
    "GenerateResult",
    "generate",
    "generate_documents",
]
