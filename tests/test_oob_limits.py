"""Bounds on peer input in invitations: key lengths before base58 decoding,
validated did:key points, and nesting depth of caller-passed dicts."""

from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest

from refdidcomm import oob
from refdidcomm.errors import MalformedInvitation

KEY = "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"
VERKEY = "8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"
# The Ed25519 identity point (y = 1), a small-order key, as a did:key.
IDENTITY_KEY = "did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj"


def v1(keys: List[str], routing: List[str] = ()) -> Dict[str, Any]:
    service = {"id": "#inline", "type": "did-communication", "recipientKeys": keys, "routingKeys": list(routing), "serviceEndpoint": "https://e.x"}
    return {"@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "1", "handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "services": [service]}


def connection(keys: List[str]) -> Dict[str, Any]:
    return {"@type": "https://didcomm.org/connections/1.0/invitation", "@id": "1", "recipientKeys": keys, "serviceEndpoint": "https://e.x"}


def _refused_quickly(message: Dict[str, Any], match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(MalformedInvitation, match=match):
        oob.parse(message)
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize("build", [v1, connection])
@pytest.mark.parametrize(
    "key, match",
    [
        ("did:key:z" + "2" * 60_000, "longer than"),
        ("did:key:z" + "2" * 16_000, "longer than"),
        ("2" * 60_000, "at most 44 characters"),
        ("2" * 45, "at most 44 characters"),
    ],
    ids=["did:key-60k", "did:key-16k", "verkey-60k", "verkey-45"],
)
def test_long_keys_are_refused_before_decoding(build, key, match):
    _refused_quickly(build([key]), match)
    if build is v1:
        _refused_quickly(v1([KEY], routing=[key]), match)


def test_a_44_character_verkey_is_still_decoded():
    assert len(VERKEY) == 44
    assert oob.parse(v1([VERKEY])).services[0].recipient_keys == (VERKEY,)


@pytest.mark.parametrize("build", [v1, connection])
def test_small_order_did_key_is_refused(build):
    with pytest.raises(MalformedInvitation, match="not a valid did:key"):
        oob.parse(build([IDENTITY_KEY]))
    with pytest.raises(MalformedInvitation, match="not a valid did:key"):
        oob.parse(build([IDENTITY_KEY + "#" + IDENTITY_KEY[8:]]))
    assert oob.parse(build([KEY]))


def test_x25519_did_key_still_accepted_as_a_reference():
    # Only the key's validity is checked here, not its use.
    x = "did:key:z6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR"
    assert oob.parse(v1([x])).services[0].recipient_keys == (x,)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "message",
    [
        dict(v1([KEY]), extra=_nested(10_000)),
        {"type": "https://didcomm.org/out-of-band/2.0/invitation", "id": "1", "from": "did:example:a", "body": {"x": _nested(10_000)}},
        dict(connection([KEY]), extra=_nested(10_000)),
    ],
    ids=["oob1", "oob2", "connections"],
)
def test_deep_dicts_from_a_caller(message):
    with pytest.raises(MalformedInvitation, match="nested deeper than 100"):
        oob.parse(message)


def test_depth_just_under_the_limit_round_trips():
    message = dict(v1([KEY]), extra=_nested(90))
    assert oob.parse(message).to_json() == message


@pytest.mark.parametrize("build", [v1, connection])
def test_invalid_raw_verkey_is_refused_at_parse(build):
    # 32 bytes that are no Ed25519 point (found by test_oob_fuzz: to_json(normalize=True) failed later).
    from refdidcomm.encoding import b58encode

    bad = b58encode(bytes([2]) + bytes(31))
    with pytest.raises(MalformedInvitation, match="not a valid Ed25519 verkey"):
        oob.parse(build([bad]))
    identity = b58encode(bytes([1]) + bytes(31))  # the identity point: small order
    with pytest.raises(MalformedInvitation, match="not a valid Ed25519 verkey"):
        oob.parse(build([identity]))
