"""``vectors check``: run every case of a vector file on a crypto backend.

A file is recognised by its header's ``schema`` (generated files) or, for
the project's hand-made files, its ``name``. Each known schema has one
runner here; a file whose schema is not known is reported as an
*unsupported file* -- never as passing.

The rules every runner applies (vectors/README.md):

* ``result: valid`` (and ``acceptable``): the operation succeeds and gives
  the recorded outputs; where the file records the randomness used
  (``rng_draws``, or the ``seed`` construction of ``jose_jwe.json``), the
  producing operation is re-run with it and must give the same bytes.
* ``result: invalid``: the operation raises the refdidcomm error class named
  in ``error`` (a subclass counts), or, for a predicate such as signature
  verification without ``error``, answers false. Extra expectations
  (``field``, ``expected_message``) are checked when present.

A case passes, fails (with the reason) or is skipped (with the reason: e.g.
the 1,000,000-iteration X25519 case unless ``slow=True``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import struct
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from .. import crypto, did, errors, jwe, jwk, jws, oob, v1
from .._counter_rng import sha256_counter_rng, shake256_counter_rng
from .._json import loads
from ..errors import RefDIDCommError, UsageError

__all__ = ["CaseResult", "FileReport", "check_file", "check_document", "known_schemas", "error_class"]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """The outcome of one case on one backend: ``status`` is pass, fail or skip."""

    tc_id: Any
    backend: str
    status: str
    detail: str = ""


@dataclasses.dataclass
class FileReport:
    """Everything ``check`` found in one file."""

    path: str
    schema: Optional[str]
    supported: bool
    results: List[CaseResult]
    problem: str = ""
    #: A file in the layout (it has a header) that holds data other files
    #: refer to -- keys, DID documents -- and no cases: nothing to run, and
    #: not an error when a whole folder is checked.
    data_only: bool = False

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status == "fail")

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.status == "pass")

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.status == "skip")

    @property
    def ok(self) -> bool:
        return self.supported and not self.problem and self.failed == 0


class _Fail(Exception):
    """A case did not give what the file records (internal to the checker)."""


class _Skip(Exception):
    """A case is not run, with the reason (internal to the checker)."""


def _error_classes() -> Dict[str, type]:
    names: Dict[str, type] = {}
    from .. import coprotocol

    for module in (errors, jwk, did, oob, v1, jws, jwe, coprotocol):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, RefDIDCommError):
                names.setdefault(name, obj)
    return names


_ERRORS = _error_classes()


def error_class(name: str) -> type:
    """The refdidcomm error class a vector names in ``error``.

    Raises:
        UsageError: no such class.
    """
    if name not in _ERRORS:
        raise UsageError(f"unknown error class {name!r}")
    return _ERRORS[name]


def _expect(case: Mapping[str, Any], thunk: Callable[[], Any]) -> RefDIDCommError:
    """Run an operation that must raise the case's ``error`` (checking ``field``, ``expected_message``); return the error."""
    name = case.get("error")
    if not isinstance(name, str):
        raise _Fail("invalid case without an 'error' class")
    wanted = error_class(name)
    try:
        got = thunk()
    except RefDIDCommError as exc:
        if not isinstance(exc, wanted):
            raise _Fail(f"expected {name}, got {type(exc).__name__}: {exc}") from None
        if "field" in case and getattr(exc, "field", None) != case["field"]:
            raise _Fail(f"expected field {case['field']!r}, got {getattr(exc, 'field', None)!r}") from None
        if "expected_message" in case and getattr(exc, "reason", None) != case["expected_message"]:
            raise _Fail(f"expected reason {case['expected_message']!r}, got {getattr(exc, 'reason', str(exc))!r}") from None
        if "reason" in case and isinstance(case["reason"], str) and case["reason"] not in str(exc):
            raise _Fail(f"expected a message containing {case['reason']!r}, got {str(exc)!r}") from None
        return exc
    raise _Fail(f"expected {name}, but the operation succeeded (returned {type(got).__name__})")


def _eq(what: str, got: Any, want: Any) -> None:
    if got != want:
        g, w = repr(got), repr(want)
        raise _Fail(f"{what}: got {g[:120]}, expected {w[:120]}")


def _h(text: str) -> bytes:
    return bytes.fromhex(text)


def replay(draws: Iterable[str]) -> Callable[[int], bytes]:
    """An rng that returns the recorded draws (hex) in order, checking each size."""
    pending = [bytes.fromhex(d) for d in draws]

    def rng(n: int) -> bytes:
        if not pending:
            raise _Fail(f"the operation drew more randomness than recorded (rng({n}))")
        out = pending.pop(0)
        if len(out) != n:
            raise _Fail(f"recorded draw of {len(out)} bytes, but rng({n}) was called")
        return out

    rng.pending = pending  # type: ignore[attr-defined]
    return rng


def _all_drawn(rng: Callable[[int], bytes]) -> None:
    left = getattr(rng, "pending")
    if left:
        raise _Fail(f"{len(left)} recorded draws were not used")


Runner = Callable[[Dict[str, Any], Dict[str, Any], crypto.Backend, "_Options"], None]


@dataclasses.dataclass(frozen=True)
class _Options:
    slow: bool = False


# ---------------------------------------------------------------------------
# Crypto primitives
# ---------------------------------------------------------------------------


def _x25519(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    kind = case.get("kind", "function")
    if kind == "function":
        if case["result"] == "invalid":
            _expect(case, lambda: be.x25519(_h(case["private"]), _h(case["public"])))
            return
        _eq("shared", be.x25519(_h(case["private"]), _h(case["public"])).hex(), case["shared"])
        if "private_public" in case:
            _eq("public key", be.x25519_public_key(_h(case["private"])).hex(), case["private_public"])
    elif kind == "dh":
        a, b = _h(case["alice_private"]), _h(case["bob_private"])
        _eq("alice public", be.x25519_public_key(a).hex(), case["alice_public"])
        _eq("bob public", be.x25519_public_key(b).hex(), case["bob_public"])
        _eq("shared (alice)", be.x25519(a, _h(case["bob_public"])).hex(), case["shared"])
        _eq("shared (bob)", be.x25519(b, _h(case["alice_public"])).hex(), case["shared"])
    elif kind == "iterated":
        if "Slow" in case.get("flags", ()) and not opt.slow:
            raise _Skip("slow (1,000,000 iterations): use --slow")
        k = u = _h(case["k"])
        for _ in range(case["iterations"]):
            k, u = be.x25519(k, u), k
        _eq("k", k.hex(), case["result_k"])
    else:
        raise _Fail(f"unknown kind {kind!r}")


def _ed25519(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    pk, msg, sig = _h(case["public"]), _h(case["msg"]), _h(case["sig"])
    if "secret" in case:
        _eq("public key", be.ed25519_public_key(_h(case["secret"])).hex(), case["public"])
        if case["result"] == "valid":
            _eq("signature", be.ed25519_sign(_h(case["secret"]), msg).hex(), case["sig"])
    if case["result"] == "invalid" and "error" in case:
        _expect(case, lambda: be.ed25519_verify(pk, msg, sig))
        return
    _eq("verify", be.ed25519_verify(pk, msg, sig), case["result"] == "valid")


def _aead(encrypt: Callable[..., bytes], decrypt: Callable[..., bytes], case: Dict[str, Any]) -> None:
    key, nonce, aad = _h(case["key"]), _h(case["nonce"]), _h(case.get("aad", ""))
    sealed = _h(case["ciphertext"]) + _h(case["tag"])
    if case["result"] == "invalid":
        _expect(case, lambda: decrypt(key, nonce, sealed, aad))
        return
    _eq("sealed", encrypt(key, nonce, _h(case["plaintext"]), aad).hex(), sealed.hex())
    _eq("opened", decrypt(key, nonce, sealed, aad).hex(), case["plaintext"])


def _rfc8439(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _rfc8439

    p = case["primitive"]
    if p == "aead":
        _aead(be.chacha20poly1305_encrypt, be.chacha20poly1305_decrypt, case)
    elif p == "quarter_round":
        a, b, c, d = (int(w, 16) for w in case["input"])
        _eq("output", _rfc8439.quarter_round(a, b, c, d), tuple(int(w, 16) for w in case["output"]))
    elif p == "qround_state":
        state = [int(w, 16) for w in case["state_in"]]
        _rfc8439.qround(state, *case["indices"])
        _eq("state", state, [int(w, 16) for w in case["state_out"]])
    elif p == "chacha20_block":
        _eq("block", _rfc8439.chacha20_block(_h(case["key"]), case["counter"], _h(case["nonce"])).hex(), case["block"])
    elif p == "chacha20":
        got = _rfc8439.chacha20_encrypt(_h(case["key"]), case["counter"], _h(case["nonce"]), _h(case["plaintext"]))
        _eq("ciphertext", got.hex(), case["ciphertext"])
    elif p == "poly1305":
        _eq("tag", _rfc8439.poly1305_mac(_h(case["msg"]), _h(case["key"])).hex(), case["tag"])
    elif p == "poly1305_key_gen":
        _eq("otk", _rfc8439.poly1305_key_gen(_h(case["key"]), _h(case["nonce"])).hex(), case["otk"])
    else:
        raise _Fail(f"unknown primitive {p!r}")


def _xchacha(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _xchacha

    p = case["primitive"]
    if p == "aead":
        _aead(be.xchacha20poly1305_encrypt, be.xchacha20poly1305_decrypt, case)
    elif p == "hchacha20":
        _eq("subkey", _xchacha.hchacha20(_h(case["key"]), _h(case["nonce"])).hex(), case["subkey"])
    elif p == "xchacha20":
        got = _xchacha.xchacha20_encrypt(_h(case["key"]), _h(case["nonce"]), _h(case["plaintext"]), case["counter"])
        _eq("ciphertext", got.hex(), case["ciphertext"])
    else:
        raise _Fail(f"unknown primitive {p!r}")


def _nacl_box(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _salsa20

    op = case["op"]
    if op == "salsa20_expansion":
        _eq("out", _salsa20.salsa20_expansion(_h(case["k"]), _h(case["n"])).hex(), case["out"])
    elif op == "hsalsa20":
        _eq("out", _salsa20.hsalsa20(_h(case["k"]), _h(case["n"])).hex(), case["out"])
    elif op == "box":
        msg, nonce = _h(case["msg"]), _h(case["nonce"])
        if case["result"] == "invalid":
            _expect(case, lambda: be.box(msg, nonce, _h(case["recipient_pk"]), _h(case["sender_sk"])))
            return
        _eq("sender pk", be.x25519_public_key(_h(case["sender_sk"])).hex(), case["sender_pk"])
        _eq("recipient pk", be.x25519_public_key(_h(case["recipient_sk"])).hex(), case["recipient_pk"])
        _eq("ct", be.box(msg, nonce, _h(case["recipient_pk"]), _h(case["sender_sk"])).hex(), case["ct"])
        _eq("opened", be.box_open(_h(case["ct"]), nonce, _h(case["sender_pk"]), _h(case["recipient_sk"])).hex(), case["msg"])
    elif op == "box_open":
        _expect(case, lambda: be.box_open(_h(case["ct"]), _h(case["nonce"]), _h(case["sender_pk"]), _h(case["recipient_sk"])))
    elif op == "seal":
        msg, pk, esk = _h(case["msg"]), _h(case["recipient_pk"]), _h(case["esk"])
        if case["result"] == "invalid":
            _expect(case, lambda: be.box_seal(msg, pk, rng=lambda n: esk))
            return
        _eq("epk", be.x25519_public_key(esk).hex(), case["epk"])
        _eq("ct", be.box_seal(msg, pk, rng=lambda n: esk).hex(), case["ct"])
        _eq("opened", be.box_seal_open(_h(case["ct"]), pk, _h(case["recipient_sk"])).hex(), case["msg"])
    elif op == "seal_open":
        _expect(case, lambda: be.box_seal_open(_h(case["ct"]), _h(case["recipient_pk"]), _h(case["recipient_sk"])))
    else:
        raise _Fail(f"unknown op {op!r}")


def _aes_gcm(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    key, iv, aad = _h(case["key"]), _h(case["iv"]), _h(case["aad"])
    sealed = _h(case["ct"] + case["tag"])
    if case["result"] == "invalid":
        _expect(case, lambda: be.aes_gcm_decrypt(key, iv, sealed, aad))
        return
    _eq("sealed", be.aes_gcm_encrypt(key, iv, _h(case["msg"]), aad).hex(), sealed.hex())
    _eq("opened", be.aes_gcm_decrypt(key, iv, sealed, aad).hex(), case["msg"])


def _cbc(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _sp800_38a

    key, iv = _h(case["key"]), _h(case["iv"])
    if case["mode"] == "raw":
        if case["direction"] == "encrypt":
            _eq("ciphertext", _sp800_38a.cbc_encrypt_raw(key, iv, _h(case["plaintext"])).hex(), case["ciphertext"])
        else:
            _eq("plaintext", _sp800_38a.cbc_decrypt_raw(key, iv, _h(case["ciphertext"])).hex(), case["plaintext"])
        return
    if case["result"] == "invalid":
        _expect(case, lambda: be.aes_cbc_decrypt(key, iv, _h(case["ciphertext"])))
        return
    _eq("ciphertext", be.aes_cbc_encrypt(key, iv, _h(case["plaintext"])).hex(), case["ciphertext"])
    _eq("plaintext", be.aes_cbc_decrypt(key, iv, _h(case["ciphertext"])).hex(), case["plaintext"])


def _keywrap(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    kek, wrapped = _h(case["kek"]), _h(case["wrapped"])
    if case["result"] == "invalid":
        _expect(case, lambda: be.aes_key_unwrap(kek, wrapped))
        return
    _eq("wrapped", be.aes_key_wrap(kek, _h(case["key"])).hex(), case["wrapped"])
    _eq("unwrapped", be.aes_key_unwrap(kek, wrapped).hex(), case["key"])


def _fips197(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _fips197

    w = _fips197.expand_key(_h(case["key"]))
    if case["operation"] == "block":
        _eq("ciphertext", _fips197.cipher(_h(case["plaintext"]), w).hex(), case["ciphertext"])
        _eq("plaintext", _fips197.inv_cipher(_h(case["ciphertext"]), w).hex(), case["plaintext"])
    elif case["operation"] == "key_expansion":
        nr = len(w) // 4 - 1
        _eq("last round key", struct.pack(">4I", *w[4 * nr :]).hex(), case["last_round_key"])
    else:
        raise _Fail(f"unknown operation {case['operation']!r}")


def _cbc_hmac(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _jose_algorithms, _rfc7518

    args = (_h(case["key"]), _h(case["iv"]))
    if case["result"] == "invalid":
        _expect(case, lambda: _rfc7518.cbc_hmac_decrypt(*args, _h(case["ciphertext"]), _h(case["tag"]), _h(case["aad"]), backend=be))
        return
    enc = _jose_algorithms.content_encryption_algorithm(case["enc"])
    ct, tag = enc.encrypt(*args, _h(case["plaintext"]), _h(case["aad"]), backend=be)
    _eq("ciphertext", ct.hex(), case["ciphertext"])
    _eq("tag", tag.hex(), case["tag"])
    _eq("plaintext", enc.decrypt(*args, ct, tag, _h(case["aad"]), backend=be).hex(), case["plaintext"])


def _jose_ecdh(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _rfc7518

    def run() -> bytes:
        return _rfc7518.ecdh_shared_secret(jwk.JWK.from_dict(case["private_jwk"]), jwk.JWK.from_dict(case["public_jwk"]), backend=be)

    if case["result"] == "invalid":
        _expect(case, run)
        return
    _eq("z", run().hex(), case["z"])


def _int(text: str) -> int:
    return int(text, 16) if text else 0


def _ec_points(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    # NIST curves and secp256k1 exist only in pure Python (both backends run the same code).
    from .. import _sec1

    c = _sec1.get_curve(case["curve"])
    kind, valid = case["kind"], case["result"] == "valid"
    if kind == "keypair":
        q = (_int(case["x"]), _int(case["y"]))
        _eq("public key", _sec1.public_key(c, _sec1.private_key_from_bytes(c, _h(case["d"]))), q)
        _eq("compressed", _sec1.encode_point(c, q, compressed=True).hex(), case["compressed"])
        _eq("uncompressed", _sec1.encode_point(c, q).hex(), case["uncompressed"])
        _eq("decoded", _sec1.decode_point(c, _h(case["compressed"])), q)
    elif kind == "decode":
        if not valid:
            _expect(case, lambda: _sec1.decode_point(c, _h(case["encoded"])))
            return
        _eq("point", _sec1.decode_point(c, _h(case["encoded"])), (_int(case["x"]), _int(case["y"])))
    elif kind == "coordinates":
        if not valid:
            _expect(case, lambda: _sec1.point_from_coordinates(c, _h(case["x"]), _h(case["y"])))
            return
        _eq("point", _sec1.point_from_coordinates(c, _h(case["x"]), _h(case["y"])), (_int(case["x"]), _int(case["y"])))
    elif kind == "private_key":
        if not valid:
            _expect(case, lambda: _sec1.private_key_from_bytes(c, _h(case["d"])))
            return
        _eq("d", _sec1.private_key_from_bytes(c, _h(case["d"])), _int(case["d"]))
    elif kind == "ecdh":
        peer = (_int(case["peer_x"]), _int(case["peer_y"]))
        if not valid:
            _expect(case, lambda: _sec1.ecdh(c, _int(case["d"]), peer))
            return
        _eq("shared", _sec1.ecdh(c, _int(case["d"]), peer).hex(), case["shared"])
    else:
        raise _Fail(f"unknown kind {kind!r}")


def _ecdsa(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    import itertools

    from .. import _rfc6979, _sec1

    kind = case["kind"]
    msg = case["msg_utf8"].encode("utf-8")
    if kind == "conversions":
        import dataclasses as _dc

        q, x = _int(case["q"]), _int(case["x"])
        h1 = hashlib.new(case["hash"], msg).digest()
        _eq("int2octets", _rfc6979.int2octets(x, q).hex(), case["int2octets_x"])
        _eq("bits2octets", _rfc6979.bits2octets(h1, q).hex(), case["bits2octets_h1"])
        order_only = _dc.replace(_sec1.get_curve("P-256"), name="order q of RFC 6979 A.1", n=q)
        _eq("k", next(_rfc6979.generate_k(order_only, x, h1, case["hash"])), _int(case["k"]))
        return
    c = _sec1.get_curve(case["curve"])
    if kind == "sign":
        d, q = _int(case["d"]), (_int(case["qx"]), _int(case["qy"]))
        _eq("public key", _sec1.public_key(c, d), q)
        h1 = hashlib.new(case["hash"], msg).digest()
        _eq("k", next(_rfc6979.generate_k(c, d, h1, case["hash"])), _int(case["k"]))
        sig = _rfc6979.sign(c, d, msg, case["hash"], low_s=case["low_s"])
        _eq("signature", sig.hex(), case["sig"])
        _eq("verify", _rfc6979.verify(c, q, msg, sig, case["hash"]), True)
    elif kind == "nonce_sequence":
        h1 = hashlib.new(case["hash"], msg).digest()
        ks = list(itertools.islice(_rfc6979.generate_k(c, _int(case["d"]), h1, case["hash"]), 16))
        for index, k in case["k_by_index"].items():
            _eq(f"k[{index}]", ks[int(index)], _int(k))
    elif kind == "verify":
        q = (_int(case["qx"]), _int(case["qy"]))
        ok = _rfc6979.verify(c, q, msg, _h(case["sig"]), case["hash"], strict_low_s=case["strict_low_s"])
        _eq("verify", ok, case["result"] == "valid")
    else:
        raise _Fail(f"unknown kind {kind!r}")


def _concat_kdf(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _rfc7518

    if case["result"] == "invalid":
        def run() -> bytes:
            fixed = _rfc7518.other_info(case["algorithm_id_utf8"], b"", b"", max(case["keydatalen"], 1))
            return _rfc7518.concat_kdf(_h(case["z"]), case["keydatalen"], fixed)

        _expect(case, run)
        return
    fixed = _rfc7518.other_info(case["algorithm_id_utf8"], case["apu_utf8"].encode("utf-8"), case["apv_utf8"].encode("utf-8"),
                                case["keydatalen"], _h(case["supp_pub_extra"]))
    if "other_info" in case:
        _eq("OtherInfo", fixed.hex(), case["other_info"])
    _eq("derived key", _rfc7518.concat_kdf(_h(case["z"]), case["keydatalen"], fixed).hex(), case["derived_key"])


def _codecs(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    import base64

    from .. import _json, encoding

    op, valid = case["op"], case["result"] == "valid"
    if op == "b64url":
        if not valid:
            _expect(case, lambda: encoding.b64url_decode(case["text"]))
            return
        _eq("decoded", encoding.b64url_decode(case["text"]).hex(), case["data"])
        _eq("encoded", encoding.b64url_encode(_h(case["data"])), case["text"])
    elif op == "b64_lenient":
        if not valid:
            _expect(case, lambda: encoding.b64_decode_lenient(case["text"]))
            return
        got = encoding.b64_decode_lenient(case["text"])
        _eq("decoded", (got.data.hex(), got.alphabet, got.padded), (case["data"], case["alphabet"], case["padded"]))
    elif op == "base58":
        if not valid:
            _expect(case, lambda: encoding.b58decode(case["text"]))
            return
        _eq("decoded", encoding.b58decode(case["text"]).hex(), case["data"])
        _eq("encoded", encoding.b58encode(_h(case["data"])), case["text"])
    elif op == "multibase":
        if not valid:
            _expect(case, lambda: encoding.multibase_decode(case["text"]))
            return
        _eq("decoded", encoding.multibase_decode(case["text"]).hex(), case["data"])
        base = {"z": "base58btc", "u": "base64url", "f": "base16"}[case["text"][0]]
        _eq("encoded", encoding.multibase_encode(_h(case["data"]), base), case["text"])
    elif op == "varint":
        if not valid:
            _expect(case, lambda: encoding.varint_decode(_h(case["varint"])))
        elif "data" in case:
            _eq("decoded", encoding.varint_decode(_h(case["data"])), (case["value"], case["consumed"]))
        else:
            _eq("encoded", encoding.varint_encode(case["value"]).hex(), case["varint"])
            _eq("decoded", encoding.varint_decode(_h(case["varint"])), (case["value"], len(_h(case["varint"]))))
    elif op == "multikey":
        if not valid:
            _expect(case, lambda: encoding.multikey_decode(case["text"]))
            return
        _eq("decoded", encoding.multikey_decode(case["text"]), (case["codec"], _h(case["key"])))
        _eq("encoded", encoding.multikey_encode(case["codec"], _h(case["key"])), case["text"])
    elif op == "json_loads":
        data: Any = case["json_utf8"] if "json_utf8" in case else _h(case["json"])
        if not valid:
            _expect(case, lambda: _json.loads(data, field="body"))
            return
        _eq("value", _json.loads(data), case["value"])
    elif op == "canonical_json":
        out = _json.canonical_dumps(case["value"])
        _eq("canonical JSON", out, case["canonical_utf8"].encode("utf-8"))
        digest = base64.urlsafe_b64encode(hashlib.sha256(out).digest()).rstrip(b"=").decode("ascii")
        _eq("SHA-256", digest, case["sha256_b64u"])
    else:
        raise _Fail(f"unknown op {op!r}")


# ---------------------------------------------------------------------------
# JOSE
# ---------------------------------------------------------------------------


def _jose_jwk(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    if case["result"] == "invalid":
        _expect(case, lambda: jwk.JWK.from_dict(case["jwk"]))
        return
    key = jwk.JWK.from_dict(case["jwk"])
    _eq("public JWK", key.to_dict(), case["public_jwk"])
    if "expected_kid" in case:
        _eq("kid", key.kid, case["expected_kid"])
    if "thumbprint_b64u" in case:
        _eq("thumbprint", key.thumbprint(), case["thumbprint_b64u"])
    if "seed_rng_draws" in case:
        rng = replay(case["seed_rng_draws"])
        made = jwk.generate(key.crv, rng=rng, kid=key.kid, backend=be)
        _all_drawn(rng)
        _eq("generated private JWK", made.to_dict(private=True), case["jwk"])


def _jws_keys(case: Dict[str, Any]) -> Any:
    if case.get("single_key"):
        return jwk.JWK.from_dict(case["public_jwk"])
    return {kid: jwk.JWK.from_dict(j).with_kid(kid) for kid, j in case["public_jwks"].items()}


def _jose_jws(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    verify = jws.verify_compact if case["serialization"] == "compact" else jws.verify
    if case["result"] == "invalid":
        _expect(case, lambda: verify(case["jws"], _jws_keys(case), backend=be))
        return
    result = verify(case["jws"], _jws_keys(case), backend=be)
    if "payload_utf8" in case:
        _eq("payload", result.payload, case["payload_utf8"].encode("utf-8"))
    if "expected_kids" in case:
        _eq("kids", list(result.kids), case["expected_kids"])
    if case["result"] == "acceptable":
        _expect({"error": case["strict_error"]}, lambda: verify(case["jws"], _jws_keys(case), strict=True, backend=be))
    if "private_jwks" in case:  # generated: signing is deterministic and must reproduce the JWS
        signers = [jwk.JWK.from_dict(case["private_jwks"][k]) for k in case["signer_kids"]]
        if case["serialization"] == "compact":
            _eq("jws", jws.sign_compact(case["payload_utf8"].encode("utf-8"), signers[0], typ=case.get("typ"), backend=be), case["jws"])
        else:
            _eq("jws", jws.sign(case["payload_utf8"].encode("utf-8"), signers, typ=case.get("typ"), backend=be), case["jws"])


def _jwe_decrypt(case: Dict[str, Any], be: crypto.Backend, keys: Optional[Dict[str, jwk.JWK]] = None) -> jwe.DecryptedJWE:
    if keys is None:
        keys = {kid: jwk.JWK.from_dict(j).with_kid(kid) for kid, j in case["recipient_private_jwks"].items()}
    sender: Any = None
    if "sender_public_jwk" in case:
        sender = jwk.JWK.from_dict(case["sender_public_jwk"])
    elif "sender_public_jwks" in case:
        sender = {kid: jwk.JWK.from_dict(j).with_kid(kid) for kid, j in case["sender_public_jwks"].items()}
    return jwe.decrypt(case["jwe"], keys, sender_key_resolver=sender, didcomm=case.get("didcomm", True), backend=be)


def _plaintext(case: Dict[str, Any]) -> bytes:
    return _h(case["plaintext"]) if "plaintext" in case else case["plaintext_utf8"].encode("utf-8")


def _jose_jwe(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    if case["result"] == "invalid":
        _expect(case, lambda: _jwe_decrypt(case, be))
        return
    keys = {kid: jwk.JWK.from_dict(j).with_kid(kid) for kid, j in case["recipient_private_jwks"].items()}
    for kid in keys:
        got = _jwe_decrypt(case, be, {kid: keys[kid]})
        _eq("plaintext", got.plaintext, _plaintext(case))
        _eq("recipient kid", got.recipient_kid, kid)
        if "expected_sender_kid" in case:
            _eq("sender kid", got.sender_kid, case["expected_sender_kid"])
        if "alg" in case:
            _eq("alg/enc", (got.alg, got.enc), (case["alg"], case["enc"]))
    if "expected_recipient_kid" in case:
        _eq("recipient kid", _jwe_decrypt(case, be).recipient_kid, case["expected_recipient_kid"])
    if "seed" in case or "rng_draws" in case:
        rng = shake256_counter_rng(_h(case["seed"])) if "seed" in case else replay(case["rng_draws"])  # jose_jwe.json: counter from 0
        recipients = [jwk.JWK.from_dict(j) for j in case["recipients_public_jwks"]]
        sender = jwk.JWK.from_dict(case["sender_private_jwk"]) if "sender_private_jwk" in case else None
        out = jwe.encrypt(_plaintext(case), recipients, alg=case["alg"], enc=case["enc"], sender=sender, rng=rng, backend=be)
        if "rng_draws" in case:
            _all_drawn(rng)
        _eq("jwe (re-encrypted with the recorded randomness)", out, case["jwe"])


def _appendix_c(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    keys = doc["keys"]
    public = {kid: jwk.JWK.from_dict(j).with_kid(kid) for kid, j in keys["public_jwks"].items()}
    secrets = {who: {s["kid"]: jwk.JWK.from_dict(s) for s in keys[f"{who}_secrets"]} for who in ("alice", "bob")}
    message = case["message"]
    if case["result"] == "invalid":
        if isinstance(message, dict) and "signatures" in message:
            _expect(case, lambda: jws.verify(message, public, backend=be))
        else:
            own = secrets["alice" if case.get("decrypt_as") == "alice" else "bob"]
            _expect(case, lambda: jwe.decrypt(message, own, sender_key_resolver=public, backend=be))
        return
    for layer in case["layers"]:
        if layer["kind"] == "signed":
            verified = jws.verify(message, public, backend=be)
            _eq("signer kids", verified.kids, (layer["kid"],))
            if "alg" in layer:
                _eq("alg", verified.algs, (layer["alg"],))
            message = json.loads(verified.payload)
            continue
        got = jwe.decrypt(message, secrets["bob"], sender_key_resolver=public, backend=be)
        _eq("alg/enc", (got.alg, got.enc), (layer["alg"], layer["enc"]))
        _eq("epk crv", got.protected["epk"]["crv"], layer["epk_crv"])
        _eq("recipient kids", list(got.recipient_kids), layer["recipient_kids"])
        _eq("sender kid", got.sender_kid, layer["sender_kid"])
        message = json.loads(got.plaintext)
    _eq("plaintext", message, case["expected_plaintext"])


# ---------------------------------------------------------------------------
# DIDComm v1
# ---------------------------------------------------------------------------


def _v1_seed(doc: Dict[str, Any], name: str) -> bytes:
    keys = doc.get("keys")
    if not isinstance(keys, dict) or name not in keys:
        raise _Fail(f"key {name!r} is not in the file's 'keys'")
    return _h(keys[name]["seed"])


def _v1_envelopes(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    open_as = case["open_as"]
    names = open_as if isinstance(open_as, list) else [open_as]
    if case["result"] == "invalid":
        _expect(case, lambda: v1.unpack(case["envelope_utf8"], _v1_seed(doc, names[0]), backend=be))
        return
    keys = doc["keys"]
    for name in names:
        got = v1.unpack(case["envelope_utf8"], _v1_seed(doc, name), backend=be)
        _eq("message", got.message, case["message_utf8"].encode("utf-8"))
        _eq("recipient verkey", got.recipient_verkey, keys[name]["verkey_b58"])
        sender = case.get("sender")
        _eq("sender verkey", got.sender_verkey, keys[sender]["verkey_b58"] if sender else None)
    # Re-pack only what refdidcomm produced (other producers' layouts differ by design).
    if "rng_draws" in case and "recipients" in case and str(case.get("producer", "refdidcomm")).startswith("refdidcomm"):
        rng = replay(case["rng_draws"])
        sender_seed = _v1_seed(doc, case["sender"]) if case.get("sender") else None
        out = v1.pack(case["message_utf8"].encode("utf-8"), [keys[n]["verkey_b58"] for n in case["recipients"]], sender_seed, backend=be, rng=rng)
        _all_drawn(rng)
        _eq("envelope (re-packed with the recorded randomness)", out.decode("utf-8"), case["envelope_utf8"])


def _v1_forward(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    keys = doc["keys"]
    if case["result"] == "invalid":
        _expect(case, lambda: v1.unwrap_forward(case["envelope_utf8"], _v1_seed(doc, case["open_as"]), backend=be))
        return
    if "hops" in case:
        sender_seed = _v1_seed(doc, case["sender"]) if case.get("sender") else None
        recipient = keys[case["recipient"]]["verkey_b58"]
        rng = replay(case["rng_draws_inner"])
        inner = v1.pack(case["message_utf8"].encode("utf-8"), [recipient], sender_seed, backend=be, rng=rng)
        _all_drawn(rng)
        _eq("inner envelope", inner.decode("utf-8"), case["inner_envelope_utf8"])
        rng = replay(case["rng_draws_wrap"])
        outer = v1.wrap_forward(inner, recipient, [k["value"] for k in case["routing_keys"]], backend=be, rng=rng)
        _all_drawn(rng)
        _eq("envelope", outer.decode("utf-8"), case["envelope_utf8"])
        envelope: Any = case["envelope_utf8"]
        for hop in case["hops"]:
            got = v1.unwrap_forward(envelope, _v1_seed(doc, hop["open_as"]), backend=be)
            _eq("to", got.to, hop["to"])
            _eq("message id", got.message_id, hop["message_id"])
            _eq("msg", got.msg.decode("utf-8"), hop["msg_utf8"])
            envelope = got.msg
        final = v1.unpack(envelope, _v1_seed(doc, case["recipient"]), backend=be)
        _eq("message", final.message, case["message_utf8"].encode("utf-8"))
        return
    got = v1.unwrap_forward(case["envelope_utf8"], _v1_seed(doc, case["open_as"]), backend=be)
    _eq("to", got.to, case["expected"]["to"])
    _eq("message id", got.message_id, case["expected"]["message_id"])
    _eq("msg", got.msg.decode("utf-8"), case["expected"]["msg_utf8"])


# ---------------------------------------------------------------------------
# Out-of-band invitations
# ---------------------------------------------------------------------------


def _oob_fetcher(responses: List[Dict[str, Any]]) -> Callable[[str, Mapping[str, str]], Tuple[int, Dict[str, str], bytes]]:
    by_url = {r["url"]: r for r in responses}

    def fetch(url: str, headers: Mapping[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        if url not in by_url:
            raise _Fail(f"the decoder fetched {url!r}, which the case does not simulate")
        r = by_url[url]
        return r["status"], r["headers"], r["body_utf8"].encode("utf-8")

    return fetch


def _oob_invitations(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    fetch = _oob_fetcher(case["fetch"]) if "fetch" in case else None
    if case["result"] == "invalid":
        _expect(case, lambda: oob.decode(case["input"], fetch=fetch))
        return
    decoded = oob.decode(case["input"], fetch=fetch)
    _eq("kind", decoded.kind, case["kind"])
    _eq("parameter", decoded.parameter, case["parameter"])
    _eq("tolerated", list(decoded.tolerated), case["tolerated"])
    _eq("data", decoded.data, case["data_utf8"].encode("utf-8"))
    _eq("invitation", decoded.invitation.to_json(), case["invitation"])
    _eq("valid means nothing tolerated", case["result"] == "valid", not decoded.tolerated)


# ---------------------------------------------------------------------------
# did:key (the project's did_key.json)
# ---------------------------------------------------------------------------

_SIGNING_RELATIONSHIPS = ("authentication", "assertion_method", "capability_invocation", "capability_delegation")


def _ids_of(doc: Any, relationship: str) -> List[str]:
    return [vm.id for vm in getattr(doc, relationship)]


def _did_key(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _sec1
    from ..encoding import b58encode, multikey_encode

    op = case["op"]
    if op == "resolve_invalid":
        _expect(case, lambda: did.resolve(case["did"]))
    elif op == "verkey_invalid":
        _expect(case, lambda: did.verkey_to_did_key(case["verkey"]))
    elif op == "did_key_to_verkey_invalid":
        _expect(case, lambda: did.did_key_to_verkey(case["did"]))
    elif op == "ed25519_seed":
        seed = _h(case["seed"])
        public = be.ed25519_public_key(seed)
        _eq("public key", public.hex(), case["public_key"])
        _eq("X25519 public key", be.ed25519_pk_to_x25519(public).hex(), case["x25519_public_key"])
        _eq("X25519 private key", be.ed25519_seed_to_x25519(seed).hex(), case["x25519_private_key"])
        _eq("did", did.create_did_key(jwk.JWK(kty="OKP", crv="Ed25519", x=public, d=seed)), case["did"])
        resolved = did.resolve(case["did"])
        vm_id = f"{case['did']}#{case['did'][len('did:key:'):]}"
        for rel in _SIGNING_RELATIONSHIPS:
            _eq(rel, _ids_of(resolved, rel), [vm_id])
        _eq("keyAgreement", _ids_of(resolved, "key_agreement"), [case["key_agreement_id"]])
        _eq("keyAgreement key", did.key_of(resolved.key_agreement[0]).public_key.hex(), case["x25519_public_key"])
        _eq("verkey", did.did_key_to_verkey(case["did"]), b58encode(public))
    elif op == "x25519":
        resolved = did.resolve(case["did"])
        vm_id = f"{case['did']}#{case['did'][len('did:key:'):]}"
        _eq("keyAgreement", _ids_of(resolved, "key_agreement"), [vm_id])
        for rel in _SIGNING_RELATIONSHIPS:
            _eq(rel, _ids_of(resolved, rel), [])
        _eq("key", did.key_of(resolved.key_agreement[0]).public_key.hex(), case["public_key"])
        _eq("did", did.create_did_key(jwk.JWK(kty="OKP", crv="X25519", x=_h(case["public_key"]))), case["did"])
    elif op == "ec_jwk":
        key = jwk.JWK.from_dict({"kty": "EC", "crv": case["crv"], "x": case["x_b64u"], "y": case["y_b64u"], "d": case["d_b64u"]})
        _eq("did", did.create_did_key(key), case["did"])
        resolved = did.resolve(case["did"])
        vm_id = f"{case['did']}#{case['did'][len('did:key:'):]}"
        for rel in _SIGNING_RELATIONSHIPS + ("key_agreement",):
            _eq(rel, _ids_of(resolved, rel), [vm_id])
        _eq("key", did.key_of(resolved.verification_method[0]).jwk.to_dict(include_kid=False), key.public().to_dict(include_kid=False))
    elif op == "ec_base58":
        curve = _sec1.get_curve(case["crv"])
        point = _sec1.public_key(curve, int.from_bytes(_h(case["private_key"]), "big"))
        compressed = _sec1.encode_point(curve, point, compressed=True)
        _eq("compressed point", compressed.hex(), case["public_key"])
        codec = {"P-256": "p256-pub", "secp256k1": "secp256k1-pub"}[case["crv"]]
        _eq("did", did.create_did_key(multikey_encode(codec, compressed)), case["did"])
        _eq("resolved key", did.key_of(did.resolve(case["did"]).verification_method[0]).public_key, compressed)
    elif op == "peer0_equivalence":
        msid = case["did"][len("did:key:"):]
        _eq("did:peer:0", did.create_peer0(msid), case["did_peer_0"])
        key_doc, peer_doc = did.resolve(case["did"]), did.resolve(case["did_peer_0"])
        for rel in _SIGNING_RELATIONSHIPS + ("key_agreement",):
            _eq(rel, [i.replace(case["did_peer_0"], case["did"]) for i in _ids_of(peer_doc, rel)], _ids_of(key_doc, rel))
    elif op == "verkey":
        _eq("did", did.verkey_to_did_key(case["verkey"]), case["did"])
        _eq("verkey", did.did_key_to_verkey(case["did"]), case["verkey"])
    else:
        raise _Fail(f"unknown op {op!r}")


def _oob_encode(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    invitation = json.loads(case["invitation_utf8"])
    if case["result"] == "invalid":
        _expect(case, lambda: oob.encode_url(invitation, base=case["base"], parameter=case["parameter"]))
        return
    url = oob.encode_url(invitation, base=case["base"], parameter=case["parameter"])
    _eq("url", url, case["url"])
    _eq("decoded", oob.decode(url).invitation.to_json(), invitation)


def _oob_services(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    invitation = oob.parse(case["invitation"])
    did_key = case.get("did_key", False)
    if case["result"] == "invalid":
        _expect(case, lambda: oob.service_endpoints(invitation, did_key=did_key))
        return
    got = [{"uri": e.uri, "recipient_keys": list(e.recipient_keys), "routing_keys": list(e.routing_keys),
            "accept": None if e.accept is None else list(e.accept), "source": e.source}
           for e in oob.service_endpoints(invitation, did_key=did_key)]
    _eq("endpoints", got, case["endpoints"])


# ---------------------------------------------------------------------------
# did:peer (the project's did_peer.json)
# ---------------------------------------------------------------------------


_RELATIONSHIP_ATTRIBUTES = {
    "authentication": "authentication", "assertionMethod": "assertion_method", "keyAgreement": "key_agreement",
    "capabilityInvocation": "capability_invocation", "capabilityDelegation": "capability_delegation",
}


def _did_peer(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from ..did import _peer2, _peer4

    op = case["op"]
    legacy = case.get("legacy", False)
    if op in ("peer2_invalid", "peer_invalid", "peer3_invalid", "peer4_invalid"):
        for flavour in ((False, True) if op == "peer2_invalid" else (legacy,)):
            _expect(case, lambda: did.resolve(case["did"], legacy=flavour, known=case.get("known", [])))
            if type(_last_error(lambda: did.resolve(case["did"], legacy=flavour, known=case.get("known", [])))).__name__ != case["error"]:
                raise _Fail(f"expected exactly {case['error']}")
    elif op == "peer2_service_encode":
        _eq("encoded", _peer2.encode_service(case["service"]), case["encoded"])
        _eq("decoded", _peer2.decode_service(case["encoded"]), [case["service"]])
    elif op == "peer2_service_decode":
        _eq("services", _peer2.decode_service(case["encoded"]), case["services"])
    elif op == "peer2_create":
        _eq("did", did.create_peer2([tuple(k) for k in case["keys"]], case["services"]), case["did"])
        resolved = did.resolve(case["did"])
        _eq("keys", [did.key_of(vm).multikey for vm in resolved.verification_method], [k[1] for k in case["keys"]])
    elif op in ("peer2_resolve", "peer0_resolve"):
        _eq("document", did.resolve(case["did"], legacy=legacy).to_dict(), case["document"])
    elif op == "peer2_resolve_summary":
        resolved = did.resolve(case["did"], legacy=legacy)
        for rel, attribute in _RELATIONSHIP_ATTRIBUTES.items():  # every relationship: absent ones must be empty
            _eq(rel, [vm.id for vm in getattr(resolved, attribute)], [case["did"] + i for i in case["key_ids"].get(rel, [])])
        _eq("service ids", [sv.id for sv in resolved.service], [case["did"] + i for i in case["service_ids"]])
        _eq("service types", [sv.types[0] for sv in resolved.service], case["service_types"])
        if "service_uris" in case:
            _eq("service uris", [e.uri for e in did.normalize_services(resolved)], case["service_uris"])
    elif op == "peer2_equivalent":
        a, b = did.resolve(case["did"]), did.resolve(case["equivalent"])
        _eq("services", [sv.raw for sv in a.service], [sv.raw for sv in b.service])
        _eq("keys", [(vm.type, did.key_of(vm).multikey) for vm in a.verification_method],
            [(vm.type, did.key_of(vm).multikey) for vm in b.verification_method])
    elif op == "peer3":
        _eq("did:peer:3", did.peer3_from_peer2(case["did_peer_2"]), case["did_peer_3"])
    elif op == "peer3_resolve":
        resolved, peer2 = did.resolve(case["did"], known=case["known"]), did.resolve(case["did_peer_2"])
        _eq("alsoKnownAs", resolved.also_known_as, (case["did_peer_2"],))
        _eq("keys", [did.key_of(vm).multikey for vm in resolved.methods()], [did.key_of(vm).multikey for vm in peer2.methods()])
    elif op == "peer4":
        long_form, short_form = did.create_peer4(case["input_document"])
        _eq("forms", (long_form, short_form), (case["long_form"], case["short_form"]))
        _eq("decoded", _peer4.decode_peer4(long_form), case["input_document"])
        _eq("long document", did.resolve(long_form).to_dict(), case["resolved_long"])
        _eq("short document", did.resolve(short_form, known=[long_form]).to_dict(), case["resolved_short"])
    else:
        raise _Fail(f"unknown op {op!r}")


def _last_error(thunk: Callable[[], Any]) -> Optional[BaseException]:
    try:
        thunk()
    except RefDIDCommError as exc:
        return exc
    return None


# ---------------------------------------------------------------------------
# Identities (generated did suite)
# ---------------------------------------------------------------------------


def _identities(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    if case["op"] == "resolve_invalid":
        _expect(case, lambda: did.resolve(case["did"], known=case.get("known", [])))
        return
    if case["op"] != "identity":
        raise _Fail(f"unknown op {case['op']!r}")
    pairs = []
    for entry in case["keys"]:
        key = jwk.JWK.from_dict(entry["private_jwk"])
        _eq("kid", key.kid, entry["kid"])
        _eq("public JWK", key.to_dict(), entry["public_jwk"])
        rng = replay(entry["rng_draws"])
        _eq("regenerated private JWK", jwk.generate(entry["crv"], rng=rng, kid=entry["kid"], backend=be).to_dict(private=True), entry["private_jwk"])
        _all_drawn(rng)
        _eq("did:key", did.create_did_key(key), entry["did_key"])
        _eq("multikey", entry["did_key"], "did:key:" + entry["multikey"])
        pairs.append((entry["purpose"], key))
    _eq("did:peer:2", did.create_peer2(pairs, case["services"]), case["did_peer_2"])
    _eq("did:peer:4", list(did.create_peer4(case["peer4_input_document"])), [case["did_peer_4"], case["did_peer_4_short"]])
    docs = case["documents"]
    _eq("did:key document", did.resolve(case["did_key"]).to_dict(), docs["did_key"])
    _eq("did:peer:2 document", did.resolve(case["did_peer_2"]).to_dict(), docs["did_peer_2"])
    _eq("did:peer:4 document", did.resolve(case["did_peer_4"]).to_dict(), docs["did_peer_4"])
    _eq("short did:peer:4 document", did.resolve(case["did_peer_4_short"], known=[case["did_peer_4"]]).to_dict(), docs["did_peer_4_short"])
    for entry in case["keys"]:
        method = did.dereference(did.resolve(case["did_peer_2"]), entry["kid"])
        _eq(f"key of {entry['kid']}", did.key_of(method).jwk.to_dict(), entry["public_jwk"])


# ---------------------------------------------------------------------------
# DIDComm v2 (generated)
# ---------------------------------------------------------------------------


def _v2_secrets(doc: Dict[str, Any], name: str, override: Optional[Mapping[str, Any]] = None) -> Dict[str, jwk.JWK]:
    context = doc.get("_context") or {}
    identities = context.get("identities")
    if not isinstance(identities, dict):
        raise _Fail(context.get("identities_problem", "this file needs the identities file named in header.identities"))
    party = next((c for c in identities.get("cases", []) if c.get("op") == "identity" and c.get("name") == name), None)
    if party is None:
        raise _Fail(f"no identity {name!r} in the identities file")
    secrets = {k["kid"]: jwk.JWK.from_dict(k["private_jwk"]) for k in party["keys"]}
    for kid, value in (override or {}).items():
        secrets[kid] = jwk.JWK.from_dict(value).with_kid(kid)
    return secrets


def _v2_generated(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import v2

    resolver = v2.make_resolver()
    if case["result"] == "invalid":
        if "open_as" in case:
            secrets = _v2_secrets(doc, case["open_as"], case.get("secrets_override"))
            _expect(case, lambda: v2.unwrap_forward(case["packed"], secrets=secrets, resolver=resolver, backend=be))
        else:
            secrets = _v2_secrets(doc, case["unpack_as"], case.get("secrets_override"))
            _expect(case, lambda: v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=be))
        return
    op, pack, message = case["operation"], case["pack"], case["message"]
    packer = _v2_secrets(doc, case["packer"])
    if op == "plaintext":
        packed = v2.pack_plaintext(message)
    elif op == "signed":
        packed = v2.pack_signed(message, pack["sign_from"], secrets=packer, resolver=resolver, backend=be).packed
    elif op == "encrypted":
        rng = replay(case["rng_draws"])
        packed = v2.pack_encrypted(message, secrets=packer, resolver=resolver, rng=rng, backend=be, **pack).packed
        _all_drawn(rng)
    else:
        raise _Fail(f"unknown operation {op!r}")
    _eq("packed (re-packed with the recorded randomness)", packed, case["packed"])
    layer: Any = case["packed"]
    for hop in case.get("hops", []):
        got = v2.unwrap_forward(layer, secrets=_v2_secrets(doc, hop["open_as"]), resolver=resolver, backend=be)
        _eq(f"next at {hop['open_as']}", got.next, hop["next"])
        layer = got.forwarded
    result = v2.unpack(layer, secrets=_v2_secrets(doc, case["unpack_as"]), resolver=resolver, backend=be)
    _eq("message", result.message.to_dict(), case["expected_message"])
    for name, want in case["expected_metadata"].items():
        _eq(f"metadata.{name}", getattr(result.metadata, name), want)


#: The project's published-v2 files and the key set of didcomm_v2_keys.json each uses
#: (the files do not name it; tests/test_v2_unpack_vectors.py has the same table).
_V2_PUBLISHED_KEY_SETS = {"didcomm_v2_spec_appendix_c": "spec", "didcomm_v2_sicpa_python": "python", "didcomm_v2_sicpa_rust": "rust"}
_V2_KEYS_FILE = "didcomm_v2_keys.json"


def _v2_published(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import v2

    keys = (doc.get("_context") or {}).get("v2_keys")
    if not isinstance(keys, dict):
        raise _Fail(f"this file needs {_V2_KEYS_FILE} next to it")
    key_set = _V2_PUBLISHED_KEY_SETS[doc["header"]["name"]]
    resolver = v2.make_resolver(keys["did_docs"][key_set])
    secrets = {s["kid"]: jwk.JWK.from_dict(s) for s in keys["secrets"][key_set][case["unpack_as"]]}
    options = case.get("unpack_options", {})  # e.g. allow_unauthenticated_from_prior for the libraries' plaintext rotations
    if case["result"] == "invalid":
        _expect(case, lambda: v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=be, **options))
        return
    result = v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=be, **options)
    got, expected = result.message.to_dict(), dict(case["expected_message"])
    # Library differences recorded in the files' notes: thid and typ filled in
    # by the library, from_prior decoded to its claims.
    if "thid" in expected and "thid" not in got:
        _eq("thid", result.message.thread_id, expected.pop("thid"))
    if "typ" in expected and "typ" not in got:
        _eq("typ", v2.PLAINTEXT_TYP, expected.pop("typ"))
    if isinstance(expected.get("from_prior"), dict):
        _eq("from_prior claims", result.metadata.from_prior, expected.pop("from_prior"))
        _eq("from_prior JWT", got.pop("from_prior"), result.metadata.from_prior_jwt)
    _eq("message", got, expected)
    meta = result.metadata.to_dict()
    for name, value in case["expected_metadata"].items():
        if name == "signed_message" and value is not None:
            _eq("metadata.signed_message", json.loads(meta[name]), json.loads(value))
        else:
            _eq(f"metadata.{name}", meta[name], value)


def _v2_seeded(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    """didcomm_v2_seeded.json: re-pack with its SHAKE-256 rng (counter from 1), then unpack as Bob."""
    from .. import v2

    keys = (doc.get("_context") or {}).get("v2_keys")
    if not isinstance(keys, dict):
        raise _Fail(f"this file needs {_V2_KEYS_FILE} next to it")
    resolver = v2.make_resolver(keys["did_docs"]["spec"])
    alice = {s["kid"]: jwk.JWK.from_dict(s) for s in keys["secrets"]["spec"]["alice"]}
    bob = {s["kid"]: jwk.JWK.from_dict(s) for s in keys["secrets"]["spec"]["bob"]}
    rng = shake256_counter_rng(case["seed_utf8"].encode("utf-8"), first=1)
    result = v2.pack_encrypted(doc["message"], case["to"], forward=False, secrets=alice, resolver=resolver, rng=rng,
                               backend=be, **case["options"])
    _eq("packed (re-packed with the seeded rng)", result.packed, case["packed"])
    _eq("to kids", list(result.to_kids), case["to_kids"])
    _eq("from kid", result.from_kid, case["from_kid"])
    _eq("sign_from kid", result.sign_from_kid, case["sign_from_kid"])
    _eq("message", v2.unpack(case["packed"], secrets=bob, resolver=resolver, backend=be).message.to_dict(), doc["message"])


# ---------------------------------------------------------------------------
# DID documents, DID URLs, services (the project's did_documents.json)
# ---------------------------------------------------------------------------


def _did_documents(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from ..did._document import absolute_id

    op, valid = case["op"], case["result"] != "invalid"
    if op == "key_of":
        if not valid:
            _expect(case, lambda: did.key_of(case["vm"]))
            return
        km = did.key_of(case["vm"], base_did=case["base_did"])
        _eq("kty/crv", (km.kty, km.crv), (case["kty"], case["crv"]))
        _eq("kid", km.jwk.kid, absolute_id(case["vm"]["id"], case["base_did"] or ""))
        _eq("private part", km.jwk.d, None)
        if "multikey" in case:
            _eq("multikey", km.multikey, case["multikey"])
        if "public_key" in case:
            _eq("public key", km.public_key.hex(), case["public_key"])
        if "jwk" in case:
            _eq("JWK", km.jwk.to_dict(include_kid=False), {k: case["jwk"][k] for k in ("kty", "crv", "x", "y") if k in case["jwk"]})
    elif op == "document":
        if not valid:
            _expect(case, lambda: did.DIDDocument.from_dict(case["document"], did=case.get("did")))
            return
        parsed = did.DIDDocument.from_dict(case["document"])
        _eq("authentication", [vm.id for vm in parsed.authentication], case["authentication"])
        _eq("keyAgreement", [vm.id for vm in parsed.key_agreement], case["key_agreement"])
        _eq("services", len(parsed.service), case["services"])
        _eq("unresolved references", [list(ref) for ref in parsed.unresolved_references], case.get("unresolved", []))
        _eq("document", parsed.to_dict(), case["document"])
    elif op == "services":
        parsed = did.DIDDocument.from_dict(case["document"])
        if not valid:
            _expect(case, lambda: did.normalize_services(parsed))
            return
        got = [{"uri": e.uri, "accept": None if e.accept is None else list(e.accept), "routing_keys": list(e.routing_keys),
                "recipient_keys": list(e.recipient_keys), "priority": e.priority, "id": e.id, "type": e.type}
               for e in did.normalize_services(parsed)]
        _eq("endpoints", got, case["endpoints"])
    elif op == "did_url":
        if not valid:
            _expect(case, lambda: did.parse_did_url(case["text"]))
            return
        url = did.parse_did_url(case["text"])
        got = {name: getattr(url, name) for name in ("did", "method", "method_specific_id", "path", "query", "fragment", "url")}
        _eq("parts", got, {name: case["text" if name == "url" else name] for name in got})
    elif op == "absolute_id":
        if not valid:
            _expect(case, lambda: absolute_id(case["reference"], case["base_did"]))
            return
        _eq("absolute", absolute_id(case["reference"], case["base_did"]), case["absolute"])
    else:
        raise _Fail(f"unknown op {op!r}")


# ---------------------------------------------------------------------------
# QR codes (the project's qr.json): known answers of ISO/IEC 18004, no decoder
# ---------------------------------------------------------------------------


def _qr_payload(case: Mapping[str, Any]) -> str:
    if "payload" in case:  # {repeat_utf8, count}: the string repeated count times
        return case["payload"]["repeat_utf8"] * case["payload"]["count"]
    return case["payload_utf8"]


def _qr_fits(payload: str, version: int, ecc: str) -> bool:
    """Whether ``payload`` fits into ``version`` at ``ecc`` (ISO/IEC 18004 Table 7)."""
    from .. import qr

    try:
        return qr.encode(payload, ecc=ecc, min_version=version, mask=0).version == version
    except UsageError:  # longer than version 40 holds
        return False


def _qr(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _iso18004, _iso18004_rs, qr

    op = case["op"]
    if op == "rs_generator":
        g = _iso18004_rs.GENERATORS[case["n"]]
        _eq("alpha exponents", [_iso18004_rs.LOG[c] for c in g], case["alpha_exponents"])
        if "coefficients" in case:
            _eq("coefficients", bytes(g).hex(), case["coefficients"])
    elif op == "rs":
        _eq("error correction", bytes(_iso18004_rs.rs_remainder(list(_h(case["data"])), case["n"])).hex(), case["ec"])
    elif op == "data_codewords":
        payload = case["payload_utf8"]
        _eq("mode", _iso18004.choose_mode(payload), case["mode"])
        _eq("codewords", bytes(_iso18004.data_codewords(case["mode"], payload, case["version"], case["ecc"])).hex(), case["codewords"])
        code = qr.encode(payload, ecc=case["ecc"])
        _eq("version/mode of the symbol", (code.version, code.mode), (case["version"], case["mode"]))
    elif op == "format_information":
        _eq("bits", format(_iso18004.format_information(case["ecc"], case["mask"]), "015b"), case["bits"])
    elif op == "version_information":
        _eq("bits", format(_iso18004.version_information(case["version"]), "018b"), case["bits"])
    elif op == "codewords":
        _eq("total codewords", _iso18004.total_codewords(case["version"]), case["total_codewords"])
        _eq("remainder bits", _iso18004.remainder_bits(case["version"]), case["remainder_bits"])
    elif op == "blocks":
        _eq("groups", [list(g) for g in _iso18004.block_structure(case["version"], case["ecc"])], case["groups"])
    elif op == "capacity":
        version, ecc = case["version"], case["ecc"]
        _eq("data codewords", _iso18004.data_codeword_count(version, ecc), case["data_codewords"])
        for mode, unit in (("numeric", "7"), ("alphanumeric", "A"), ("byte", "a")):
            # Table 7's count fits exactly: that many characters fit, one more does not.
            _eq(f"{mode}: {case[mode]} characters fit", _qr_fits(unit * case[mode], version, ecc), True)
            _eq(f"{mode}: {case[mode] + 1} characters do not fit", _qr_fits(unit * (case[mode] + 1), version, ecc), False)
    elif op == "encode" and case["result"] == "invalid":
        kwargs = {k: case[k] for k in ("ecc", "min_version", "mask", "mode") if k in case}
        payload = _qr_payload(case)
        if "expected_mode" in case:  # one character less fills version 40 exactly
            _eq("mode", _iso18004.choose_mode(payload), case["expected_mode"])
            _eq("version of one character less", qr.encode(payload[:-1], **kwargs).version, 40)
        _expect(case, lambda: qr.encode(payload, **kwargs))
    else:
        raise _Fail(f"unknown op {op!r} (result {case['result']})")


# ---------------------------------------------------------------------------
# Coprotocols (the project's coprotocol_messages.json: Aries RFC 0482 / 0478)
# ---------------------------------------------------------------------------


def _coprotocol_summary(msg: Any) -> Dict[str, Any]:
    """A parsed message in the language-neutral form of the file's ``expected``."""
    from .. import _rfc0482, coprotocol as co

    out: Dict[str, Any] = {"name": msg.name, "id": msg.id, "pthid": msg.pthid}
    if isinstance(msg, co.Bind):
        out.update(goal_code=msg.goal_code, co_binding_id=msg.co_binding_id,
                   cast=None if msg.cast is None else [c.to_json() for c in msg.cast], piuri_pat=msg.piuri_pat,
                   prefer=None if msg.prefer is None else [p.to_json() for p in msg.prefer])
    elif isinstance(msg, co.Attach):
        out.update(piuri=msg.piuri, expires_time=None if msg.expires_time is None else _rfc0482.format_time(msg.expires_time))
    elif isinstance(msg, (co.Input, co.Output)):
        out.update(interaction_point=msg.interaction_point, data=msg.data)
    elif isinstance(msg, co.ProblemReport):
        out.update(code=msg.code, comment=msg.comment, args=list(msg.args), ack=list(msg.ack), impact=msg.impact,
                   items=[list(i) for i in msg.items], text=msg.text)
    return out


def _coprotocol(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import coprotocol as co

    kind, valid = case["kind"], case["result"] != "invalid"
    if kind == "message":
        raw = case["message_utf8"] if "message_utf8" in case else case["message"]
        if not valid:
            exc = _expect({k: v for k, v in case.items() if k != "field"}, lambda: co.parse_message(raw, case["shape"]))
            # An error without a field is about the whole message: the file writes "message".
            _eq("field", getattr(exc, "field", None) or "message", case["field"])
            return
        parsed = co.parse_message(raw, case["shape"])
        _eq("message", _coprotocol_summary(parsed), case["expected"])
        again = co.parse_message(parsed.to_message(case["shape"]), case["shape"])
        _eq("id after a round trip", again.id, parsed.id)
    elif kind == "interface":
        if not valid:
            _expect(case, lambda: co.parse_interface(case["interface_utf8"], final=case["final"]))
            return
        interface = co.parse_interface(case["interface_utf8"], final=case["final"])

        def points(ps: Any) -> List[Dict[str, Any]]:
            return [{"name": p.name, "params": [[q.name, q.type] for q in p.params], "states": list(p.states), "final": p.final} for p in ps]

        got = {"goal": interface.goal, "roles": [{"role": r.role, "get": points(r.get), "give": points(r.give)} for r in interface.roles]}
        _eq("interface", got, case["expected"])
    elif kind == "selection":
        # invalid: no implementation matches; the called side answers with the problem report.
        interface = co.parse_interface(case["interface_utf8"], final=("return",))
        registry = co.Registry(co.Implementation(i["piuri"], (interface,), tuple(i["roles"]), i["attributes"]) for i in case["implementations"])
        bind = co.parse_message(case["bind"], "v1")
        ranking = [c.implementation.piuri for c in registry.rank(bind)]
        _eq("ranking", ranking, case["expected_ranking"])
        if not valid:  # the file's invalid selections are the no-match ones (a valid one may be too: tcId 81)
            _eq("no match", ranking, [])
        answer = co.parse_message(co.Called(registry, shape="v1").receive(case["bind"]).messages[0], "v1")
        if ranking:
            _eq("answer", (type(answer).__name__, getattr(answer, "piuri", None)), ("Attach", ranking[0]))
        else:
            _eq("answer", (type(answer).__name__, getattr(answer, "code", None)), ("ProblemReport", case["problem_code"]))
    elif kind == "walkthrough":
        from .. import _rfc0482_demo

        _eq("clock, hold", (case["clock"], case["hold_seconds"]), (_rfc0482_demo.DEMO_CLOCK, _rfc0482_demo.DEMO_HOLD_SECONDS))
        _eq("transcript", co.walkthrough(case["shape"], seed=case["seed"]), case["transcript"])
    elif kind == "receive":
        # invalid: a step is rejected (the machine answers or drops it; it never raises).
        _eq("registry", case["registry"], "payment")
        rejected_any = False
        for side in {"called": ["called"], "caller": ["caller"], "both": ["called", "caller"]}[case["side"]]:
            machine = co.Called(co.payment_registry(), shape=case["shape"]) if side == "called" else co.Caller(shape=case["shape"])
            for number, step in enumerate(case["steps"]):
                got = machine.receive(step["message_utf8"] if "message_utf8" in step else step["message"])
                _eq(f"{side} step {number} reply", [(m.get("@type") or m["type"]).rsplit("/", 1)[-1] for m in got.messages], step["reply"])
                if "problem_code" in step:
                    report = co.parse_message(got.messages[0], case["shape"])
                    _eq(f"{side} step {number} problem code", getattr(report, "code", None), step["problem_code"])
                rejected = [e.code for e in got.events if isinstance(e, co.Rejected)]
                _eq(f"{side} step {number} rejected", rejected, [step["rejected"]] if step["rejected"] else [])
                rejected_any = rejected_any or bool(rejected)
        _eq("some step rejected", rejected_any, not valid)
    else:
        raise _Fail(f"unknown kind {kind!r}")


# ---------------------------------------------------------------------------
# DIDComm v2 forward (the project's didcomm_v2_forward.json)
# ---------------------------------------------------------------------------


def _sha256_counter_rng(label: str) -> Callable[[int], bytes]:
    """didcomm_v2_forward.json's rng: SHA-256(SHA-256(label) || counter, 8 bytes big-endian) blocks, counter from 0."""
    return sha256_counter_rng(hashlib.sha256(label.encode("utf-8")).digest())


def _v2_forward(case: Dict[str, Any], doc: Dict[str, Any], be: crypto.Backend, opt: _Options) -> None:
    from .. import _json, routing
    from ..v2._keys import make_resolver, relationship_keys

    resolver = make_resolver(doc["keys"]["documents"])
    secrets = {kid: jwk.JWK.from_dict(d).with_kid(kid) for kid, d in doc["keys"]["secrets"].items()}
    if case["operation"] == "unwrap":
        if "forward_plaintext" in case:  # packed is the forward message encrypted to mediator1
            opened = jwe.decrypt(case["packed"], secrets, backend=be)
            _eq("forward plaintext", _json.loads(opened.plaintext), case["forward_plaintext"])
        if "secrets_override" in case:
            secrets = {kid: jwk.JWK.from_dict(d).with_kid(kid) for kid, d in case["secrets_override"].items()}
        if case["result"] == "invalid":
            _expect(dict(case, field=case.get("error_field")) if case.get("error_field") else case,
                    lambda: routing.unwrap_forward(case["packed"], secrets=secrets, resolver=resolver, backend=be))
            return
        got = routing.unwrap_forward(case["packed"], secrets=secrets, resolver=resolver, backend=be)
        _eq("next", got.next, case["next"])
        _eq("forwarded", got.forwarded, case["forwarded"])
        return
    if case["operation"] != "wrap":
        raise _Fail(f"unknown operation {case['operation']!r}")
    if case["result"] == "invalid":
        _expect(dict(case, reason=case["error_contains"]), lambda: routing.wrap_for_recipient("{}", case["to"], resolver=resolver, backend=be))
        return
    # The inner message: anoncrypt to the recipient's first-curve keyAgreement keys, then the forward layers, one rng.
    rng = _sha256_counter_rng(f"refdidcomm v2 forward|{case['tcId']}")
    keys = relationship_keys(resolver(case["to"]), "key_agreement")
    keys = [k for k in keys if k.crv == keys[0].crv]
    inner_enc = "XC20P" if keys[0].crv == "X25519" else "A256GCM"
    inner = _json.dumps(jwe.encrypt(case["plaintext_utf8"].encode("utf-8"), keys, enc=inner_enc, rng=rng, backend=be))
    _eq("inner (re-encrypted with the recorded rng)", inner, case["inner"])
    packed, meta = routing.wrap_for_recipient(inner, case["to"], resolver=resolver, headers=case.get("headers"), enc=case["enc"],
                                              rng=rng, backend=be)
    _eq("packed (re-wrapped with the recorded rng)", packed, case["packed"])
    want = case["service_metadata"]
    got_meta = None if meta is None else {"id": meta.id, "service_endpoint": meta.service_endpoint, "routing_keys": list(meta.routing_keys)}
    _eq("service metadata", got_meta, want)
    layer: Any = packed
    for number, hop in enumerate(case["hops"]):
        got = routing.unwrap_forward(layer, secrets=secrets, resolver=resolver, backend=be)
        _eq(f"hop {number} recipient kid", got.recipient_kid, hop["recipient_kid"])
        _eq(f"hop {number} next", got.next, hop["next"])
        _eq(f"hop {number} forward id", got.forward_message.id, hop["forward_id"])
        for name, value in (case.get("headers") or {}).items():
            _eq(f"hop {number} header {name}", got.forward_message.to_dict().get(name), value)
        layer = got.forwarded
    _eq("what reaches the recipient", _json.loads(layer), _json.loads(inner))
    _eq("plaintext", jwe.decrypt(layer, secrets, backend=be).plaintext.decode("utf-8"), case["plaintext_utf8"])


# ---------------------------------------------------------------------------
# Registry and driver
# ---------------------------------------------------------------------------

_RUNNERS: Dict[str, Runner] = {
    "rfc7748_x25519": _x25519,
    "rfc8032_ed25519": _ed25519,
    "rfc8439_chacha20poly1305": _rfc8439,
    "xchacha20poly1305": _xchacha,
    "nacl_box": _nacl_box,
    "aes_gcm": _aes_gcm,
    "sp800_38a_cbc": _cbc,
    "rfc3394_aes_keywrap": _keywrap,
    "fips197_aes": _fips197,
    "jose_aes_cbc_hmac_sha2": _cbc_hmac,
    "jose_ecdh": _jose_ecdh,
    "jose_concat_kdf": _concat_kdf,
    "codecs": _codecs,
    "ec_points": _ec_points,
    "ecdsa_rfc6979": _ecdsa,
    "jose_jwk": _jose_jwk,
    "jose_jws": _jose_jws,
    "jose_jwe": _jose_jwe,
    "didcomm_appendix_c": _appendix_c,
    "didcomm_v1_envelopes": _v1_envelopes,
    "didcomm_v1_forward": _v1_forward,
    "oob_invitations": _oob_invitations,
    "oob_encode": _oob_encode,
    "oob_services": _oob_services,
    "identities": _identities,
    "did_key": _did_key,
    "did_peer": _did_peer,
    "didcomm_v2_generated": _v2_generated,
    **{name: _v2_published for name in _V2_PUBLISHED_KEY_SETS},
    "didcomm_v2_seeded": _v2_seeded,
    "did_documents": _did_documents,
    "qr": _qr,
    "coprotocol_messages": _coprotocol,
    "didcomm_v2_forward": _v2_forward,
}

def known_schemas() -> List[str]:
    """The schema names ``check`` can run, sorted."""
    return sorted(_RUNNERS)


def _schema_of(doc: Any) -> Optional[str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("header"), dict):
        return None
    header = doc["header"]
    schema = header.get("schema", header.get("name"))
    return schema if isinstance(schema, str) else None


def _no_cases_problem(doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("header"), dict) and "cases" not in doc:
        return "unsupported file: it has no cases (a key or data file, not vectors)"
    return ""


def check_document(
    doc: Any, backends: Iterable[crypto.Backend], *, path: str = "<document>", slow: bool = False,
    context: Optional[Dict[str, Any]] = None,
) -> FileReport:
    """Run every case of a parsed vector document on each backend.

    Args:
        doc: the parsed JSON document. backends: the backends to run on.
        path: the name shown in the report. slow: run cases flagged ``Slow``.
        context: extra documents a runner may need (e.g. the identities file), by name.
    Returns:
        a :class:`FileReport` (``supported=False`` for an unknown schema).
    """
    schema = _schema_of(doc)
    runner = _RUNNERS.get(schema or "")
    if runner is None:
        if _no_cases_problem(doc):
            return FileReport(path, schema, False, [], _no_cases_problem(doc), data_only=True)
        why = "no header.schema or header.name" if schema is None else f"schema {schema!r} is not one check knows"
        return FileReport(path, schema, False, [], f"unsupported file: {why}")
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        return FileReport(path, schema, True, [], "no cases")
    if context:
        doc = dict(doc, _context=context)
    opt = _Options(slow=slow)
    results: List[CaseResult] = []
    for be in backends:
        for case in cases:
            tc = case.get("tcId") if isinstance(case, dict) else None
            if not isinstance(case, dict) or case.get("result") not in ("valid", "invalid", "acceptable"):
                results.append(CaseResult(tc, be.name, "fail", "case is not an object with result valid|invalid|acceptable"))
                continue
            try:
                runner(case, doc, be, opt)
            except _Skip as exc:
                results.append(CaseResult(tc, be.name, "skip", str(exc)))
            except _Fail as exc:
                results.append(CaseResult(tc, be.name, "fail", str(exc)))
            except RefDIDCommError as exc:
                results.append(CaseResult(tc, be.name, "fail", f"unexpected {type(exc).__name__}: {exc}"))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                # A case without the members its schema needs: the file is at fault.
                results.append(CaseResult(tc, be.name, "fail", f"malformed case: {type(exc).__name__}: {exc}"))
            else:
                results.append(CaseResult(tc, be.name, "pass"))
    return FileReport(path, schema, True, results)


def check_file(path: str, backends: Iterable[crypto.Backend], *, slow: bool = False) -> FileReport:
    """Read a vector file and run it (see :func:`check_document`).

    Args:
        path: the JSON file. backends: the backends to run on. slow: run cases flagged ``Slow``.
    Returns:
        a :class:`FileReport`. A file that cannot be read, is not JSON, or is
        not in a known layout is reported with the problem (``ok`` is false);
        it never passes silently. Files it names (``header.identities``) are
        read from the same folder.
    """
    try:
        with open(path, "rb") as fh:
            doc = loads(fh.read(), field=path)
    except OSError as exc:
        return FileReport(path, None, False, [], f"cannot read: {exc.strerror}")
    except RefDIDCommError as exc:
        return FileReport(path, None, False, [], f"not a JSON vector file: {exc}")
    context = _load_context(path, doc)
    return check_document(doc, list(backends), path=path, slow=slow, context=context)


def _load_context(path: str, doc: Any) -> Optional[Dict[str, Any]]:
    """Other files a document needs, read from its folder.

    ``header.identities`` names the identities file of generated files; the
    project's published-v2 files use ``didcomm_v2_keys.json``.
    """
    header = doc.get("header") if isinstance(doc, dict) else None
    if not isinstance(header, dict):
        return None
    wanted: List[Tuple[str, str]] = []
    if isinstance(header.get("identities"), str):
        wanted.append(("identities", header["identities"]))
    if header.get("name") in _V2_PUBLISHED_KEY_SETS or header.get("name") == "didcomm_v2_seeded":
        wanted.append(("v2_keys", _V2_KEYS_FILE))
    if not wanted:
        return None
    context: Dict[str, Any] = {}
    for key, name in wanted:
        other = os.path.join(os.path.dirname(path), name)
        try:
            with open(other, "rb") as fh:
                context[key] = loads(fh.read(), field=other)
        except (OSError, RefDIDCommError):
            context[f"{key}_problem"] = f"cannot read the {key.replace('_', ' ')} file {other}"
    return context
