"""``python -m refdidcomm vectors generate|check``: test vectors as a product feature.

* ``generate --seed SEED --out DIR [--suite all|crypto|jose|did|oob|v1|v2]
  [--backend pure|native|both]``: write the suite's files (test keys from a
  public seed, never for production). Every random value comes from an
  HMAC_DRBG (NIST SP 800-90A §10.1.2, HMAC-SHA-256) seeded by SEED, so the
  same command re-creates every file byte for byte. After writing, every
  case is checked on the chosen backend(s); the files say which.
* ``check PATH... [--backend pure|native|both|auto] [--quiet] [--slow]``:
  run every case of each file (a directory means its ``*.json`` files) and
  print one line per case, then a summary. Exit status 0 when every case
  passed (data-only files such as key files are listed, not run, when a
  folder or several files are checked); 1 when a case failed, a file is
  unsupported or unreadable, or no case ran at all;
  2 for a usage error (e.g. ``--backend native`` where it cannot load).

``auto`` (the default of ``check``) runs every backend that loads here and
says so; ``both`` insists on both.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, List

from . import crypto
from .errors import BackendUnavailable, RefDIDCommError

__all__ = ["add_parser"]


def _backends(name: str) -> List[crypto.Backend]:
    if name == "auto":
        return [crypto.backend(n) for n in ("pure", "native") if n in crypto.available_backends()]
    if name == "both":
        return [crypto.backend("pure"), crypto.backend("native")]
    return [crypto.backend(name)]


def _json_files(paths: List[str]) -> List[str]:
    files: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".json"))
        else:
            files.append(path)
    return files


def _cmd_check(args: argparse.Namespace) -> int:
    from .vectors import check_file

    try:
        backends = _backends(args.backend)
    except BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"backends: {', '.join(b.name for b in backends)}")
    files = _json_files(args.paths)
    if not files:
        print("error: no vector files given", file=sys.stderr)
        return 2
    totals = {"pass": 0, "fail": 0, "skip": 0}
    bad_files = data_files = 0
    for path in files:
        report = check_file(path, backends, slow=args.slow)
        if report.data_only and len(files) > 1:
            # Keys or documents that other files name; checked through them.
            data_files += 1
            print(f"data {path}: no cases (keys or documents other vector files use)")
            continue
        if not report.supported or report.problem:
            bad_files += 1
            print(f"FILE {path}: {report.problem}")
            continue
        for r in report.results:
            totals[r.status] += 1
            if r.status == "pass" and args.quiet:
                continue
            label = {"pass": "ok  ", "fail": "FAIL", "skip": "skip"}[r.status]
            line = f"{label} {path} tcId={r.tc_id} [{r.backend}]"
            print(f"{line}: {r.detail}" if r.detail else line)
        print(f"file {path} ({report.schema}): {report.passed} passed, {report.failed} failed, {report.skipped} skipped")
    print(
        f"summary: {len(files)} files ({bad_files} unsupported or unreadable, {data_files} data only), "
        f"{totals['pass']} passed, {totals['fail']} failed, {totals['skip']} skipped"
    )
    if not totals["pass"] and not totals["fail"]:
        print("error: no case was run", file=sys.stderr)
        return 1
    return 1 if totals["fail"] or bad_files else 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from .vectors import generate

    try:
        backends = _backends(args.backend)
    except BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = time.monotonic()
    try:
        result = generate(args.seed, args.out, suite=args.suite, backend=args.backend, backends=backends)
    except RefDIDCommError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in result.files:
        print(f"wrote {path}")
    print(result.summary())
    print(f"{time.monotonic() - start:.1f} s; test keys, never for production")
    return 0 if result.ok else 1


def add_parser(subparsers: Any) -> None:
    """Add the ``vectors`` command and its ``generate`` and ``check`` subcommands.

    Args:
        subparsers: the object returned by ``ArgumentParser.add_subparsers``.
    """
    parser = subparsers.add_parser(
        "vectors",
        help="generate test vectors from a seed; check vector files on a backend",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="vectors_command", required=True)

    g = commands.add_parser("generate", help="write a reproducible set of test vectors (test keys only)")
    g.add_argument("--seed", required=True, help="the DRBG seed (text); printed in every file")
    g.add_argument("--out", required=True, help="output directory (created if missing)")
    g.add_argument("--suite", default="all", choices=("all", "crypto", "jose", "did", "oob", "v1", "v2"))
    g.add_argument("--backend", default="pure", choices=("pure", "native", "both"),
                   help="backend that generates (pure for 'both') and checks afterwards (default: pure)")
    g.set_defaults(func=_cmd_generate)

    c = commands.add_parser("check", help="run every case of vector files; non-zero exit on any failure")
    c.add_argument("paths", nargs="+", help="vector files or directories of them")
    c.add_argument("--backend", default="auto", choices=("auto", "pure", "native", "both"))
    c.add_argument("--quiet", action="store_true", help="print only failures, skips and summaries")
    c.add_argument("--slow", action="store_true", help="also run cases flagged Slow")
    c.set_defaults(func=_cmd_check)
