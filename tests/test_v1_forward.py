"""Aries RFC 0094 routing/1.0 forward (refdidcomm.v1 wrap_forward/unwrap_forward): vectors/didcomm_v1_forward.json."""

from __future__ import annotations

import json
from typing import Callable, List

import pytest

from conftest import load_vectors
from refdidcomm import crypto, errors
from refdidcomm.errors import DecryptionError, MalformedMessage, UsageError
from refdidcomm.v1 import pack, signing_key, unpack, unwrap_forward, wrap_forward
from refdidcomm.v1._rfc0094 import FORWARD_TYPE, forward_message

VEC = load_vectors("didcomm_v1_forward")
KEYS = VEC["keys"]


def _seed(name: str) -> bytes:
    return bytes.fromhex(KEYS[name]["seed"])


def _replay(draws: List[str]) -> Callable[[int], bytes]:
    queue = [bytes.fromhex(d) for d in draws]

    def rng(n: int) -> bytes:
        assert queue, "more randomness drawn than recorded"
        value = queue.pop(0)
        assert len(value) == n
        return value

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng


def _cases(predicate: Callable[[dict], bool]) -> List:
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in VEC["cases"] if predicate(c)]


WRAPS = _cases(lambda c: "hops" in c)
UNWRAP_VALID = _cases(lambda c: "hops" not in c and c["result"] == "valid")
UNWRAP_INVALID = _cases(lambda c: c["result"] == "invalid")


@pytest.mark.parametrize("case", WRAPS)
def test_wrap_reproduces_vector(backend: crypto.Backend, case: dict) -> None:
    sender = _seed(case["sender"]) if case["sender"] else None
    recipient = KEYS[case["recipient"]]["verkey_b58"]
    rng = _replay(case["rng_draws_inner"])
    inner = pack(case["message_utf8"], [recipient], sender, backend=backend, rng=rng)
    assert inner.decode() == case["inner_envelope_utf8"] and rng.remaining == []  # type: ignore[attr-defined]
    routing = [k["value"] for k in case["routing_keys"]]
    rng = _replay(case["rng_draws_wrap"])
    outer = wrap_forward(inner, recipient, routing, backend=backend, rng=rng)
    assert outer.decode() == case["envelope_utf8"] and rng.remaining == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", WRAPS)
def test_unwrap_every_hop_then_deliver(backend: crypto.Backend, case: dict) -> None:
    envelope = case["envelope_utf8"]
    assert len(case["hops"]) == len(case["routing_keys"])
    for hop in case["hops"]:
        got = unwrap_forward(envelope, _seed(hop["open_as"]), backend=backend)
        assert got.to == hop["to"]
        assert got.message_id == hop["message_id"]
        assert got.msg.decode() == hop["msg_utf8"]
        assert got.recipient_verkey == KEYS[hop["open_as"]]["verkey_b58"]
        envelope = got.msg
    assert envelope.decode() == case["inner_envelope_utf8"]
    final = unpack(envelope, _seed(case["recipient"]), backend=backend)
    assert final.message == case["message_utf8"].encode()
    assert final.sender_verkey == (KEYS[case["sender"]]["verkey_b58"] if case["sender"] else None)


def test_first_hop_is_the_last_routing_key() -> None:
    case = next(c for c in VEC["cases"] if "TwoHops" in c["flags"])
    # routingKeys order: [near, far]; the outermost layer is for "far", whose forward says "to near"
    assert [k["key"] for k in case["routing_keys"]] == ["mediator_near", "mediator_far"]
    assert [h["open_as"] for h in case["hops"]] == ["mediator_far", "mediator_near"]
    assert case["hops"][0]["to"] == KEYS["mediator_near"]["verkey_b58"]
    assert case["hops"][1]["to"] == KEYS[case["recipient"]]["verkey_b58"]
    # the far mediator was given as did:key; "to" is always written as the base58 verkey
    assert case["routing_keys"][1]["form"] == "did_key"


@pytest.mark.parametrize("case", UNWRAP_VALID)
def test_unwrap_valid(backend: crypto.Backend, case: dict) -> None:
    got = unwrap_forward(case["envelope_utf8"], _seed(case["open_as"]), backend=backend)
    assert got.to == case["expected"]["to"]
    assert got.message_id == case["expected"]["message_id"]
    assert got.msg.decode() == case["expected"]["msg_utf8"]


@pytest.mark.parametrize("case", UNWRAP_INVALID)
def test_unwrap_invalid(backend: crypto.Backend, case: dict) -> None:
    error = getattr(errors, case["error"])
    with pytest.raises(error) as info:
        unwrap_forward(case["envelope_utf8"], _seed(case["open_as"]), backend=backend)
    assert type(info.value) is error
    if error is MalformedMessage:
        assert info.value.field == case["field"]


@pytest.mark.parametrize("case", _cases(lambda c: "rng_draws" in c))
def test_unwrap_inputs_reproduce(case: dict) -> None:
    sender = _seed(case["sender"]) if case["sender"] else None
    out = pack(case["message_utf8"], [KEYS[case["recipient"]]["verkey_b58"]], sender, rng=_replay(case["rng_draws"]))
    assert out.decode() == case["envelope_utf8"]


def test_no_routing_keys_returns_the_envelope() -> None:
    inner = pack(b"m", [KEYS["bob"]["verkey_b58"]])
    assert json.loads(wrap_forward(inner, KEYS["bob"]["did_key"], [])) == json.loads(inner)


def test_wrap_argument_errors() -> None:
    inner = pack(b"m", [KEYS["bob"]["verkey_b58"]])
    with pytest.raises(UsageError, match="not a recipient"):
        wrap_forward(inner, KEYS["carol"]["verkey_b58"], [KEYS["mediator_near"]["verkey_b58"]])
    with pytest.raises(UsageError):
        wrap_forward(inner, KEYS["bob"]["verkey_b58"], KEYS["mediator_near"]["verkey_b58"])  # a str, not a list
    with pytest.raises(MalformedMessage) as info:
        wrap_forward(inner, KEYS["bob"]["verkey_b58"], [KEYS["mediator_near"]["verkey_b58"], "did:key:zBad"])
    assert info.value.field == "routing_keys[1]"
    with pytest.raises(MalformedMessage):
        wrap_forward(b"[1]", KEYS["bob"]["verkey_b58"], [KEYS["mediator_near"]["verkey_b58"]])
    with pytest.raises(UsageError):
        wrap_forward(5, KEYS["bob"]["verkey_b58"], [])  # type: ignore[arg-type]


def test_forward_message_shape() -> None:
    counter = iter(range(100))
    message = forward_message("abc", {"protected": "x"}, rng=lambda n: bytes([next(counter)] * n))
    assert list(message) == ["@type", "@id", "to", "msg"]
    assert message["@type"] == FORWARD_TYPE == "https://didcomm.org/routing/1.0/forward"
    assert message["@id"] == "00000000-0000-4000-8000-000000000000"
    assert forward_message("abc", {}, message_id="12345678")["@id"] == "12345678"
    with pytest.raises(UsageError):
        forward_message("", {})
    with pytest.raises(UsageError):
        forward_message("abc", "{}")  # type: ignore[arg-type]


def test_forwards_are_anoncrypt(backend: crypto.Backend) -> None:
    inner = pack(b"m", [KEYS["bob"]["verkey_b58"]], _seed("alice"), backend=backend)
    outer = wrap_forward(inner, KEYS["bob"]["verkey_b58"], [KEYS["mediator_far"]["did_key"]], backend=backend)
    opened = unpack(outer, signing_key(_seed("mediator_far")), backend=backend)
    assert opened.sender_verkey is None
    with pytest.raises(DecryptionError):
        unwrap_forward(outer, _seed("bob"), backend=backend)
