"""The generated files' layout (vectors/README.md) and their exact bytes.

A generated file is ``{"header": ..., "cases": [...]}`` (plus ``keys`` where a
schema has them), written as UTF-8 JSON with two-space indentation, members
in insertion order, non-ASCII kept, and one final newline -- so that the same
command gives the same bytes on every host.

The header carries what the issue asks for: the banner (test keys, never for
production), the generator version, the seed, the exact command, the DRBG
construction, the stream (personalization) of this file, and what the file
was verified against.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Dict, Iterable, List, Optional

from .. import __version__
from ._sp800_90a import PERSONALIZATION_PREFIX

__all__ = ["BANNER", "DRBG_TEXT", "make_header", "dump", "command_line"]

#: Printed in every generated file's header and by the CLI.
BANNER = "TEST KEYS, NEVER FOR PRODUCTION: every private key in this file is derived from a public seed."

#: How the randomness was drawn, stated for implementers in other languages.
DRBG_TEXT = (
    "HMAC_DRBG (NIST SP 800-90A Rev. 1 §10.1.2) with HMAC-SHA-256; instantiated with entropy_input = UTF-8 of the seed, "
    f"nonce = empty, personalization_string = UTF-8 of '{PERSONALIZATION_PREFIX}' + stream; each rng(n) call is one "
    "Generate request of 8n bits without additional input (split into requests of at most 65536 bytes); no reseed. "
    "Every value drawn is also recorded in the case (rng_draws, hex, in draw order) where an operation can be replayed."
)


def command_line(seed: str, suite: str, backend: str) -> str:
    """The exact command that re-creates a generated set (``--out`` only says where it goes)."""
    return f"python -m refdidcomm vectors generate --seed {shlex.quote(seed)} --suite {suite} --backend {backend} --out DIR"


def make_header(
    *, name: str, schema: str, algorithm: str, seed: str, command: str, stream: str, backends: Iterable[str],
    source: List[str], notes: List[str], identities: Optional[str] = None,
) -> Dict[str, Any]:
    """A generated file's header, in a fixed member order."""
    header: Dict[str, Any] = {
        "name": name,
        "schema": schema,
        "banner": BANNER,
        "algorithm": algorithm,
        "source": source,
        "generator": f"refdidcomm {__version__} vectors generate",
        "generator_version": __version__,
        "seed": seed,
        "command": command,
        "rng": DRBG_TEXT,
        "stream": stream,
    }
    if identities is not None:
        header["identities"] = identities
    header["verified_against"] = [
        f"refdidcomm {__version__} {b} backend: 'vectors check' ran every case after generation" for b in backends
    ]
    header["notes"] = notes
    return header


def dump(doc: Dict[str, Any]) -> bytes:
    """The exact bytes of a file: 2-space JSON, insertion order, UTF-8, final newline."""
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
