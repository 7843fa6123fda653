"""Seeded mutation tests: v1.unpack and v1.unwrap_forward raise only refdidcomm errors.

Each test starts from a valid object, mutates it (JSON nodes replaced,
deleted or added; bytes of the wire text flipped, inserted, deleted or
truncated) and checks that what comes back is either a result or a
:class:`~refdidcomm.errors.RefDIDCommError` -- never a KeyError, TypeError,
UnicodeError, OverflowError, RecursionError and so on. Seeded
(``derandomize=True``), so every run tries the same inputs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_vectors
from refdidcomm import crypto
from refdidcomm.errors import RefDIDCommError
from refdidcomm.v1 import pack, signing_key, unpack, unwrap_forward
from refdidcomm.v1._rfc0094 import forward_message

KEYS = load_vectors("didcomm_v1_envelopes")["keys"]
PURE = crypto.backend("pure")
SETTINGS = settings(
    derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _seed(name: str) -> bytes:
    return bytes.fromhex(KEYS[name]["seed"])


def _rng(label: bytes) -> Any:
    """A deterministic rng (SHA-256 in counter mode), so the base envelopes are fixed."""
    state = [0]

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            state[0] += 1
            out += hashlib.sha256(label + state[0].to_bytes(8, "big")).digest()
        return out[:n]

    return rng


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _d64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# JSON values a peer could send instead of the right one.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([10**400, -(10**400), 2**1024, 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", "=", "==", "a", "+/", "\x00", "é", "Authcrypt", "Anoncrypt", "JWM/1.0", "xchacha20poly1305_ietf"]),
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _paths(value: Any, prefix: tuple = ()) -> List[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, prefix + (i,))
    return out


def mutate_json(data: st.DataObject, value: Any) -> Any:
    """One structural mutation of a JSON value (a deep copy is changed)."""
    value = json.loads(json.dumps(value))
    path = data.draw(st.sampled_from(_paths(value)), label="path")
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    if not path:
        return data.draw(JSON, label="root")
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=8), label="key")] = data.draw(JSON, label="extra")
    else:
        parent[last] = data.draw(JSON, label="new")
    return value


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    """One byte-level mutation of wire text."""
    action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]), label="byte-action")
    i = data.draw(st.integers(0, max(len(raw) - 1, 0)), label="index")
    if action == "flip":
        return raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255), label="mask")]) + raw[i + 1 :]
    if action == "insert":
        return raw[:i] + data.draw(st.binary(min_size=1, max_size=4), label="ins") + raw[i:]
    if action == "delete":
        return raw[:i] + raw[i + 1 :]
    return raw[:i]


def mutate_envelope(data: st.DataObject, envelope: bytes) -> Any:
    """Mutate the outer JSON, the decoded protected header, or the bytes."""
    where = data.draw(st.sampled_from(["outer", "protected", "bytes"]), label="where")
    if where == "bytes":
        return mutate_bytes(data, envelope)
    outer = json.loads(envelope)
    if where == "outer":
        return mutate_json(data, outer)
    header = json.loads(_d64(outer["protected"]))
    outer["protected"] = _b64(json.dumps(mutate_json(data, header)).encode("utf-8"))
    return outer


BOB = signing_key(_seed("bob"))
CAROL = signing_key(_seed("carol"))
AUTHCRYPT = pack(b'{"@type": "https://didcomm.org/basicmessage/1.0/message"}', [BOB.verkey, CAROL.verkey], _seed("alice"), backend=PURE, rng=_rng(b"auth"))
ANONCRYPT = pack(b"hello", [BOB.verkey], backend=PURE, rng=_rng(b"anon"))


def _only_our_errors(call: Any) -> None:
    try:
        call()
    except RefDIDCommError:
        pass


@SETTINGS
@given(data=st.data(), envelope=st.sampled_from([AUTHCRYPT, ANONCRYPT]))
def test_unpack_raises_only_refdidcomm_errors(data: st.DataObject, envelope: bytes) -> None:
    mutated = mutate_envelope(data, envelope)
    _only_our_errors(lambda: unpack(mutated, [_seed("bob")], backend=PURE))


def _forward_to(mediator: bytes, plaintext: Any) -> bytes:
    """An Anoncrypt envelope to the mediator carrying ``plaintext`` (a forward, possibly broken)."""
    body = plaintext if isinstance(plaintext, bytes) else json.dumps(plaintext).encode("utf-8")
    return pack(body, [signing_key(mediator).verkey], backend=PURE, rng=_rng(b"fwd"))


FORWARD = forward_message(KEYS["bob"]["verkey_b58"], json.loads(ANONCRYPT), message_id="forward-mutation-1")


@SETTINGS
@given(data=st.data())
def test_unwrap_forward_raises_only_refdidcomm_errors(data: st.DataObject) -> None:
    mediator = _seed("mediator_near")
    if data.draw(st.booleans(), label="inner"):
        # a correctly encrypted envelope whose forward plaintext is broken
        plaintext: Any = mutate_json(data, FORWARD)
        if data.draw(st.booleans(), label="as-bytes"):
            plaintext = mutate_bytes(data, json.dumps(plaintext).encode("utf-8"))
        envelope: Any = _forward_to(mediator, plaintext)
    else:
        envelope = mutate_envelope(data, _forward_to(mediator, FORWARD))
    _only_our_errors(lambda: unwrap_forward(envelope, [mediator], backend=PURE))


def test_the_unmutated_inputs_are_valid() -> None:
    assert unpack(AUTHCRYPT, [_seed("carol")], backend=PURE).sender_verkey == KEYS["alice"]["verkey_b58"]
    assert unpack(ANONCRYPT, [_seed("bob")], backend=PURE).message == b"hello"
    forwarded = unwrap_forward(_forward_to(_seed("mediator_near"), FORWARD), [_seed("mediator_near")], backend=PURE)
    assert forwarded.to == KEYS["bob"]["verkey_b58"]
