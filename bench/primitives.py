"""Benchmark every crypto facade function on both backends, and PyNaCl directly.

Standard library only (PyNaCl is used when it is importable, for the
comparison column). Run from the repository root::

    python bench/primitives.py [--quick]

Prints, in one run, µs per call for each facade function on each available
backend, the same operation through PyNaCl where it has one, and the ratio
native/PyNaCl. AES-256-CBC and AES-256-GCM are also reported in MB/s on 1 MiB,
and so is base64url (encode and strict decode of 1 MiB of payload bytes, MB/s of
payload), per backend and for ``refdidcomm.encoding``'s standard-library path.
Each figure is the best of several repeats of a timed loop (``timeit``-style),
so it is a lower bound less disturbed by other load on the machine.

The 1 MiB rows discard each result, so every call frees megabytes at the top
of the heap; glibc then gives that memory back to the system (its trim
threshold) and the next call pays page faults for fresh pages. That can
dominate a fast codec: native base64url encoding of 1 MiB measured 0.27 ms
with ``MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456`` in
the environment and 1.3 ms without. Set both to see the codec itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from refdidcomm import crypto, encoding  # noqa: E402
from refdidcomm.errors import BackendUnavailable  # noqa: E402

MiB = 1 << 20


def best_us(fn: Callable[[], object], budget: float = 0.3, repeats: int = 5) -> float:
    """µs per call: best of ``repeats`` loops, each sized to about budget/repeats seconds."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    loops = max(1, int(budget / repeats / once))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best * 1e6


def cases(be: crypto.Backend, big: int, b64_big: int) -> Dict[str, Callable[[], object]]:
    sk = bytes(range(32))
    seed = bytes(range(1, 33))
    pk = be.x25519_public_key(bytes(range(2, 34)))
    edpk = be.ed25519_public_key(seed)
    msg = b"m" * 100
    sig = be.ed25519_sign(seed, msg)
    key = bytes(range(32))
    n12, n24, iv = bytes(12), bytes(24), bytes(16)
    ct_c = be.chacha20poly1305_encrypt(key, n12, msg, b"")
    ct_x = be.xchacha20poly1305_encrypt(key, n24, msg, b"")
    bx = be.box(msg, n24, pk, sk)
    my_pk = be.x25519_public_key(sk)
    sealed = be.box_seal(msg, my_pk)
    payload = bytes(big)
    cbc = be.aes_cbc_encrypt(key, iv, payload)
    gcm = be.aes_gcm_encrypt(key, n12, payload)
    wrapped = be.aes_key_wrap(key, key)
    their_pk_sender = be.x25519_public_key(bytes(range(2, 34)))
    b64_payload = bytes(range(256)) * (b64_big // 256)
    b64_text = be.b64url_encode(b64_payload)
    b64_key = be.b64url_encode(key)  # 43 characters, a JWK member
    return {
        "random_bytes(32)": lambda: be.random_bytes(32),
        "x25519_public_key": lambda: be.x25519_public_key(sk),
        "x25519": lambda: be.x25519(sk, pk),
        "ed25519_public_key": lambda: be.ed25519_public_key(seed),
        "ed25519_sign(100 B)": lambda: be.ed25519_sign(seed, msg),
        "ed25519_verify(100 B)": lambda: be.ed25519_verify(edpk, msg, sig),
        "ed25519_pk_to_x25519": lambda: be.ed25519_pk_to_x25519(edpk),
        "ed25519_seed_to_x25519": lambda: be.ed25519_seed_to_x25519(seed),
        "chacha20poly1305_encrypt(100 B)": lambda: be.chacha20poly1305_encrypt(key, n12, msg, b""),
        "chacha20poly1305_decrypt(100 B)": lambda: be.chacha20poly1305_decrypt(key, n12, ct_c, b""),
        "xchacha20poly1305_encrypt(100 B)": lambda: be.xchacha20poly1305_encrypt(key, n24, msg, b""),
        "xchacha20poly1305_decrypt(100 B)": lambda: be.xchacha20poly1305_decrypt(key, n24, ct_x, b""),
        "box(100 B)": lambda: be.box(msg, n24, their_pk_sender, sk),
        "box_open(100 B)": lambda: be.box_open(bx, n24, their_pk_sender, sk),
        "box_seal(100 B)": lambda: be.box_seal(msg, my_pk),
        "box_seal_open(100 B)": lambda: be.box_seal_open(sealed, my_pk, sk),
        f"aes_cbc_encrypt({big // 1024} KiB)": lambda: be.aes_cbc_encrypt(key, iv, payload),
        f"aes_cbc_decrypt({big // 1024} KiB)": lambda: be.aes_cbc_decrypt(key, iv, cbc),
        "aes_key_wrap(32 B)": lambda: be.aes_key_wrap(key, key),
        "aes_key_unwrap(32 B)": lambda: be.aes_key_unwrap(key, wrapped),
        f"aes_gcm_encrypt({big // 1024} KiB)": lambda: be.aes_gcm_encrypt(key, n12, payload),
        f"aes_gcm_decrypt({big // 1024} KiB)": lambda: be.aes_gcm_decrypt(key, n12, gcm),
        "b64url_encode(32 B)": lambda: be.b64url_encode(key),
        "b64url_decode(43 chars)": lambda: be.b64url_decode(b64_key),
        f"b64url_encode({b64_big // 1024} KiB)": lambda: be.b64url_encode(b64_payload),
        f"b64url_decode({b64_big // 1024} KiB)": lambda: be.b64url_decode(b64_text),
    }


def stdlib_b64url_cases(b64_big: int) -> Dict[str, Callable[[], object]]:
    """``refdidcomm.encoding``'s base64url, called directly (the standard-library path)."""
    payload = bytes(range(256)) * (b64_big // 256)
    text = encoding.b64url_encode(payload)
    return {
        "b64url_encode(bulk)": lambda: encoding.b64url_encode(payload),
        "b64url_decode(bulk)": lambda: encoding.b64url_decode(text),
    }


def pynacl_cases(big: int) -> Dict[str, Callable[[], object]]:
    """The same operations called through PyNaCl's bindings (no wrappers of ours)."""
    try:
        from nacl import bindings as b
    except ImportError:
        return {}
    sk = bytes(range(32))
    seed = bytes(range(1, 33))
    pk = b.crypto_scalarmult_base(bytes(range(2, 34)))
    edpk, edsk = b.crypto_sign_seed_keypair(seed)
    msg = b"m" * 100
    signed = b.crypto_sign(msg, edsk)
    key = bytes(range(32))
    n12, n24 = bytes(12), bytes(24)
    ct_c = b.crypto_aead_chacha20poly1305_ietf_encrypt(msg, b"", n12, key)
    ct_x = b.crypto_aead_xchacha20poly1305_ietf_encrypt(msg, b"", n24, key)
    bx = b.crypto_box(msg, n24, pk, sk)
    my_pk = b.crypto_scalarmult_base(sk)
    sealed = b.crypto_box_seal(msg, my_pk)
    out = {
        "random_bytes(32)": lambda: b.randombytes(32),
        "x25519_public_key": lambda: b.crypto_scalarmult_base(sk),
        "x25519": lambda: b.crypto_scalarmult(sk, pk),
        "ed25519_public_key": lambda: b.crypto_sign_seed_keypair(seed),
        # Like for like: the facade signs from the 32-byte seed, so PyNaCl
        # expands the same seed first (libsodium needs seed || A to sign).
        "ed25519_sign(100 B)": lambda: b.crypto_sign(msg, b.crypto_sign_seed_keypair(seed)[1]),
        "ed25519_sign, PyNaCl with expanded key (ref.)": lambda: b.crypto_sign(msg, edsk),
        "ed25519_verify(100 B)": lambda: b.crypto_sign_open(signed, edpk),
        "ed25519_pk_to_x25519": lambda: b.crypto_sign_ed25519_pk_to_curve25519(edpk),
        "ed25519_seed_to_x25519": lambda: b.crypto_sign_ed25519_sk_to_curve25519(edsk),
        "chacha20poly1305_encrypt(100 B)": lambda: b.crypto_aead_chacha20poly1305_ietf_encrypt(msg, b"", n12, key),
        "chacha20poly1305_decrypt(100 B)": lambda: b.crypto_aead_chacha20poly1305_ietf_decrypt(ct_c, b"", n12, key),
        "xchacha20poly1305_encrypt(100 B)": lambda: b.crypto_aead_xchacha20poly1305_ietf_encrypt(msg, b"", n24, key),
        "xchacha20poly1305_decrypt(100 B)": lambda: b.crypto_aead_xchacha20poly1305_ietf_decrypt(ct_x, b"", n24, key),
        "box(100 B)": lambda: b.crypto_box(msg, n24, pk, sk),
        "box_open(100 B)": lambda: b.crypto_box_open(bx, n24, pk, sk),
        "box_seal(100 B)": lambda: b.crypto_box_seal(msg, my_pk),
        "box_seal_open(100 B)": lambda: b.crypto_box_seal_open(sealed, my_pk, sk),
    }
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller budgets and a 64 KiB AES payload")
    args = ap.parse_args(argv)
    big = 64 * 1024 if args.quick else MiB
    budget = 0.1 if args.quick else 0.4

    backends: List[Tuple[str, crypto.Backend]] = []
    for name in ("native", "pure"):
        try:
            backends.append((name, crypto.backend(name)))
        except BackendUnavailable as exc:
            print(f"# {name} backend unavailable: {exc}")
    tables: Dict[str, Dict[str, float]] = {}
    for name, be in backends:
        pure_big = big if name == "native" else 64 * 1024  # keep the pure AES runs short
        tables[name] = {}
        for label, fn in cases(be, pure_big, big).items():
            b = budget if name == "native" else min(budget, 0.2)
            tables[name][_norm(label)] = best_us(fn, b, repeats=5 if name == "native" else 2)
    nacl = {_norm(k): best_us(v, budget) for k, v in pynacl_cases(big).items()}
    stdlib = {k: best_us(v, budget) for k, v in stdlib_b64url_cases(big).items()}

    labels = list(dict.fromkeys([k for t in tables.values() for k in t] + list(nacl)))
    print(f"refdidcomm bench/primitives.py   python {sys.version.split()[0]}   µs per call (best of repeats)")
    if "native" in tables:
        from refdidcomm import _native_backend

        print(f"AES-NI: {_native_backend.aesni_available()}")
    head = f"{'operation':<34}" + "".join(f"{n:>12}" for n in tables) + f"{'PyNaCl':>12}{'native/PyNaCl':>15}{'pure/native':>13}"
    print(head)
    print("-" * len(head))
    for label in labels:
        row = f"{label:<34}"
        for n in tables:
            v = tables[n].get(label)
            row += f"{v:>12.2f}" if v is not None else f"{'-':>12}"
        nv = nacl.get(label)
        row += f"{nv:>12.2f}" if nv is not None else f"{'-':>12}"
        native = tables.get("native", {}).get(label)
        row += f"{native / nv:>15.2f}" if native and nv else f"{'-':>15}"
        pure = tables.get("pure", {}).get(label)
        row += f"{pure / native:>13.1f}" if pure and native else f"{'-':>13}"
        print(row)
    print()
    for n, t in tables.items():
        size = big if n == "native" else 64 * 1024
        for op in ("aes_cbc_encrypt", "aes_cbc_decrypt", "aes_gcm_encrypt", "aes_gcm_decrypt"):
            v = t.get(f"{op}(bulk)")
            if v:
                print(f"{n:>7} {op:<16} {size / v:10.1f} MB/s  ({size // 1024} KiB)")
    print()
    # base64url: 1 MiB (64 KiB with --quick) on every backend; MB/s of payload bytes.
    for n, t in list(tables.items()) + [("stdlib", stdlib)]:
        for op in ("b64url_encode", "b64url_decode"):
            v = t.get(f"{op}(bulk)")
            if v:
                where = " (refdidcomm.encoding)" if n == "stdlib" else ""
                print(f"{n:>7} {op:<16} {big / v:10.1f} MB/s  ({big // 1024} KiB){where}")
    return 0


def _norm(label: str) -> str:
    """Give the bulk AES and base64url rows one name whatever the payload size."""
    if label.startswith("aes_cbc") or label.startswith("aes_gcm") or label.endswith("KiB)"):
        return label.split("(")[0] + "(bulk)"
    return label


if __name__ == "__main__":
    raise SystemExit(main())
