"""Generated DIDComm v2 vectors (schema ``didcomm_v2_generated``), keys from ``identities.json``.

Positives: plaintext; signed with EdDSA, ES256 and ES256K; anoncrypt on each
curve (X25519, P-256, P-384, P-521) x each ``enc`` (A256CBC-HS512, A256GCM,
XC20P); authcrypt on each curve; protect_sender; sign-then-encrypt
(authcrypt and anoncrypt); one JWE for two recipients; forward chains of
1, 2 and 3 mediators (carol, dave, erin's services); a ``from_prior``
rotation (charlie-old -> charlie, authcrypted by the new DID: "The message
MUST be encrypted, MUST use the new DID") and a relationship ending (no
``sub``, no ``from``, anoncrypt). Every draw of :func:`refdidcomm.v2.pack_encrypted` is recorded
in ``rng_draws``; signing is deterministic. The expected metadata is written
from the pack arguments, not read back from unpack.

Negatives derived from each positive: for encrypted messages the JWE
mutations of the jose suite on the outer layer (flipped tag, IV,
ciphertext, encrypted_key, protected header; truncated tag; low-order or
off-curve epk; wrong apv, apu, skid; another key under the recipient's kid)
and a party that is not a recipient; for signed messages flipped signature
and payload bytes and a JWS whose signer is not ``from``; a ``from_prior``
with a bad signature and one whose ``sub`` is not ``from``; for forwards a
flipped outer tag and the wrong mediator.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Optional, Tuple

from .. import jwe, jwk, jws, v2
from ..encoding import b64url_decode, b64url_encode
from ._format import make_header
from ._generate_common import Cases, Context, Recorder, compact_json, flip_b64u
from ._generate_did import make_identities
from ._generate_jose import ANON_ENCS, _jwe_mutations, _jws_mutations

__all__ = ["generate_v2"]

_BASIC = "https://didcomm.org/basicmessage/2.0/message"
_SIGN_ALGS = {"Ed25519": "EdDSA", "P-256": "ES256", "secp256k1": "ES256K"}


class _Parties:
    """The identities by name: DIDs, kids by (purpose, curve), secrets."""

    def __init__(self, identities: Dict[str, Any]) -> None:
        self.by_name = {c["name"]: c for c in identities["cases"] if c.get("op") == "identity"}

    def did(self, name: str) -> str:
        return self.by_name[name]["did_peer_2"]

    def kid(self, name: str, purpose: str, crv: str) -> str:
        return next(k["kid"] for k in self.by_name[name]["keys"] if k["purpose"] == purpose and k["crv"] == crv)

    def secrets(self, name: str) -> Dict[str, jwk.JWK]:
        return {k["kid"]: jwk.JWK.from_dict(k["private_jwk"]) for k in self.by_name[name]["keys"]}


def _message(rec: Recorder, frm: Optional[str], to: List[str], n: int, **extra: Any) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"id": str(uuid.UUID(bytes=rec(16), version=4)), "typ": v2.PLAINTEXT_TYP, "type": _BASIC}
    if frm is not None:
        msg["from"] = frm
    msg["to"] = to
    msg["created_time"] = 1700000000 + n
    msg.update(extra)
    msg["body"] = {"content": b64url_encode(rec(8 + 7 * (n % 5)))}
    return msg


def _metadata(pack: Dict[str, Any], op: str, result: Any, sign_crv: Optional[str], anon_enc: Optional[str],
              from_prior_kid: Optional[str]) -> Dict[str, Any]:
    """The metadata unpack must report, written from the pack arguments (and the kids pack chose)."""
    frm, sign_from, protect = pack.get("frm"), pack.get("sign_from"), pack.get("protect_sender", False)
    encrypted = op == "encrypted"
    return {
        "encrypted": encrypted,
        "authenticated": bool(frm or sign_from),
        "non_repudiation": bool(sign_from),
        "anonymous_sender": encrypted and (frm is None or protect),
        "re_wrapped_in_forward": False,
        "encrypted_from": getattr(result, "from_kid", None) if frm else None,
        "encrypted_to": list(result.to_kids) if encrypted else None,
        "sign_from": getattr(result, "sign_from_kid", None) if sign_from else None,
        "sign_alg": _SIGN_ALGS[sign_crv] if sign_crv else None,
        "enc_alg_auth": "ECDH-1PU+A256KW/A256CBC-HS512" if frm else None,
        "enc_alg_anon": f"ECDH-ES+A256KW/{anon_enc}" if encrypted and (frm is None or protect) else None,
        "from_prior_issuer_kid": from_prior_kid,
    }


def _outer_crv(packed: str) -> str:
    protected = json.loads(b64url_decode(json.loads(packed)["protected"]))
    return protected["epk"]["crv"]


def _outer_is_auth(packed: str) -> bool:
    protected = json.loads(b64url_decode(json.loads(packed)["protected"]))
    return protected["alg"].startswith("ECDH-1PU")


def generate_v2(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The v2 suite: ``didcomm_v2_generated.json`` and the ``identities.json`` it uses."""
    identities = make_identities(ctx)
    P = _Parties(identities)
    rec, out, be = ctx.rng("didcomm_v2_generated"), Cases(), ctx.backend
    resolver = v2.make_resolver()
    A, B = P.did("alice"), P.did("bob")
    counter = [0]

    def nxt() -> int:
        counter[0] += 1
        return counter[0]

    def add_valid(comment: str, flags: List[str], op: str, packer: str, message: Dict[str, Any], pack: Dict[str, Any],
                  unpack_as: str, sign_crv: Optional[str] = None, anon_enc: Optional[str] = None,
                  from_prior_kid: Optional[str] = None) -> Tuple[str, Dict[str, Any], Any]:
        secrets = P.secrets(packer)
        draws: List[str] = []
        if op == "plaintext":
            result: Any = None
            packed = v2.pack_plaintext(message)
        elif op == "signed":
            result = v2.pack_signed(message, pack["sign_from"], secrets=secrets, resolver=resolver, backend=be)
            packed = result.packed
        else:
            result, draws = rec.record(lambda rng: v2.pack_encrypted(message, secrets=secrets, resolver=resolver, rng=rng, backend=be, **pack))
            packed = result.packed
        hops = []
        meta = result.service_metadata if op == "encrypted" else None
        if meta is not None and meta.routing_keys:
            # routingKeys order: the first routing key opens the outermost forward.
            names = [next(n for n in P.by_name if P.by_name[n]["did_peer_2"] == rk.split("#")[0]) for rk in meta.routing_keys]
            # body.next: the next routing key (a key id) for a mediator, the recipient's DID at the last hop.
            dids = list(meta.routing_keys[1:]) + [message["to"][0]]
            hops = [{"open_as": n, "next": d} for n, d in zip(names, dids)]
        body: Dict[str, Any] = {"operation": op, "message": message, "packer": packer, "pack": pack}
        if op == "encrypted":
            body["rng_draws"] = draws
        body["packed"] = packed
        if hops:
            body["hops"] = hops
        body["unpack_as"] = unpack_as
        body["expected_message"] = message
        body["expected_metadata"] = _metadata(pack, op, result, sign_crv, anon_enc, from_prior_kid)
        out.add(comment, flags, "valid", body)
        return packed, body, result

    def add_invalid(comment: str, flags: List[str], body: Dict[str, Any], error: str) -> None:
        out.add(comment, flags, "invalid", body, error)

    def encrypted_negatives(what: str, packed: str, unpack_as: str, first_kid: str, outsider: str) -> None:
        token = json.loads(packed)
        crv = _outer_crv(packed)
        stranger = jwk.generate(crv, rng=rec, kid=first_kid, backend=be)
        for flag, comment, mutated, error, keys in _jwe_mutations(token, crv, _outer_is_auth(packed), {"eve": stranger}):
            neg: Dict[str, Any] = {"packed": compact_json(mutated), "unpack_as": unpack_as}
            if keys is not None:
                neg["secrets_override"] = keys
            add_invalid(f"{what}: {comment}", [flag], neg, error)
        add_invalid(f"{what}: unpacked by {outsider}, who is not a recipient", ["WrongRecipient"],
                    {"packed": packed, "unpack_as": outsider}, "KeyNotFound")

    # -- plaintext --------------------------------------------------------
    msg = _message(rec, A, [B], nxt())
    add_valid("plaintext alice -> bob", ["Plaintext"], "plaintext", "alice", msg, {}, "bob")

    # -- signed: EdDSA, ES256, ES256K ---------------------------------------
    for crv, alg in _SIGN_ALGS.items():
        msg = _message(rec, A, [B], nxt())
        kid = P.kid("alice", "V", crv)
        packed, _, _ = add_valid(f"signed {alg} by alice", ["Signed"], "signed", "alice", msg, {"sign_from": kid}, "bob", sign_crv=crv)
        for flag, comment, mutated in _jws_mutations(json.loads(packed)):
            add_invalid(f"signed {alg}: {comment}", [flag], {"packed": compact_json(mutated), "unpack_as": "bob"}, "InvalidSignature")
    msg = _message(rec, A, [B], nxt())
    signed_by_bob = jws.sign(compact_json(msg).encode("utf-8"), [P.secrets("bob")[P.kid("bob", "V", "Ed25519")]], backend=be)
    add_invalid("a JWS whose signer (bob) is not the message's from (alice)", ["SignerNotFrom"],
                {"packed": compact_json(signed_by_bob), "unpack_as": "bob", "field": "from"}, "MalformedMessage")

    # -- anoncrypt: each curve x each enc; authcrypt: each curve --------------
    for crv in ("X25519", "P-256", "P-384", "P-521"):
        to_kid = P.kid("bob", "E", crv)
        for enc in ANON_ENCS:
            msg = _message(rec, A, [B], nxt())
            what = f"anoncrypt {crv} {enc} to bob"
            packed, _, _ = add_valid(what, ["Anoncrypt"], "encrypted", "alice", msg, {"to": to_kid, "enc": enc, "forward": False}, "bob", anon_enc=enc)
            encrypted_negatives(what, packed, "bob", to_kid, "carol")
        msg = _message(rec, A, [B], nxt())
        what = f"authcrypt {crv} alice -> bob"
        packed, _, _ = add_valid(what, ["Authcrypt"], "encrypted", "alice", msg,
                                 {"to": to_kid, "frm": P.kid("alice", "E", crv), "forward": False}, "bob")
        encrypted_negatives(what, packed, "bob", to_kid, "carol")

    # -- protect_sender, sign-then-encrypt, multi-recipient -------------------
    x_bob, x_alice = P.kid("bob", "E", "X25519"), P.kid("alice", "E", "X25519")
    msg = _message(rec, A, [B], nxt())
    what = "authcrypt X25519 with protect_sender (anoncrypt around authcrypt)"
    packed, _, _ = add_valid(what, ["Authcrypt", "ProtectSender"], "encrypted", "alice", msg,
                             {"to": x_bob, "frm": x_alice, "protect_sender": True, "enc": "XC20P", "forward": False}, "bob", anon_enc="XC20P")
    encrypted_negatives(what, packed, "bob", x_bob, "carol")
    msg = _message(rec, A, [B], nxt())
    what = "signed EdDSA then authcrypt X25519"
    packed, _, _ = add_valid(what, ["Signed", "Authcrypt"], "encrypted", "alice", msg,
                             {"to": x_bob, "frm": x_alice, "sign_from": P.kid("alice", "V", "Ed25519"), "forward": False}, "bob", sign_crv="Ed25519")
    encrypted_negatives(what, packed, "bob", x_bob, "carol")
    msg = _message(rec, A, [B], nxt())
    what = "signed ES256K then anoncrypt P-256 A256GCM"
    packed, _, _ = add_valid(what, ["Signed", "Anoncrypt"], "encrypted", "alice", msg,
                             {"to": P.kid("bob", "E", "P-256"), "sign_from": P.kid("alice", "V", "secp256k1"), "enc": "A256GCM", "forward": False},
                             "bob", sign_crv="secp256k1", anon_enc="A256GCM")
    encrypted_negatives(what, packed, "bob", P.kid("bob", "E", "P-256"), "carol")
    C = P.did("carol")
    msg = _message(rec, A, [B, C], nxt())
    what = "anoncrypt to two DIDs (bob, carol): one JWE, their common curve X25519"
    packed, _, _ = add_valid(what, ["Anoncrypt", "MultiRecipient"], "encrypted", "alice", msg, {"to": [B, C], "forward": False},
                             "carol", anon_enc="A256CBC-HS512")
    encrypted_negatives(what, packed, "bob", x_bob, "dave")
    msg = _message(rec, A, [B, C], nxt())
    add_valid("the same kind of message unpacked by bob", ["Anoncrypt", "MultiRecipient"], "encrypted", "alice", msg,
              {"to": [B, C], "forward": False}, "bob", anon_enc="A256CBC-HS512")

    # -- forward chains: carol (1 hop), dave (2), erin (3) ----------------------
    for name, hops in (("carol", 1), ("dave", 2), ("erin", 3)):
        D = P.did(name)
        for auth in (False, True):
            msg = _message(rec, A, [D], nxt())
            pack: Dict[str, Any] = {"to": D, "forward": True}
            if auth:
                pack["frm"] = x_alice
            what = f"{'authcrypt' if auth else 'anoncrypt'} alice -> {name} through {hops} mediator(s)"
            packed, body, _ = add_valid(what, ["Forward", f"Hops{hops}"], "encrypted", "alice", msg, pack, name,
                                        anon_enc=None if auth else "A256CBC-HS512")
            first = body["hops"][0]["open_as"]
            add_invalid(f"{what}: one tag byte of the outermost forward flipped", ["ModifiedTag"],
                        {"packed": compact_json(dict(json.loads(packed), tag=flip_b64u(json.loads(packed)["tag"], 0))), "open_as": first},
                        "DecryptionError")
            wrong = "mediator3" if first != "mediator3" else "mediator2"
            add_invalid(f"{what}: the outermost forward opened by {wrong}", ["WrongRecipient"], {"packed": packed, "open_as": wrong}, "KeyNotFound")

    # -- from_prior: rotation and ending -----------------------------------------
    old, new = P.did("charlie-old"), P.did("charlie")
    old_kid = P.kid("charlie-old", "V", "Ed25519")
    rotation = v2.create_from_prior(old, new, iat=1700000000, secrets=P.secrets("charlie-old"), resolver=resolver, backend=be)
    msg = _message(rec, new, [B], nxt(), from_prior=rotation)
    add_valid("from_prior rotation charlie-old -> charlie, authcrypt X25519", ["FromPrior", "Authcrypt"], "encrypted", "charlie", msg,
              {"to": x_bob, "frm": P.kid("charlie", "E", "X25519"), "forward": False}, "bob", from_prior_kid=old_kid)
    ending = v2.create_from_prior(old, None, iat=1700000100, secrets=P.secrets("charlie-old"), resolver=resolver, backend=be)
    msg = _message(rec, None, [B], nxt(), from_prior=ending)
    add_valid("from_prior ending the relationship (no sub, no from), anoncrypt X25519", ["FromPrior", "Ending", "Anoncrypt"], "encrypted",
              "charlie", msg, {"to": x_bob, "forward": False}, "bob", anon_enc="A256CBC-HS512", from_prior_kid=old_kid)
    # The rotation negatives are authcrypted (the spec: the message "MUST be encrypted, MUST use the new DID")
    # with jwe.encrypt directly, since pack_encrypted refuses to send them.
    bob_x = jwk.JWK.from_dict(next(k["public_jwk"] for k in P.by_name["bob"]["keys"] if k["kid"] == x_bob))

    def authcrypt_raw(message: Dict[str, Any], sender: str) -> str:
        sender_key = P.secrets(sender)[P.kid(sender, "E", "X25519")]
        token = jwe.encrypt(compact_json(message).encode("utf-8"), [bob_x], alg="ECDH-1PU+A256KW", enc="A256CBC-HS512",
                            sender=sender_key, rng=rec, backend=be)
        return compact_json(token)

    h, pl, sg = rotation.split(".")
    bad = _message(rec, new, [B], nxt(), from_prior=".".join((h, pl, flip_b64u(sg, 0))))
    add_invalid("from_prior with one signature byte flipped (authcrypt from charlie)", ["BadFromPriorSignature"],
                {"packed": authcrypt_raw(bad, "charlie"), "unpack_as": "bob"}, "InvalidSignature")
    stolen = _message(rec, A, [B], nxt(), from_prior=rotation)
    add_invalid("from_prior whose sub (charlie) is not the message's from (alice), authcrypt from alice", ["FromPriorSubMismatch"],
                {"packed": authcrypt_raw(stolen, "alice"), "unpack_as": "bob", "field": "from_prior"}, "MalformedMessage")

    header = make_header(
        name="didcomm_v2_generated", schema="didcomm_v2_generated", identities="identities.json",
        algorithm="DIDComm Messaging v2: plaintext, signed, anoncrypt, authcrypt, protect_sender, sign-then-encrypt, multi-recipient, routing/2.0 forwards, from_prior",
        seed=ctx.seed, command=ctx.command, stream="didcomm_v2_generated", backends=ctx.checked_on,
        source=["DIDComm Messaging v2 (identity.foundation/didcomm-messaging/spec)", "RFC 7515", "RFC 7516", "draft-madden-jose-ecdh-1pu-04"],
        notes=[
            "Parties are the identities of identities.json by name; secrets of a party = all its private_jwks; DIDs resolve by themselves (did:peer:2).",
            "Valid: operation plaintext -> v2.pack_plaintext(message); signed -> v2.pack_signed(message, pack.sign_from, secrets of packer); "
            "encrypted -> v2.pack_encrypted(message, **pack, secrets of packer, rng replaying rng_draws). The result must equal packed.",
            "hops (forwards): v2.unwrap_forward(packed, secrets of open_as) gives next; its forwarded message is the next layer, in order.",
            "Then v2.unpack(last layer, secrets of unpack_as) gives expected_message and expected_metadata (each listed member).",
            "Invalid: v2.unwrap_forward as open_as (when given) or v2.unpack as unpack_as, with secrets_override (kid -> private JWK) "
            "replacing entries, raises error (field: the MalformedMessage field).",
        ])
    return {"identities.json": identities, "didcomm_v2_generated.json": {"header": header, "cases": out.cases}}
