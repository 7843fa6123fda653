"""``vectors generate``: write a suite's files, then check every case of them.

Suites and their files (each file has its own DRBG stream, named after it):

* ``crypto`` -- ``crypto_*.json`` (X25519, Ed25519, ChaCha20-/XChaCha20-
  Poly1305, NaCl boxes, AES-GCM/CBC/KW);
* ``jose`` -- ``jose_*.json`` (JWK, JWS, JWE, AES_CBC_HMAC_SHA2);
* ``did`` -- ``identities.json`` (keys, multibase, did:key, did:peer:2/4,
  documents);
* ``oob`` -- ``oob_invitations.json`` (with ``identities.json``);
* ``v1`` -- ``didcomm_v1_envelopes.json``, ``didcomm_v1_forward.json``;
* ``v2`` -- ``didcomm_v2_*.json`` (needs ``identities.json``, which is then
  written as well).

The bytes of a file depend only on the seed, the suite's code and the
recorded command (which names ``--suite`` and ``--backend``, not ``--out``).
With ``--backend both`` the pure backend generates and both check.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Dict, List, Optional, Sequence

from .. import crypto
from ..errors import UsageError
from ._check import FileReport, check_document
from ._format import command_line, dump
from ._generate_common import Context

__all__ = ["SUITES", "GenerateResult", "generate", "generate_documents"]

#: Suite names in generation order (``all`` means every one of them).
SUITES = ("crypto", "jose", "did", "oob", "v1", "v2")


@dataclasses.dataclass
class GenerateResult:
    """The files written and the check report of each."""

    files: List[str]
    reports: List[FileReport]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    def summary(self) -> str:
        passed = sum(r.passed for r in self.reports)
        failed = sum(r.failed for r in self.reports)
        skipped = sum(r.skipped for r in self.reports)
        bad = [r.path for r in self.reports if not r.ok]
        text = f"{len(self.files)} files; checked: {passed} passed, {failed} failed, {skipped} skipped"
        return text + (f"; NOT OK: {', '.join(bad)}" if bad else "")


def _suite_functions() -> Dict[str, Callable[[Context], Dict[str, Dict[str, Any]]]]:
    from ._generate_crypto import generate_crypto
    from ._generate_did import generate_did, generate_oob
    from ._generate_jose import generate_jose
    from ._generate_v1 import generate_v1
    from ._generate_v2 import generate_v2

    return {"crypto": generate_crypto, "jose": generate_jose, "did": generate_did, "oob": generate_oob, "v1": generate_v1,
            "v2": generate_v2}


def generate_documents(seed: str, *, suite: str = "all", backend: str = "pure",
                       backends: Optional[Sequence[crypto.Backend]] = None) -> Dict[str, Dict[str, Any]]:
    """Build the documents of a suite (file name -> document), without writing or checking.

    Args:
        seed: the DRBG seed text (non-empty).
        suite: ``all`` or one of :data:`SUITES`.
        backend: ``pure``, ``native`` or ``both`` (recorded in the command;
            ``both`` generates with pure).
        backends: the backends that will check the files (named in the headers).
    Raises:
        UsageError: empty seed, unknown suite or backend, or a suite whose
            module is not available.
    """
    if not isinstance(seed, str) or not seed:
        raise UsageError("the seed must be a non-empty string")
    if backend not in ("pure", "native", "both"):
        raise UsageError(f"unknown backend {backend!r} (expected pure, native or both)")
    table = _suite_functions()
    if suite == "all":
        wanted = [s for s in SUITES if s in table]
    elif suite in SUITES:
        if suite not in table:
            raise UsageError(f"suite {suite!r} is not available in this build")
        wanted = [suite]
    else:
        raise UsageError(f"unknown suite {suite!r} (expected all or one of {', '.join(SUITES)})")
    gen_backend = crypto.backend("pure" if backend == "both" else backend)
    names = [b.name for b in backends] if backends is not None else (["pure", "native"] if backend == "both" else [backend])
    ctx = Context(seed=seed, command=command_line(seed, suite, backend), backend=gen_backend, checked_on=names)
    docs: Dict[str, Dict[str, Any]] = {}
    for name in wanted:
        docs.update(table[name](ctx))
    return docs


def generate(seed: str, out: str, *, suite: str = "all", backend: str = "pure",
             backends: Optional[Sequence[crypto.Backend]] = None) -> GenerateResult:
    """Write a suite's files into ``out`` and check every case on ``backends``.

    Returns:
        a :class:`GenerateResult` (its ``ok`` is false if any case failed).
    Raises:
        UsageError: see :func:`generate_documents`; ``out`` cannot be created.
    """
    if backends is None:
        backends = [crypto.backend("pure"), crypto.backend("native")] if backend == "both" else [crypto.backend(backend)]
    docs = generate_documents(seed, suite=suite, backend=backend, backends=backends)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out}: {exc.strerror}") from None
    context = {"identities": docs["identities.json"]} if "identities.json" in docs else None
    reports = [check_document(doc, backends, path=os.path.join(out, name), context=context) for name, doc in docs.items()]
    for report, doc in zip(reports, docs.values()):
        if not report.ok:
            # Say only what is true: a backend on which a case failed is not listed.
            failed_on = {r.backend for r in report.results if r.status == "fail"}
            doc["header"]["verified_against"] = [
                v for v in doc["header"]["verified_against"] if not any(f" {b} backend" in v for b in failed_on)
            ]
    files: List[str] = []
    for name, doc in docs.items():
        path = os.path.join(out, name)
        try:
            with open(path, "wb") as fh:
                fh.write(dump(doc))
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        files.append(path)
    return GenerateResult(files, reports)
