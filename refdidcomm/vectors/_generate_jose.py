"""Generated JOSE vectors: JWK, JWS (EdDSA, ES256, ES256K), JWE (DIDComm profile), AES_CBC_HMAC_SHA2.

Files in the schemas of the project's ``jose_*.json`` files. Keys are drawn
with :func:`refdidcomm.jwk.generate` from each file's stream; JWEs record
every draw of :func:`refdidcomm.jwe.encrypt` (ephemeral key, CEK, IV) in
``rng_draws``, so ``check`` re-encrypts them byte for byte. Negatives are
derived from each positive JWE: one byte flipped in the tag, IV,
ciphertext, an encrypted_key and the protected header (inside the epk);
truncated tag; wrong ``apv``, ``apu`` and ``skid``; an epk off the curve
(NIST curves) or of low order (X25519); the wrong recipient's key.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional, Tuple

from .. import _jose_algorithms, jwe, jwk, jws
from ..encoding import b64url_decode, b64url_encode
from ._format import make_header
from ._generate_common import Cases, Context, compact_json, flip_b64u, flip_hex, truncate_b64u
from ._generate_crypto import LOW_ORDER_U, SIZES

__all__ = ["generate_jose", "ANON_ENCS", "AGREEMENT_CURVES"]

#: Key-agreement curves of the DIDComm v2 JWE profile and the anoncrypt content encryptions.
AGREEMENT_CURVES = ("X25519", "P-256", "P-384", "P-521")
ANON_ENCS = ("A256CBC-HS512", "A256GCM", "XC20P")
_SIGNING = (("Ed25519", "EdDSA"), ("P-256", "ES256"), ("secp256k1", "ES256K"))
_ALL_CURVES = ("Ed25519", "X25519", "P-256", "P-384", "P-521", "secp256k1")


def _header(ctx: Context, name: str, schema: str, algorithm: str, source: List[str], notes: List[str]) -> Dict[str, Any]:
    return make_header(name=name, schema=schema, algorithm=algorithm, seed=ctx.seed, command=ctx.command, stream=name,
                       backends=ctx.checked_on, source=source, notes=notes)


def _slug(crv: str) -> str:
    return crv.lower().replace("-", "")


# ---------------------------------------------------------------------------
# JWK
# ---------------------------------------------------------------------------


def _jwk_file(ctx: Context) -> Dict[str, Any]:
    rec, out = ctx.rng("jose_jwk"), Cases()
    for crv in _ALL_CURVES:
        kid = f"did:example:alice#key-{_slug(crv)}-1"
        key, draws = rec.record(lambda rng: jwk.generate(crv, rng=rng, kid=kid, backend=ctx.backend))
        private = key.to_dict(private=True)
        out.add(f"{crv} key from the DRBG (jwk.generate)", [], "valid", {
            "jwk": private, "public_jwk": key.to_dict(), "thumbprint_b64u": key.thumbprint(), "seed_rng_draws": draws})
        other = jwk.generate(crv, rng=rec, backend=ctx.backend).to_dict(private=True)
        out.add(f"{crv}: d of another key", ["MismatchedKey"], "invalid", {"jwk": dict(private, d=other["d"])}, "InvalidKey")
        out.add(f"{crv}: x truncated by one byte", ["Truncated"], "invalid", {"jwk": dict(private, x=truncate_b64u(private["x"]))}, "InvalidKey")
        missing = dict(private)
        del missing["x"]
        out.add(f"{crv}: x missing", ["MissingMember"], "invalid", {"jwk": missing}, "MalformedMessage")
        if "y" in private:
            out.add(f"{crv}: public point off the curve (y flipped)", ["OffCurve"], "invalid",
                    {"jwk": {k: v for k, v in dict(private, y=flip_b64u(private["y"], -1)).items() if k != "d"}}, "InvalidKey")
    return {"header": _header(ctx, "jose_jwk", "jose_jwk", "JWK (RFC 7517, RFC 8037, RFC 7518 §6.2)", ["RFC 7517", "RFC 7638", "RFC 8037 §2"], [
        "Valid: JWK.from_dict(jwk) gives public_jwk and the RFC 7638 thumbprint; jwk.generate(crv, rng replaying "
        "seed_rng_draws, kid) gives jwk again."]), "cases": out.cases}


# ---------------------------------------------------------------------------
# JWS
# ---------------------------------------------------------------------------


def _jws_file(ctx: Context) -> Dict[str, Any]:
    rec, out = ctx.rng("jose_jws"), Cases()
    keys = {alg: jwk.generate(crv, rng=rec, kid=f"did:example:alice#key-{_slug(crv)}-1", backend=ctx.backend) for crv, alg in _SIGNING}
    stranger = {alg: jwk.generate(crv, rng=rec, kid=keys[alg].kid, backend=ctx.backend) for crv, alg in _SIGNING}
    payload = compact_json({"id": b64url_encode(rec(12)), "type": "https://example.com/protocols/lets_do_lunch/1.0/proposal",
                            "from": "did:example:alice", "to": ["did:example:bob"], "created_time": 1516269022, "body": {"messagespecificattribute": "and its value"}})
    be = ctx.backend
    for alg, key in keys.items():
        pub = {key.kid: key.to_dict()}
        for serialization in ("general", "compact"):
            if serialization == "general":
                signed: Any = jws.sign(payload.encode(), [key], backend=be)
                typ: Optional[str] = jws.DIDCOMM_SIGNED_TYP
            else:
                signed = jws.sign_compact(payload.encode(), key, backend=be)
                typ = "JWT"
            base = {"serialization": serialization, "payload_utf8": payload, "typ": typ, "jws": signed, "public_jwks": pub}
            out.add(f"{alg} {serialization} JWS of a DIDComm plaintext", [], "valid",
                    dict(base, private_jwks={key.kid: key.to_dict(private=True)}, signer_kids=[key.kid], expected_kids=[key.kid]))
            neg = {"serialization": serialization, "public_jwks": pub}
            for flag, comment, mutated in _jws_mutations(signed):
                out.add(f"{alg} {serialization}: {comment}", [flag], "invalid", dict(neg, jws=mutated), "InvalidSignature")
            out.add(f"{alg} {serialization}: verified with another key under the same kid", ["WrongKey"], "invalid",
                    dict(neg, jws=signed, public_jwks={key.kid: stranger[alg].to_dict()}), "InvalidSignature")
            out.add(f"{alg} {serialization}: the signer's kid names no supplied key", ["UnknownKid"], "invalid",
                    dict(neg, jws=signed, public_jwks={key.kid + "-other": key.to_dict()}), "KeyNotFound")
    two = jws.sign(payload.encode(), [keys["EdDSA"], keys["ES256K"]], backend=be)
    pub2 = {k.kid: k.to_dict() for k in (keys["EdDSA"], keys["ES256K"])}
    out.add("two signatures (EdDSA, ES256K), general JSON", [], "valid", {
        "serialization": "general", "payload_utf8": payload, "typ": jws.DIDCOMM_SIGNED_TYP, "jws": two, "public_jwks": pub2,
        "private_jwks": {k.kid: k.to_dict(private=True) for k in (keys["EdDSA"], keys["ES256K"])},
        "signer_kids": [keys["EdDSA"].kid, keys["ES256K"].kid], "expected_kids": [keys["EdDSA"].kid, keys["ES256K"].kid]})
    return {"header": _header(ctx, "jose_jws", "jose_jws", "JWS (RFC 7515) EdDSA, ES256, ES256K: General JSON and Compact",
                              ["RFC 7515", "RFC 8037 §3.1", "RFC 8812 §3.2", "RFC 6979"], [
        "Valid: verify(jws, public_jwks) gives payload_utf8 and expected_kids; signing payload_utf8 with private_jwks "
        "(signer_kids order, typ) reproduces jws (EdDSA and RFC 6979 ECDSA are deterministic; ES256K is low-S)."]),
        "cases": out.cases}


def _jws_mutations(signed: Any) -> List[Tuple[str, str, Any]]:
    """(flag, comment, mutated JWS): signature R/S flips, truncation, payload and protected flips."""
    out = []
    if isinstance(signed, str):
        p, pl, s = signed.split(".")
        out.append(("ModifiedSignature", "first signature byte flipped", ".".join((p, pl, flip_b64u(s, 0)))))
        out.append(("ModifiedSignature", "last signature byte flipped", ".".join((p, pl, flip_b64u(s, -1)))))
        out.append(("Truncated", "signature truncated by one byte", ".".join((p, pl, truncate_b64u(s)))))
        out.append(("ModifiedPayload", "one payload byte flipped", ".".join((p, _flip_json_b64u(pl), s))))
        out.append(("ModifiedProtected", "one protected-header byte flipped", ".".join((_flip_json_b64u(p), pl, s))))
        return out
    for flag, comment, fn in (
        ("ModifiedSignature", "first signature byte flipped", lambda m: m["signatures"][0].update(signature=flip_b64u(m["signatures"][0]["signature"], 0))),
        ("ModifiedSignature", "last signature byte flipped", lambda m: m["signatures"][0].update(signature=flip_b64u(m["signatures"][0]["signature"], -1))),
        ("Truncated", "signature truncated by one byte", lambda m: m["signatures"][0].update(signature=truncate_b64u(m["signatures"][0]["signature"]))),
        ("ModifiedPayload", "one payload byte flipped", lambda m: m.update(payload=_flip_json_b64u(m["payload"]))),
        ("ModifiedProtected", "one protected-header byte flipped", lambda m: m["signatures"][0].update(protected=_flip_json_b64u(m["signatures"][0]["protected"]))),
    ):
        m = copy.deepcopy(signed)
        fn(m)
        out.append((flag, comment, m))
    return out


def _flip_json_b64u(text: str) -> str:
    """Flip one byte inside the first string value of a base64url JSON object, keeping it valid JSON.

    The changed byte is the last character of the first string value (a
    letter, digit or base64url character, flipped in its lowest bit, which
    keeps it printable and not a quote or backslash).
    """
    raw = bytearray(b64url_decode(text))
    colon = raw.index(b'":"')  # the first "member":"value"
    end = raw.index(b'"', colon + 3)
    raw[end - 1] ^= 0x01
    if raw[end - 1] in b'"\\':
        raw[end - 1] ^= 0x03
    return b64url_encode(bytes(raw))


# ---------------------------------------------------------------------------
# JWE
# ---------------------------------------------------------------------------


def _protected(j: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(b64url_decode(j["protected"]))


def _with_protected(j: Dict[str, Any], header: Dict[str, Any]) -> Dict[str, Any]:
    m = copy.deepcopy(j)
    m["protected"] = b64url_encode(compact_json(header).encode("utf-8"))
    return m


def _jwe_file(ctx: Context) -> Dict[str, Any]:
    rec, out, be = ctx.rng("jose_jwe"), Cases(), ctx.backend
    parties: Dict[str, Dict[str, jwk.JWK]] = {}
    for crv in AGREEMENT_CURVES:
        s = _slug(crv)
        parties[crv] = {
            "alice": jwk.generate(crv, rng=rec, kid=f"did:example:alice#key-{s}-1", backend=be),
            "bob1": jwk.generate(crv, rng=rec, kid=f"did:example:bob#key-{s}-1", backend=be),
            "bob2": jwk.generate(crv, rng=rec, kid=f"did:example:bob#key-{s}-2", backend=be),
            "eve": jwk.generate(crv, rng=rec, kid=f"did:example:bob#key-{s}-1", backend=be),  # same kid, other key
        }
    i = 0
    for crv in AGREEMENT_CURVES:
        p = parties[crv]
        for enc in ANON_ENCS + ("AUTH",):
            auth = enc == "AUTH"
            enc_name = "A256CBC-HS512" if auth else enc
            alg = "ECDH-1PU+A256KW" if auth else "ECDH-ES+A256KW"
            recipients = [p["bob1"], p["bob2"]] if i % 2 == 0 else [p["bob1"]]
            i += 1
            plaintext = rec(SIZES[i % len(SIZES)] + 16 * (i % 3))
            sender = p["alice"] if auth else None
            token, draws = rec.record(lambda rng: jwe.encrypt(plaintext, recipients, alg=alg, enc=enc_name, sender=sender, rng=rng, backend=be))
            private = {k.kid: k.to_dict(private=True) for k in recipients}
            body: Dict[str, Any] = {"didcomm": True, "jwe": token, "recipient_private_jwks": private}
            if auth:
                body["sender_public_jwks"] = {p["alice"].kid: p["alice"].to_dict()}
            what = f"{'authcrypt' if auth else 'anoncrypt'} {alg} {enc_name} on {crv}, {len(recipients)} recipient(s), {len(plaintext)}-byte plaintext"
            valid = dict(body, plaintext=plaintext.hex(), alg=alg, enc=enc_name, rng_draws=draws,
                         recipients_public_jwks=[k.to_dict() for k in recipients])
            if auth:
                valid["sender_private_jwk"] = p["alice"].to_dict(private=True)
                valid["expected_sender_kid"] = p["alice"].kid
            out.add(what, ["Authcrypt" if auth else "Anoncrypt"], "valid", valid)
            for flag, comment, mutated, error, keys in _jwe_mutations(token, crv, auth, p):
                neg = dict(body, jwe=mutated)
                if keys is not None:
                    neg["recipient_private_jwks"] = keys
                out.add(f"{what}: {comment}", [flag], "invalid", neg, error)
    return {"header": _header(ctx, "jose_jwe", "jose_jwe", "JWE General JSON, DIDComm v2 profile: ECDH-ES+A256KW, ECDH-1PU+A256KW",
                              ["RFC 7516", "RFC 7518 §4.6", "draft-madden-jose-ecdh-1pu-04", "DIDComm Messaging v2 §Message Encryption"], [
        "didcomm: true = decrypt with the DIDComm v2 profile checks (apv, apu/skid, typ).",
        "Valid: every recipient in recipient_private_jwks decrypts to plaintext (hex); jwe.encrypt(plaintext, "
        "recipients_public_jwks, alg, enc, sender_private_jwk, rng replaying rng_draws) reproduces jwe exactly.",
        "Invalid: decrypting with recipient_private_jwks (and sender_public_jwks) raises error; every cryptographic "
        "failure is the opaque DecryptionError, header-formula failures are MalformedMessage."]),
        "cases": out.cases}


def _jwe_mutations(token: Dict[str, Any], crv: str, auth: bool, p: Dict[str, jwk.JWK]) -> List[Tuple[str, str, Dict[str, Any], str, Optional[Dict[str, Any]]]]:
    out: List[Tuple[str, str, Dict[str, Any], str, Optional[Dict[str, Any]]]] = []

    def m(flag: str, comment: str, fn: Any, error: str = "DecryptionError", keys: Optional[Dict[str, Any]] = None) -> None:
        t = copy.deepcopy(token)
        fn(t)
        out.append((flag, comment, t, error, keys))

    m("ModifiedTag", "one tag byte flipped", lambda t: t.update(tag=flip_b64u(t["tag"], 0)))
    m("ModifiedIv", "one IV byte flipped", lambda t: t.update(iv=flip_b64u(t["iv"], 0)))
    m("ModifiedCiphertext", "one ciphertext byte flipped", lambda t: t.update(ciphertext=flip_b64u(t["ciphertext"], -1)))
    m("ModifiedEncryptedKey", "one byte of every encrypted_key flipped",
      lambda t: [r.update(encrypted_key=flip_b64u(r["encrypted_key"], 3)) for r in t["recipients"]])
    m("Truncated", "tag truncated by one byte", lambda t: t.update(tag=truncate_b64u(t["tag"])))
    header = _protected(token)
    epk = dict(header["epk"])
    flipped = dict(header, epk=dict(epk, x=flip_b64u(epk["x"], 5)))
    out.append(("ModifiedProtected", "one byte of the protected header flipped (in epk.x)", _with_protected(token, flipped), "DecryptionError", None))
    if crv == "X25519":
        low = dict(header, epk=dict(epk, x=b64url_encode(LOW_ORDER_U[3])))
        out.append(("LowOrderPoint", "epk replaced by a point of order 8", _with_protected(token, low), "DecryptionError", None))
    else:
        off = dict(header, epk=dict(epk, y=flip_b64u(epk["y"], -1)))
        out.append(("InvalidEpk", "epk off the curve (y flipped)", _with_protected(token, off), "DecryptionError", None))
    wrong_apv = dict(header, apv=jwe.compute_apv(["did:example:mallory#key-1"]))
    out.append(("WrongApv", "apv of another recipient list", _with_protected(token, wrong_apv), "MalformedMessage", None))
    if auth:
        wrong_apu = dict(header, apu=b64url_encode(b"did:example:mallory#key-1"))
        out.append(("WrongApu", "apu that is not b64url(skid)", _with_protected(token, wrong_apu), "MalformedMessage", None))
        wrong_skid = dict(header, skid="did:example:mallory#key-1")
        out.append(("WrongSkid", "skid that apu does not name", _with_protected(token, wrong_skid), "MalformedMessage", None))
    eve = p["eve"]
    out.append(("WrongRecipient", "the wrong recipient's key under bob's kid", copy.deepcopy(token), "DecryptionError",
                {eve.kid: eve.to_dict(private=True)}))
    return out


# ---------------------------------------------------------------------------
# AES_CBC_HMAC_SHA2
# ---------------------------------------------------------------------------


def _cbc_hmac_file(ctx: Context) -> Dict[str, Any]:
    rec, out = ctx.rng("jose_aes_cbc_hmac_sha2"), Cases()
    for enc, klen in (("A128CBC-HS256", 32), ("A256CBC-HS512", 64)):
        algo = _jose_algorithms.content_encryption_algorithm(enc)
        for size in SIZES:
            key, iv, aad, pt = rec(klen), rec(16), rec(size % 23), rec(size)
            ct, tag = algo.encrypt(key, iv, pt, aad, backend=ctx.backend)
            base = {"enc": enc, "key": key.hex(), "iv": iv.hex(), "aad": aad.hex(), "plaintext": pt.hex(), "ciphertext": ct.hex(), "tag": tag.hex()}
            out.add(f"{enc}, {size}-byte plaintext, {len(aad)}-byte AAD", [], "valid", base)
            for flag, field, idx in (("ModifiedTag", "tag", 0), ("ModifiedCiphertext", "ciphertext", -1), ("ModifiedIv", "iv", 0)):
                out.add(f"{enc} {size}: one {field} byte flipped", [flag], "invalid", dict(base, **{field: flip_hex(base[field], idx)}), "DecryptionError")
            if aad:
                out.add(f"{enc} {size}: one AAD byte flipped", ["ModifiedAad"], "invalid", dict(base, aad=flip_hex(base["aad"], 0)), "DecryptionError")
            out.add(f"{enc} {size}: tag truncated by one byte", ["Truncated"], "invalid", dict(base, tag=base["tag"][:-2]), "DecryptionError")
    return {"header": _header(ctx, "jose_aes_cbc_hmac_sha2", "jose_aes_cbc_hmac_sha2", "AES_CBC_HMAC_SHA2 (RFC 7518 §5.2)", ["RFC 7518 §5.2"], []),
            "cases": out.cases}


def generate_jose(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The jose suite: file name -> document."""
    return {
        "jose_jwk.json": _jwk_file(ctx),
        "jose_jws.json": _jws_file(ctx),
        "jose_jwe.json": _jwe_file(ctx),
        "jose_aes_cbc_hmac_sha2.json": _cbc_hmac_file(ctx),
    }
