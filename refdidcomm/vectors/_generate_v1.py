"""Generated DIDComm v1 vectors: RFC 0019 envelopes and RFC 0094 forwards.

Files in the schemas of the project's ``didcomm_v1_envelopes.json`` and
``didcomm_v1_forward.json``: named keys with 32-byte Ed25519 seeds from the
file's DRBG stream; every draw of :func:`refdidcomm.v1.pack` and
:func:`refdidcomm.v1.wrap_forward` is recorded (``rng_draws``,
``rng_draws_inner``, ``rng_draws_wrap``) so ``check`` re-packs byte for
byte. Negatives derived from each envelope: one byte flipped in the tag,
IV, ciphertext, a recipient's encrypted_key, its ``iv`` and ``sender``
(Authcrypt) inside the protected header, a raw protected byte (``typ``),
a truncated tag, a low-order ephemeral key in an Anoncrypt sealed box, and
the wrong recipient's key; for forwards, the wrong mediator.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from .. import did, v1
from ..encoding import b58encode, b64url_decode, b64url_encode
from ..errors import UsageError
from ._format import make_header
from ._generate_common import Cases, Context, compact_json, flip_b64u, truncate_b64u
from ._generate_crypto import LOW_ORDER_U

__all__ = ["generate_v1"]

_NAMES = ("alice", "bob", "carol", "dave", "eve", "mediator1", "mediator2", "mediator3")
_BASIC = "https://didcomm.org/basicmessage/1.0/message"


def _keys(rec: Any, ctx: Context) -> Dict[str, Dict[str, str]]:
    keys: Dict[str, Dict[str, str]] = {}
    for name in _NAMES:
        seed = rec(32)
        sk = v1.signing_key(seed, backend=ctx.backend)
        keys[name] = {"seed": seed.hex(), "verkey_b58": b58encode(sk.verkey), "did_key": did.verkey_to_did_key(b58encode(sk.verkey))}
    return keys


def _message(rec: Any, n: int) -> str:
    content = b64url_encode(rec(n))
    return compact_json(v1.make_message(_BASIC, {"sent_time": "2024-01-01 00:00:00Z", "content": content}, rng=rec))


def _mutate_protected(envelope: str, fn: Any) -> str:
    e = json.loads(envelope)
    p = json.loads(b64url_decode(e["protected"]))
    fn(p)
    e["protected"] = b64url_encode(compact_json(p).encode("utf-8"))
    return compact_json(e)


def _mutate(envelope: str, member: str, fn: Any) -> str:
    e = json.loads(envelope)
    e[member] = fn(e[member])
    return compact_json(e)


def _raw_protected_flip(envelope: str) -> str:
    e = json.loads(envelope)
    raw = bytearray(b64url_decode(e["protected"]))
    i = raw.index(b'"JWM/1.0"') + 5  # the '1' of JWM/1.0
    raw[i] ^= 0x01
    e["protected"] = b64url_encode(bytes(raw))
    return compact_json(e)


def _negatives(envelope: str, authcrypt: bool) -> List[Tuple[str, str, str, str, Optional[str]]]:
    """(flag, comment, envelope, error, field) derived from one valid envelope."""
    out: List[Tuple[str, str, str, str, Optional[str]]] = [
        ("ModifiedTag", "one tag byte flipped", _mutate(envelope, "tag", lambda v: flip_b64u(v, 0)), "DecryptionError", None),
        ("ModifiedIv", "one content iv byte flipped", _mutate(envelope, "iv", lambda v: flip_b64u(v, 0)), "DecryptionError", None),
        ("ModifiedCiphertext", "one ciphertext byte flipped", _mutate(envelope, "ciphertext", lambda v: flip_b64u(v, -1)), "DecryptionError", None),
        ("Truncated", "tag truncated by one byte", _mutate(envelope, "tag", truncate_b64u), "MalformedMessage", "tag"),
        ("ModifiedEncryptedKey", "one byte of every encrypted_key flipped", _mutate_protected(envelope, lambda p: [
            r.update(encrypted_key=flip_b64u(r["encrypted_key"], 40)) for r in p["recipients"]]), "DecryptionError", None),
        ("ModifiedProtected", "one raw byte of the protected header flipped (typ JWM/1.0 -> JWM/0.0)", _raw_protected_flip(envelope),
         "MalformedMessage", "protected.typ"),
    ]
    if authcrypt:
        out.append(("ModifiedSender", "one byte of every sealed sender flipped", _mutate_protected(envelope, lambda p: [
            r["header"].update(sender=flip_b64u(r["header"]["sender"], 40)) for r in p["recipients"]]), "DecryptionError", None))
        out.append(("ModifiedIv", "one byte of every cek iv flipped", _mutate_protected(envelope, lambda p: [
            r["header"].update(iv=flip_b64u(r["header"]["iv"], 0)) for r in p["recipients"]]), "DecryptionError", None))
    else:
        def low(p: Dict[str, Any]) -> None:
            for r in p["recipients"]:
                sealed = b64url_decode(r["encrypted_key"])
                r["encrypted_key"] = b64url_encode(LOW_ORDER_U[1] + sealed[32:])
        out.append(("LowOrderPoint", "sealed-box epk of every recipient replaced by a low-order point", _mutate_protected(envelope, low),
                    "DecryptionError", None))
    return out


def _envelopes(ctx: Context) -> Dict[str, Any]:
    rec, out, be = ctx.rng("didcomm_v1_envelopes"), Cases(), ctx.backend
    keys = _keys(rec, ctx)
    plan = [("alice", ["bob"]), ("alice", ["bob", "carol", "dave"]), (None, ["bob"]), (None, ["carol", "dave"]), ("carol", ["alice"])]
    for i, (sender, recipients) in enumerate(plan):
        message = _message(rec, (0, 1, 17, 64, 65)[i])
        sender_seed = bytes.fromhex(keys[sender]["seed"]) if sender else None
        packed, draws = rec.record(lambda rng: v1.pack(message.encode("utf-8"), [keys[n]["verkey_b58"] for n in recipients],
                                                        sender_seed, backend=be, rng=rng))
        envelope = packed.decode("utf-8")
        kind = "Authcrypt" if sender else "Anoncrypt"
        what = f"{kind} {sender + ' -> ' if sender else ''}{', '.join(recipients)}"
        out.add(what, [kind], "valid", {"producer": "refdidcomm.v1.pack", "message_utf8": message, "sender": sender,
                                        "recipients": recipients, "rng_draws": draws, "envelope_utf8": envelope, "open_as": recipients})
        for flag, comment, mutated, error, field in _negatives(envelope, bool(sender)):
            body: Dict[str, Any] = {"envelope_utf8": mutated, "open_as": [recipients[0]]}
            if field is not None:
                body["field"] = field
            out.add(f"{what}: {comment}", [flag], "invalid", body, error)
        out.add(f"{what}: opened by eve, who is not a recipient", ["WrongRecipient"], "invalid",
                {"envelope_utf8": envelope, "open_as": ["eve"]}, "DecryptionError")
    header = make_header(name="didcomm_v1_envelopes", schema="didcomm_v1_envelopes",
                         algorithm="Aries RFC 0019 encryption envelope: Authcrypt, Anoncrypt", seed=ctx.seed, command=ctx.command,
                         stream="didcomm_v1_envelopes", backends=ctx.checked_on, source=["Aries RFC 0019", "Aries RFC 0020 (message ids)"], notes=[
        "keys: name -> Ed25519 seed (hex, from the DRBG), verkey_b58, did_key.",
        "Valid: unpack(envelope_utf8, seed of each open_as) gives message_utf8 and the verkeys; pack(message_utf8, recipients' "
        "verkeys, sender seed, rng replaying rng_draws) reproduces envelope_utf8.",
        "Invalid: unpack as open_as[0] raises error (field: the MalformedMessage field)."])
    return {"header": header, "keys": keys, "cases": out.cases}


def _forward(ctx: Context) -> Dict[str, Any]:
    rec, out, be = ctx.rng("didcomm_v1_forward"), Cases(), ctx.backend
    keys = _keys(rec, ctx)
    mediators = ["mediator1", "mediator2", "mediator3"]
    for hops, (sender, recipient) in zip((1, 2, 3), (("alice", "bob"), (None, "carol"), ("alice", "dave"))):
        routing_names = mediators[:hops]  # routingKeys order: the first is nearest the recipient
        message = _message(rec, 16 * hops)
        sender_seed = bytes.fromhex(keys[sender]["seed"]) if sender else None
        recipient_vk = keys[recipient]["verkey_b58"]
        inner, draws_inner = rec.record(lambda rng: v1.pack(message.encode("utf-8"), [recipient_vk], sender_seed, backend=be, rng=rng))
        routing = [{"key": n, "form": "did_key" if j % 2 else "verkey_b58", "value": keys[n]["did_key" if j % 2 else "verkey_b58"]}
                   for j, n in enumerate(routing_names)]
        outer, draws_wrap = rec.record(lambda rng: v1.wrap_forward(inner, recipient_vk, [r["value"] for r in routing], backend=be, rng=rng))
        steps = []
        envelope: Any = outer
        for j, name in enumerate(reversed(routing_names)):  # delivery order: the last routing key is the first hop
            got = v1.unwrap_forward(envelope, bytes.fromhex(keys[name]["seed"]), backend=be)
            nxt = keys[list(reversed(routing_names))[j + 1]]["verkey_b58"] if j + 1 < hops else recipient_vk
            if got.to != nxt:
                raise UsageError(f"wrap_forward layered the hops in an unexpected order ({got.to} != {nxt})")
            steps.append({"open_as": name, "to": got.to, "message_id": got.message_id, "msg_utf8": got.msg.decode("utf-8")})
            envelope = got.msg
        if envelope != inner:
            raise UsageError("the innermost forward does not carry the packed message")
        what = f"{'Authcrypt ' + sender if sender else 'Anoncrypt'} -> {recipient} through {hops} mediator(s)"
        out.add(what, [f"Hops{hops}"], "valid", {
            "producer": "refdidcomm.v1.pack then refdidcomm.v1.wrap_forward", "message_utf8": message, "sender": sender,
            "recipient": recipient, "routing_keys": routing, "rng_draws_inner": draws_inner, "rng_draws_wrap": draws_wrap,
            "inner_envelope_utf8": inner.decode("utf-8"), "envelope_utf8": outer.decode("utf-8"), "hops": steps})
        first = steps[0]["open_as"]
        wrong = next(n for n in _NAMES if n != first and n.startswith("mediator"))
        out.add(f"{what}: the first hop opened by {wrong}", ["WrongRecipient"], "invalid",
                {"envelope_utf8": outer.decode("utf-8"), "open_as": wrong}, "DecryptionError")
        out.add(f"{what}: one tag byte of the outer envelope flipped", ["ModifiedTag"], "invalid",
                {"envelope_utf8": _mutate(outer.decode("utf-8"), "tag", lambda v: flip_b64u(v, 0)), "open_as": first}, "DecryptionError")
    header = make_header(name="didcomm_v1_forward", schema="didcomm_v1_forward", algorithm="Aries RFC 0094 routing/1.0 forward over RFC 0019 Anoncrypt",
                         seed=ctx.seed, command=ctx.command, stream="didcomm_v1_forward", backends=ctx.checked_on,
                         source=["Aries RFC 0094", "Aries RFC 0019", "Aries RFC 0067 (routingKeys order)"], notes=[
        "routing_keys are in the service's routingKeys order: the first is the mediator nearest the recipient, the last is the first hop.",
        "hops are in delivery order: unwrap_forward(envelope, open_as) gives to, message_id and msg_utf8 (the next envelope).",
        "Invalid: unwrap_forward(envelope_utf8, open_as) raises error."])
    return {"header": header, "keys": keys, "cases": out.cases}


def generate_v1(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The v1 suite: envelopes and forwards."""
    return {"didcomm_v1_envelopes.json": _envelopes(ctx), "didcomm_v1_forward.json": _forward(ctx)}
