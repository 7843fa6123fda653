"""Benchmark the JOSE layer: JWS sign/verify and JWE encrypt/decrypt, on every available backend.

Run from the repository root::

    python bench/jose.py            # the full matrix (a few minutes on the pure backend)
    python bench/jose.py --quick    # 100 B and 10 KiB payloads only

Matrix:

* JWS (General JSON): EdDSA, ES256, ES256K; sign and verify.
* JWE (General JSON, DIDComm profile): ECDH-ES+A256KW with A256CBC-HS512,
  A256GCM and XC20P, and ECDH-1PU+A256KW with A256CBC-HS512; curves X25519,
  P-256, P-384, P-521; 1 and 10 recipients; encrypt, and decrypt as the last
  recipient.
* payloads of 100 B, 10 KiB and 1 MiB; every backend that loads here.

Each cell is timed with :func:`time.perf_counter`: operations are repeated
until ``--min-time`` seconds have passed (at least once, at most
``--max-iterations`` times); on the pure backend the 1 MiB runs are limited to
one iteration. Keys and randomness come from a fixed seed, so every run does
the same work.

Reading the numbers: X25519, Ed25519 and the symmetric ciphers run in the
selected backend; P-256, P-384, P-521 and secp256k1 (ECDH, ES256, ES256K) are
pure Python on *both* backends (:mod:`refdidcomm._sec1` -- libsodium has no
NIST or secp256k1 arithmetic). Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import _timing  # noqa: E402  (next to this script)
from refdidcomm import crypto, jwe, jwk, jws  # noqa: E402
from refdidcomm._counter_rng import shake256_counter_rng  # noqa: E402
from refdidcomm.jwk import JWK  # noqa: E402

PAYLOADS = (("100 B", 100), ("10 KiB", 10 * 1024), ("1 MiB", 1024 * 1024))
JWS_KEYS = (("EdDSA", "Ed25519"), ("ES256", "P-256"), ("ES256K", "secp256k1"))
JWE_MODES = (
    ("ECDH-ES+A256KW", "A256CBC-HS512"),
    ("ECDH-ES+A256KW", "A256GCM"),
    ("ECDH-ES+A256KW", "XC20P"),
    ("ECDH-1PU+A256KW", "A256CBC-HS512"),
)
CURVES = ("X25519", "P-256", "P-384", "P-521")
RECIPIENTS = (1, 10)

Row = Tuple[str, str, str, str, str, str, str, int, float]


def seeded_rng(seed: bytes) -> Callable[[int], bytes]:
    """rng(n): call i returns SHAKE-256(seed || i)[0:n] (the vectors' construction)."""
    return shake256_counter_rng(seed)


def timed(fn: Callable[[], object], min_time: float, max_iterations: int) -> Tuple[int, float]:
    """Run ``fn`` until ``min_time`` has passed; return (iterations, seconds per call)."""
    return _timing.timed(fn, min_time, max_iterations)


def payload_of(size: int) -> bytes:
    return hashlib.shake_256(b"refdidcomm bench payload").digest(size)


def bench_jws(be: crypto.Backend, payloads: Sequence[Tuple[str, int]], min_time: float, max_iter: int) -> List[Row]:
    rows: List[Row] = []
    for alg, crv in JWS_KEYS:
        key = jwk.generate(crv, seeded_rng(crv.encode()), f"did:example:alice#{crv}", backend=be)
        public = {key.kid: key.public()}
        for label, size in payloads:
            data = payload_of(size)
            limit = 1 if (be.name == "pure" and size >= 1 << 20) else max_iter
            signed = jws.sign(data, [key], backend=be)
            n, t = timed(lambda: jws.sign(data, [key], backend=be), min_time, limit)
            rows.append((be.name, "JWS sign", alg, "", crv, "1", label, n, t))
            n, t = timed(lambda: jws.verify(signed, public, backend=be), min_time, limit)
            rows.append((be.name, "JWS verify", alg, "", crv, "1", label, n, t))
    return rows


def bench_jwe(
    be: crypto.Backend, payloads: Sequence[Tuple[str, int]], min_time: float, max_iter: int, curves: Sequence[str]
) -> List[Row]:
    rows: List[Row] = []
    for crv in curves:
        rng = seeded_rng(b"bench keys " + crv.encode())
        sender = jwk.generate(crv, rng, f"did:example:alice#{crv}", backend=be)
        everyone = [jwk.generate(crv, rng, f"did:example:bob#{crv}-{i}", backend=be) for i in range(max(RECIPIENTS))]
        for count in RECIPIENTS:
            recipients = everyone[:count]
            public = [k.public() for k in recipients]
            last: Dict[str, JWK] = {recipients[-1].kid: recipients[-1]}  # type: ignore[dict-item]
            for alg, enc in JWE_MODES:
                auth = alg.startswith("ECDH-1PU")
                for label, size in payloads:
                    data = payload_of(size)
                    limit = 1 if (be.name == "pure" and size >= 1 << 20) else max_iter
                    kwargs = dict(alg=alg, enc=enc, sender=sender if auth else None, backend=be)
                    message = jwe.encrypt(data, public, rng=seeded_rng(b"bench"), **kwargs)
                    n, t = timed(lambda: jwe.encrypt(data, public, **kwargs), min_time, limit)
                    rows.append((be.name, "JWE encrypt", alg, enc, crv, str(count), label, n, t))
                    resolver = sender.public() if auth else None
                    n, t = timed(
                        lambda: jwe.decrypt(message, last, sender_key_resolver=resolver, backend=be), min_time, limit
                    )
                    rows.append((be.name, "JWE decrypt", alg, enc, crv, str(count), label, n, t))
    return rows


def print_table(rows: List[Row], sizes: Dict[str, int]) -> None:
    header = ("backend", "operation", "alg", "enc", "curve", "rcpts", "payload", "iters", "ms/op", "MB/s")
    table = [header]
    for be, op, alg, enc, crv, count, label, n, t in rows:
        mbps = sizes[label] / t / 1e6 if t > 0 else float("inf")
        table.append((be, op, alg, enc, crv, count, label, str(n), f"{t * 1e3:.3f}", f"{mbps:.2f}"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    right = {5, 7, 8, 9}
    for j, row in enumerate(table):
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        print("  ".join(cells).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1 MiB payloads")
    parser.add_argument("--min-time", type=float, default=0.25, help="seconds per cell (default 0.25)")
    parser.add_argument("--max-iterations", type=int, default=1000)
    parser.add_argument("--backends", default=None, help="comma-separated subset of: native,pure")
    parser.add_argument("--curves", default=",".join(CURVES), help="JWE curves (default: all four)")
    args = parser.parse_args(argv)

    names = crypto.available_backends()
    if args.backends:
        wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
        missing = [b for b in wanted if b not in names]
        if missing:
            print(f"backend(s) not available here: {', '.join(missing)}", file=sys.stderr)
            return 2
        names = wanted
    payloads = PAYLOADS[:2] if args.quick else PAYLOADS
    curves = [c.strip() for c in args.curves.split(",") if c.strip()]
    print(f"refdidcomm JOSE benchmark -- Python {platform.python_version()} on {platform.machine()}, "
          f"backends: {', '.join(names)}, min-time {args.min_time}s per cell")
    print("P-256/P-384/P-521/secp256k1 arithmetic is pure Python on every backend.\n")
    rows: List[Row] = []
    for name in names:
        be = crypto.backend(name)
        rows += bench_jws(be, payloads, args.min_time, args.max_iterations)
        rows += bench_jwe(be, payloads, args.min_time, args.max_iterations, curves)
    print_table(rows, dict(PAYLOADS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
