"""Property tests: hostile input to refdidcomm.oob.decode only ever raises MalformedInvitation (or UsageError)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refdidcomm import oob
from refdidcomm.errors import MalformedInvitation, UsageError

from conftest import load_vectors

VALID = [c for c in load_vectors("oob_invitations")["cases"] if c["result"] != "invalid" and "fetch" not in c]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
MEMBERS = ["@type", "@id", "type", "id", "from", "body", "services", "handshake_protocols", "requests~attach",
           "attachments", "label", "accept", "recipientKeys", "serviceEndpoint", "did", "routingKeys", "imageUrl"]


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_or_reject(text: str) -> Any:
    try:
        return oob.decode(text)
    except (MalformedInvitation, UsageError):
        return None


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    decode_or_reject(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["oob", "_oob", "c_i", "d_m"]), st.binary(max_size=300))
def test_any_bytes_in_a_parameter(parameter: str, data: bytes) -> None:
    decode_or_reject(f"https://e.x/?{parameter}={b64u(data)}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json(value: Any) -> None:
    decode_or_reject("https://e.x/?oob=" + b64u(json.dumps(value).encode()))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.sampled_from(MEMBERS), json_values | st.just(KeyError))
def test_mutated_invitations(case: dict, member: str, value: Any) -> None:
    message = json.loads(json.dumps(case["invitation"]))
    targets = [message] + [s for s in message.get("services", []) if isinstance(s, dict)]
    target = targets[len(member) % len(targets)]
    if value is KeyError:
        target.pop(member, None)
    else:
        target[member] = value
    decoded = decode_or_reject("https://e.x/?d_m=" + b64u(json.dumps(message).encode()))
    if decoded is not None:
        assert decoded.invitation.to_json() == message  # whatever is accepted is kept exactly


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID), st.integers(0, 10_000), st.integers(1, 255))
def test_flipped_payload_bytes(case: dict, position: int, flip: int) -> None:
    data = bytearray(case["data_utf8"].encode("utf-8"))
    data[position % len(data)] ^= flip
    decoded = decode_or_reject("https://e.x/?oob=" + b64u(bytes(data)))
    if decoded is not None:
        assert decoded.data == bytes(data)
