"""Benchmark DIDComm v2 messages: pack and unpack per form, recipients, payload size and forward hops.

Run from the repository root::

    python bench/messages.py            # the full matrix (long on the pure backend)
    python bench/messages.py --quick    # under a minute: 1 and 10 recipients; 100 B and 10 KiB (pure: 100 B)

Matrix (issue 6 "Benchmark"):

* forms: plaintext, signed (EdDSA), anoncrypt with A256CBC-HS512, A256GCM and
  XC20P, authcrypt (ECDH-1PU+A256KW, A256CBC-HS512), protect_sender
  (authcrypt inside anoncrypt), sign+encrypt (EdDSA, then authcrypt); X25519
  keys throughout;
* 1, 10 and 50 recipient keys (one recipient DID with that many
  ``keyAgreement`` keys; the unpacking device holds the last one);
* payloads of 100 B, 10 KiB and 1 MiB (the message ``body``);
* 1 and 3 forward hops for the encrypted forms (routing/2.0, one mediator
  key per hop); plaintext and signed messages are not forwarded;
* every backend that loads here.

``pack`` is the sender's work including forward wrapping; ``unpack`` is every
mediator's :func:`refdidcomm.routing.unwrap_forward` plus the recipient's
:func:`refdidcomm.v2.unpack`. ``floor`` is, timed in the same run on the same
backend, the primitives the case cannot avoid: per JWE layer (found by
peeling a real packed message) one ephemeral X25519 key, per recipient one
X25519 (two for ECDH-1PU) + the Concat KDF hash + AES key wrap, and the
content encryption of that layer's bytes; the decrypting side one agreement,
KDF, unwrap and content decryption per layer; Ed25519 sign/verify of the
signed payload. ``x floor`` is (pack + unpack) / (floor pack + floor unpack).

Where the ``didcomm`` package (didcomm-python) is importable, the same cases
run through it in the same run (:mod:`_didcomm_python`, next to this file):
``dcpy pack ms`` and ``dcpy unpack ms`` (its mediators' ``unpack_forward``
plus the recipient's ``unpack``) and ``dcpy/ours``, its (pack + unpack)
divided by ours; ``n/a`` where it cannot do the case, with a footnote saying
why; interop cross-checks (each side unpacks the other's message) are
footnoted where they fail. It is not a dependency and is never installed by
this script; without it the script says so and runs on the standard library
alone. Set up the comparison in a separate environment::

    python3 -m venv /tmp/dcpy && /tmp/dcpy/bin/pip install didcomm /work/main
    /tmp/dcpy/bin/python bench/messages.py --quick --backend native

Measured against didcomm 0.3.2 (PyPI; authlib 1.9.9, cryptography 50.0.2).
``--no-didcomm-python`` leaves the column out.

Every cell is the best of three rounds. The run ends with the issue 6 goals
read off its own cells (native backend): authcrypt ``x floor`` and the
didcomm-python ratio, 1 MiB ``x floor`` per form, and the marginal cost per
added recipient and per added forward hop (linear cost: the same marginal
cost at 1->10 as at 10->50 recipients).

1 MiB cells and the C library's allocator: with glibc's default settings,
freeing the several megabytes of intermediate text and ciphertext a 1 MiB
message needs returns them to the system, and the next message pays page
faults to get them back (a few milliseconds per message here). The floor
holds far fewer large buffers at once and barely pays this. It is a property
of the default allocator settings, not of the code; to see the cells
without it, run with ``MALLOC_TRIM_THRESHOLD_=268435456
MALLOC_MMAP_THRESHOLD_=268435456`` (a deployment setting) -- and report
which one you measured.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import platform
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import _timing  # noqa: E402  (next to this script)
from refdidcomm import _json, _rfc7516, crypto, jwe, routing, v2  # noqa: E402
from refdidcomm._counter_rng import sha256_counter_rng  # noqa: E402
from refdidcomm.encoding import b64url_decode  # noqa: E402
from refdidcomm.jwk import JWK, generate  # noqa: E402

PAYLOADS = (("100 B", 100), ("10 KiB", 10 * 1024), ("1 MiB", 1024 * 1024))
ENCRYPTED_FORMS = ("anoncrypt A256CBC-HS512", "anoncrypt A256GCM", "anoncrypt XC20P", "authcrypt", "protect_sender", "sign+encrypt")
FORMS = ("plaintext", "signed") + ENCRYPTED_FORMS
RECIPIENTS = (1, 10, 50)
HOPS = (1, 3)


def seeded_rng(label: str) -> Callable[[int], bytes]:
    """Deterministic key material for the benchmark identities: SHA-256(label || counter)."""
    return sha256_counter_rng(label.encode())


#: Rounds per cell; the best round counts (other processes only ever add time).
REPEAT = 3


def timed(fn: Callable[[], object], min_time: float, max_iterations: int) -> Tuple[int, float]:
    """:func:`_timing.timed` with :data:`REPEAT` rounds."""
    return _timing.timed(fn, min_time, max_iterations, REPEAT)


# -- identities -----------------------------------------------------------


def _vm(did: str, frag: str, key: JWK) -> Dict[str, Any]:
    return {"id": f"{did}#{frag}", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": key.to_dict(include_kid=False)}


class World:
    """Alice, mediators m1..m3 and one recipient DID per (recipients, hops), with secrets."""

    def __init__(self, be: crypto.Backend) -> None:
        rng = seeded_rng("refdidcomm bench messages")
        self.be = be
        self.docs: List[Dict[str, Any]] = []
        self.secrets: Dict[str, JWK] = {}
        alice = "did:example:alice"
        x = generate("X25519", rng=rng, backend=be)
        s = generate("Ed25519", rng=rng, backend=be)
        self.docs.append(
            {"id": alice, "verificationMethod": [_vm(alice, "x", x), _vm(alice, "sig", s)], "keyAgreement": [f"{alice}#x"], "authentication": [f"{alice}#sig"]}
        )
        self.secrets[f"{alice}#x"] = x.with_kid(f"{alice}#x")
        self.secrets[f"{alice}#sig"] = s.with_kid(f"{alice}#sig")
        self.mediator_secrets: List[Dict[str, JWK]] = []
        for i in range(1, 4):
            did = f"did:example:m{i}"
            k = generate("X25519", rng=rng, backend=be)
            self.docs.append({"id": did, "verificationMethod": [_vm(did, "k", k)], "keyAgreement": [f"{did}#k"]})
            self.mediator_secrets.append({f"{did}#k": k.with_kid(f"{did}#k")})
        self.recipient_secret: Dict[str, Dict[str, JWK]] = {}
        for n in RECIPIENTS:
            keys = [generate("X25519", rng=rng, backend=be) for _ in range(n)]
            for hops in (0,) + HOPS:
                did = f"did:example:r{n}h{hops}"
                vms = [_vm(did, f"k{j}", k) for j, k in enumerate(keys)]
                service = {"uri": "https://recipient.example/didcomm", "accept": ["didcomm/v2"],
                           "routingKeys": [f"did:example:m{i}#k" for i in range(1, hops + 1)]}
                self.docs.append({"id": did, "verificationMethod": vms, "keyAgreement": [v["id"] for v in vms],
                                  "service": [{"id": f"{did}#didcomm", "type": "DIDCommMessaging", "serviceEndpoint": service}]})
                last = f"{did}#k{n - 1}"
                self.recipient_secret[did] = {last: keys[-1].with_kid(last)}
        self.resolver = v2.make_resolver(self.docs)


def message(to: str, size: int) -> v2.Message:
    return v2.Message(id="bench-1", type="https://example.org/bench/1.0/m", from_="did:example:alice", to=[to],
                      created_time=1700000000, body={"data": "x" * size})


def packer(world: World, form: str, msg: v2.Message, to: str, hops: int) -> Callable[[], str]:
    s, r, be = world.secrets, world.resolver, world.be
    if form == "plaintext":
        return lambda: v2.pack_plaintext(msg)
    if form == "signed":
        return lambda: v2.pack_signed(msg, "did:example:alice", secrets=s, resolver=r, backend=be).packed
    kw: Dict[str, Any] = {"forward": hops > 0}
    if form.startswith("anoncrypt"):
        kw["enc"] = form.split()[1]
    else:
        kw["frm"] = "did:example:alice"
        kw["protect_sender"] = form == "protect_sender"
        if form == "sign+encrypt":
            kw["sign_from"] = "did:example:alice"
    return lambda: v2.pack_encrypted(msg, to, secrets=s, resolver=r, backend=be, **kw).packed


def unpacker(world: World, packed: str, to: str, hops: int) -> Callable[[], object]:
    r, be = world.resolver, world.be
    mine = world.recipient_secret.get(to, {})

    def run() -> object:
        current = packed
        for i in range(hops):
            current = routing.unwrap_forward(current, secrets=world.mediator_secrets[i], resolver=r, backend=be).forwarded
        return v2.unpack(current, secrets=mine, resolver=r, backend=be)

    return run


# -- the primitive floor --------------------------------------------------


def layers(world: World, packed: str, to: str) -> List[Tuple[str, Any, int, int]]:
    """Peel a packed message: ("jwe", (alg, enc), recipients, ciphertext bytes) and ("jws", None, 1, payload bytes)."""
    out: List[Tuple[str, Any, int, int]] = []
    keys: Dict[str, JWK] = dict(world.recipient_secret.get(to, {}))
    for m in world.mediator_secrets:
        keys.update(m)
    current: Any = _json.loads(packed)
    while True:
        if "ciphertext" in current:
            parsed = _rfc7516.parse(current)
            ct = b64url_decode(current["ciphertext"])
            out.append(("jwe", (parsed.protected["alg"], parsed.protected["enc"]), len(parsed.recipients), len(ct)))
            opened = jwe.decrypt(current, keys, sender_key_resolver=lambda kid: world.secrets[kid].public(), backend=world.be)
            current = _json.loads(opened.plaintext)
            if current.get("type") == routing.FORWARD_TYPE:
                current = current["attachments"][0]["data"]["json"]
            continue
        if "signatures" in current:
            out.append(("jws", None, 1, len(current["payload"])))
        return out


def floor_ops(be: crypto.Backend, peeled: List[Tuple[str, Any, int, int]]) -> Tuple[Callable[[], None], Callable[[], None]]:
    """Closures running the unavoidable primitives of packing and of unpacking."""
    sk, pk = b"\x11" * 32, be.x25519_public_key(b"\x22" * 32)
    seed = b"\x33" * 32
    ed_pk = be.ed25519_public_key(seed)
    kek, cek32, cek64 = b"\x44" * 32, b"\x55" * 32, b"\x66" * 64
    wrapped32, wrapped64 = be.aes_key_wrap(kek, cek32), be.aes_key_wrap(kek, cek64)
    iv16, iv12, iv24 = b"\x00" * 16, b"\x00" * 12, b"\x00" * 24
    plans = []
    for kind, algs, n, size in peeled:
        data = b"\x77" * size
        if kind == "jws":
            sig = be.ed25519_sign(seed, data)
            plans.append(("jws", data, sig, 0, None, None))
            continue
        alg, enc = algs
        agreements = 2 if alg.startswith("ECDH-1PU") else 1
        if enc == "A256CBC-HS512":
            ct = be.aes_cbc_encrypt(cek32, iv16, data[:-16] if size >= 16 else data)
        elif enc == "A256GCM":
            ct = be.aes_gcm_encrypt(cek32, iv12, data)
        else:
            ct = be.xchacha20poly1305_encrypt(cek32, iv24, data)
        plans.append(("jwe", data, ct, n * agreements, enc, agreements))

    def content_encrypt(enc: str, data: bytes) -> None:
        if enc == "A256CBC-HS512":
            e = be.aes_cbc_encrypt(cek32, iv16, data)
            hmac.new(cek32, e, hashlib.sha512).digest()
        elif enc == "A256GCM":
            be.aes_gcm_encrypt(cek32, iv12, data)
        else:
            be.xchacha20poly1305_encrypt(cek32, iv24, data)

    def pack_floor() -> None:
        for kind, data, extra, agreements, enc, per in plans:
            if kind == "jws":
                be.ed25519_sign(seed, data)
                continue
            be.x25519_public_key(sk)  # the ephemeral key
            for _ in range(agreements):
                be.x25519(sk, pk)
            for _ in range(agreements // per):
                hashlib.sha256(b"\x00\x00\x00\x01" + b"\x99" * 64 + b"\x88" * 60).digest()  # Concat KDF
                be.aes_key_wrap(kek, cek64 if enc == "A256CBC-HS512" else cek32)
            content_encrypt(enc, data)

    def unpack_floor() -> None:
        for kind, data, extra, agreements, enc, per in plans:
            if kind == "jws":
                be.ed25519_verify(ed_pk, data, extra)
                continue
            for _ in range(per):
                be.x25519(sk, pk)
            hashlib.sha256(b"\x00\x00\x00\x01" + b"\x99" * 64 + b"\x88" * 60).digest()
            if enc == "A256CBC-HS512":
                be.aes_key_unwrap(kek, wrapped64)
                hmac.new(cek32, extra, hashlib.sha512).digest()
                be.aes_cbc_decrypt(cek32, iv16, extra)
            elif enc == "A256GCM":
                be.aes_key_unwrap(kek, wrapped32)
                be.aes_gcm_decrypt(cek32, iv12, extra)
            else:
                be.aes_key_unwrap(kek, wrapped32)
                be.xchacha20poly1305_decrypt(cek32, iv24, extra)

    return pack_floor, unpack_floor


# -- didcomm-python ---------------------------------------------------------

try:
    import _didcomm_python  # bench/ is sys.path[0] when this file runs as a script
except ImportError as exc:  # the didcomm package is absent: no comparison column
    _didcomm_python = None  # type: ignore[assignment]
    DIDCOMM_PYTHON_MISSING = str(exc)


def didcomm_python_status(wanted: bool) -> str:
    if _didcomm_python is None:
        return f"the didcomm package (didcomm-python) is not importable here ({DIDCOMM_PYTHON_MISSING}): no comparison column"
    if not wanted:
        return f"didcomm-python {_didcomm_python.VERSION} is importable; --no-didcomm-python: no comparison column"
    return (f"didcomm-python {_didcomm_python.VERSION}: dcpy columns; dcpy/ours = its (pack + unpack) / ours; "
            "its unpack = each mediator's unpack_forward + the recipient's unpack")


# -- main -----------------------------------------------------------------


def cases(quick: bool, backend_name: str):
    # --quick on the pure backend: 100 B only, so that both backends finish within a minute.
    payloads = (PAYLOADS[:1] if backend_name == "pure" else PAYLOADS[:2]) if quick else PAYLOADS
    recipients = (1, 10) if quick else RECIPIENTS
    for form in FORMS:
        for label, size in payloads:
            if form in ("plaintext", "signed"):
                yield form, 1, label, size, 0
                continue
            for n in recipients:
                for hops in HOPS:
                    yield form, n, label, size, hops


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 B and 10 KiB, 1 and 10 recipients, short timings")
    ap.add_argument("--backend", choices=("pure", "native", "all"), default="all")
    ap.add_argument("--min-time", type=float, default=None, help="seconds per cell (default 0.2, quick 0.05)")
    ap.add_argument("--max-iterations", type=int, default=1000)
    ap.add_argument("--forms", help="comma-separated subset of: " + ", ".join(FORMS))
    ap.add_argument("--no-didcomm-python", action="store_true", help="leave out the didcomm-python comparison column")
    args = ap.parse_args(argv)
    min_time = args.min_time if args.min_time is not None else (0.05 if args.quick else 0.2)
    names = crypto.available_backends() if args.backend == "all" else [args.backend]
    forms = set(args.forms.split(",")) if args.forms else set(FORMS)
    print(f"refdidcomm bench/messages.py  python {platform.python_version()}  {platform.machine()}  backends: {', '.join(names)}")
    compare = _didcomm_python is not None and not args.no_didcomm_python
    print(didcomm_python_status(not args.no_didcomm_python))
    header = f"{'backend':<7} {'form':<24} {'rcpt':>4} {'payload':>7} {'hops':>4} {'pack ms':>9} {'unpack ms':>9} {'floor ms':>9} {'x floor':>7}"
    if compare:
        header += f" {'dcpy pack ms':>12} {'dcpy unpack ms':>14} {'dcpy/ours':>9}"
    footnotes: Dict[str, int] = {}  # text -> its number; cells with the same finding share one
    results: List[Dict[str, Any]] = []  # every timed cell, for the goal summary
    print(header)
    print("-" * len(header))
    for name in names:
        be = crypto.backend(name)
        world = World(be)
        theirs = None
        if compare:
            theirs = _didcomm_python.Comparison(world, lambda p, to, hops: unpacker(world, p, to, hops)(),
                                                lambda p, to: layers(world, p, to))
        for form, n, label, size, hops in cases(args.quick, name):
            if form not in forms:
                continue
            if name == "pure" and size > 64 * 1024 and not args.quick:
                max_it = 1
            else:
                max_it = args.max_iterations
            to = f"did:example:r{n}h{hops}"
            msg = message(to, size)
            pack = packer(world, form, msg, to, hops)
            packed = pack()
            unpack = unpacker(world, packed, to, hops)
            unpack()  # it works before it is timed
            _, t_pack = timed(pack, min_time, max_it)
            _, t_unpack = timed(unpack, min_time, max_it)
            peeled = layers(world, packed, to) if form != "plaintext" else []
            fp, fu = floor_ops(be, peeled)
            _, f_pack = timed(fp, min_time, max_it)
            _, f_unpack = timed(fu, min_time, max_it)
            floor = f_pack + f_unpack
            ratio = f"{(t_pack + t_unpack) / floor:7.2f}" if peeled else "      -"
            cell: Dict[str, Any] = {"backend": name, "form": form, "n": n, "size": size, "hops": hops,
                                    "ours": t_pack + t_unpack, "floor": floor if peeled else None, "theirs": None}
            results.append(cell)
            line = f"{name:<7} {form:<24} {n:>4} {label:>7} {hops:>4} {t_pack * 1e3:>9.3f} {t_unpack * 1e3:>9.3f} {floor * 1e3:>9.3f} {ratio}"
            if theirs is not None:
                d_pack, d_unpack, notes = theirs.run_case(form, msg, to, hops, packed, min_time, max_it)
                line += f" {d_pack * 1e3:>12.3f}" if d_pack is not None else f" {'n/a':>12}"
                line += f" {d_unpack * 1e3:>14.3f}" if d_unpack is not None else f" {'n/a':>14}"
                both = d_pack is not None and d_unpack is not None
                line += f" {(d_pack + d_unpack) / (t_pack + t_unpack):>9.2f}" if both else f" {'n/a':>9}"
                if both:
                    cell["theirs"] = d_pack + d_unpack
                line += "".join(f" [{footnotes.setdefault(text, len(footnotes) + 1)}]" for text in notes)
            print(line, flush=True)
        if theirs is not None:
            for text in theirs.finish():
                footnotes.setdefault(text, len(footnotes) + 1)
    for text, number in footnotes.items():
        print(f"[{number}] {text}")
    summary(results)
    return 0


def summary(results: List[Dict[str, Any]]) -> None:
    """The issue 6 goals, read off this run's cells (native backend): met or not, with the numbers."""
    native = [c for c in results if c["backend"] == "native"]
    if not native:
        return
    print()
    print("goals (issue 6, native backend, this run):")

    def cells(**want: Any) -> List[Dict[str, Any]]:
        return [c for c in native if all(c[k] == v for k, v in want.items())]

    for c in cells(form="authcrypt", n=1, size=100):
        x = c["ours"] / c["floor"]
        print(f"  authcrypt X25519, 1 recipient, 100 B, {c['hops']} hop(s): {x:.2f}x its floor (goal <= 1.3: "
              f"{'met' if x <= 1.3 else 'not met'})")
        if c["theirs"] is not None:
            r = c["theirs"] / c["ours"]
            print(f"    didcomm-python / ours = {r:.2f} (goal >= 4: {'met' if r >= 4 else 'not met'})")
    big = [c for c in native if c["size"] >= 1 << 20 and c["floor"]]
    if big:
        for form in dict.fromkeys(c["form"] for c in big):
            xs = [c["ours"] / c["floor"] for c in big if c["form"] == form]
            print(f"  1 MiB {form}: {min(xs):.2f}x to {max(xs):.2f}x its floor (goal <= 2: "
                  f"{'met' if max(xs) <= 2 else 'met in ' + str(sum(x <= 2 for x in xs)) + ' of ' + str(len(xs))})")
    # Linear cost: the marginal cost per recipient (per hop) stays the same as
    # recipients (hops) grow -- compare the first step with the next.
    for form in dict.fromkeys(c["form"] for c in native if c["floor"] and c["hops"]):
        for size in dict.fromkeys(c["size"] for c in native if c["form"] == form):
            by_n = {c["n"]: c["ours"] for c in cells(form=form, size=size, hops=1)}
            if {1, 10, 50} <= set(by_n):
                a, b = (by_n[10] - by_n[1]) / 9, (by_n[50] - by_n[10]) / 40
                print(f"  {form}, {size} B: per added recipient {a * 1e3:.3f} ms (1->10), {b * 1e3:.3f} ms (10->50)")
            by_h = {c["hops"]: c["ours"] for c in cells(form=form, size=size, n=1)}
            if {1, 3} <= set(by_h):
                print(f"  {form}, {size} B: 1 hop {by_h[1] * 1e3:.3f} ms, per added hop {(by_h[3] - by_h[1]) / 2 * 1e3:.3f} ms")


if __name__ == "__main__":
    sys.exit(main())
