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


def exercise(decoded: Any) -> None:
    """What a caller does with a decoded invitation: report it, re-serialise it, find its endpoints."""
    report = decoded.report()
    json.dumps(report)  # JSON-ready
    assert report["invitation"] == decoded.invitation.to_json()
    json.dumps(decoded.invitation.to_json(normalize=True))
    try:
        endpoints = oob.service_endpoints(decoded)
    except MalformedInvitation as exc:
        assert "no usable service" in str(exc)
        return
    for endpoint in endpoints:
        assert isinstance(endpoint.uri, str) and endpoint.uri and not endpoint.uri.startswith("did:")
        assert all(isinstance(k, str) for k in endpoint.recipient_keys + endpoint.routing_keys)


def decode_or_reject(text: str) -> Any:
    try:
        decoded = oob.decode(text)
    except (MalformedInvitation, UsageError):
        return None
    exercise(decoded)
    return decoded


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


PEER2 = "did:peer:2.Vz6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc.Ez6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR.SeyJ0IjoiZG0iLCJzIjp7InVyaSI6Imh0dHA6Ly9leGFtcGxlLmNvbS9kaWRjb21tIiwiYSI6WyJkaWRjb21tL3YyIl0sInIiOlsiZGlkOmV4YW1wbGU6MTIzNDU2Nzg5YWJjZGVmZ2hpI2tleS0xIl19fQ"
V1_PEER2 = (
    "did:peer:2.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V."
    + "S" + b64u(json.dumps({"id": "#didcomm-0", "t": "did-communication", "recipientKeys": ["#key-1"], "s": "https://b.x"}, separators=(",", ":")).encode())
)
DID_SEEDS = [PEER2, V1_PEER2, "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th", "did:peer:0z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V"]
DID_CHARS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz.:-_=#"


@st.composite
def mutated_dids(draw: Any) -> str:
    text = draw(st.sampled_from(DID_SEEDS))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text) - 1))
        text = text[:position] + draw(st.sampled_from(DID_CHARS)) * draw(st.integers(0, 3)) + text[position + 1 :]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_dids(), st.sampled_from(["v1-service", "v1-endpoint", "v1-key", "v2-from", "connections-did"]))
def test_invitations_naming_mutated_dids(text: str, where: str) -> None:
    inline = {"id": "#i", "type": "did-communication", "recipientKeys": ["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"], "serviceEndpoint": "https://e.x"}
    v1 = {"@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "1", "handshake_protocols": ["https://didcomm.org/didexchange/1.1"]}
    if where == "v1-service":
        message = dict(v1, services=[text])
    elif where == "v1-endpoint":
        message = dict(v1, services=[dict(inline, serviceEndpoint=text)])
    elif where == "v1-key":
        message = dict(v1, services=[dict(inline, recipientKeys=[text], routingKeys=[text])])
    elif where == "v2-from":
        message = {"type": "https://didcomm.org/out-of-band/2.0/invitation", "id": "1", "from": text, "body": {}}
    else:
        message = {"@type": "https://didcomm.org/connections/1.0/invitation", "@id": "1", "did": text}
    decoded = decode_or_reject("https://e.x/?oob=" + b64u(json.dumps(message).encode()))
    if decoded is not None:
        assert decoded.invitation.to_json() == message
