"""Invitation models: Aries OOB 1.x (RFC 0434), DIDComm v2 out-of-band/2.0, RFC 0160, RFC 0017 attachments."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any, Dict

import pytest

from refdidcomm import oob
from refdidcomm._rfc0434 import InlineService, OtherService, parse_attachment
from refdidcomm.encoding import multibase_encode
from refdidcomm.errors import MalformedInvitation, MalformedMessage, UsageError

KEY = "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th"
VERKEY = "8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"  # RFC 0160's example key; the did:key above is its did:key


def _changed(message: Dict[str, Any], changes: Dict[str, Any]) -> Dict[str, Any]:
    """Apply keyword changes: ``name=None`` removes a member; ``_at_`` stands for ``@``, ``__`` for ``~``."""
    for name, value in changes.items():
        name = name.replace("__", "~").replace("_at_", "@")
        if value is None:
            message.pop(name, None)
        else:
            message[name] = value
    return message


def v1(**changes: Any) -> Dict[str, Any]:
    message = {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "@id": "69212a3a-d068-4f9d-a2dd-4741bca89af3",
        "label": "Faber College",
        "handshake_protocols": ["https://didcomm.org/didexchange/1.0"],
        "services": [
            {
                "id": "#inline",
                "type": "did-communication",
                "recipientKeys": [KEY],
                "routingKeys": [],
                "serviceEndpoint": "https://example.com:5000",
            },
            "did:sov:LjgpST2rjsoxYegQDRm7EL",
        ],
    }
    return _changed(message, changes)


def v2(**changes: Any) -> Dict[str, Any]:
    message = {
        "type": "https://didcomm.org/out-of-band/2.0/invitation",
        "id": "69212a3a-d068-4f9d-a2dd-4741bca89af3",
        "from": "did:example:alice",
        "body": {"goal_code": "issue-vc", "goal": "To issue a credential", "accept": ["didcomm/v2"]},
    }
    return _changed(message, changes)


def conn(**changes: Any) -> Dict[str, Any]:
    message = {
        "@type": "https://didcomm.org/connections/1.0/invitation",
        "@id": "12345678900987654321",
        "label": "Alice",
        "recipientKeys": [VERKEY],
        "serviceEndpoint": "https://example.com/endpoint",
        "routingKeys": [VERKEY],
    }
    return _changed(message, changes)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------- RFC 0434


def test_v1_fields() -> None:
    inv = oob.parse(v1(goal_code="issue-vc", goal="g", accept=["didcomm/aip2;env=rfc19"], imageUrl="https://e.x/i.png"))
    assert isinstance(inv, oob.OOBInvitation) and inv.kind == "out-of-band/1"
    assert (inv.id, inv.label, inv.goal_code, inv.goal, inv.image_url) == (
        "69212a3a-d068-4f9d-a2dd-4741bca89af3",
        "Faber College",
        "issue-vc",
        "g",
        "https://e.x/i.png",
    )
    assert inv.accept == ("didcomm/aip2;env=rfc19",)
    assert [p.uri for p in inv.handshake_protocols] == ["https://didcomm.org/didexchange/1.0"]
    assert isinstance(inv.services[0], InlineService) and inv.services[1] == "did:sov:LjgpST2rjsoxYegQDRm7EL"
    assert inv.services[0].recipient_keys == (KEY,) and inv.services[0].service_endpoint == "https://example.com:5000"
    assert inv.notes == ()


@pytest.mark.parametrize("minor, notes", [(0, ()), (1, ()), (9, ("newer-minor-version",))])
def test_v1_minor_versions(minor: int, notes: tuple) -> None:
    inv = oob.parse(v1(_at_type=f"https://didcomm.org/out-of-band/1.{minor}/invitation"))
    assert inv.type.minor == minor and inv.notes == notes


@pytest.mark.parametrize("version", ["0.9", "2.0", "3.1", "10.0"])
def test_v1_other_major_version(version: str) -> None:
    with pytest.raises(oob.UnsupportedInvitationVersion) as info:
        oob.parse(v1(_at_type=f"https://didcomm.org/out-of-band/{version}/invitation"))
    assert info.value.field == "@type" and "major" in str(info.value)
    assert info.value.message_type.version == version
    assert isinstance(info.value, MalformedInvitation) and isinstance(info.value, MalformedMessage)


def test_v1_legacy_prefix_and_wildcard_handshake() -> None:
    inv = oob.parse(
        v1(
            _at_type="did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/out-of-band/1.0/invitation",
            handshake_protocols=["did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/connections/1.0", "https://didcomm.org/didexchange/1.x"],
        )
    )
    assert inv.notes == ("legacy-prefix", "wildcard-handshake-version")
    assert inv.type.uri == "https://didcomm.org/out-of-band/1.0/invitation"
    normalized = inv.to_json(normalize=True)
    assert normalized["@type"] == "https://didcomm.org/out-of-band/1.0/invitation"
    assert normalized["handshake_protocols"] == ["https://didcomm.org/connections/1.0", "https://didcomm.org/didexchange/1.x"]
    assert inv.to_json()["@type"].startswith("did:sov:")  # as received


def test_v1_raw_verkey_accepted_and_normalised_on_request() -> None:
    service = dict(v1()["services"][0], recipientKeys=[VERKEY], routingKeys=[VERKEY])
    inv = oob.parse(v1(services=[service]))
    assert inv.notes == ("raw-verkey",)
    assert inv.services[0].recipient_keys == (VERKEY,)
    out = inv.to_json(normalize=True)["services"][0]
    assert out["recipientKeys"] == [KEY] and out["routingKeys"] == [KEY]


def test_v1_did_key_with_own_fragment_is_accepted() -> None:
    frag = KEY + "#" + KEY.split(":")[-1]
    service = dict(v1()["services"][0], recipientKeys=[frag])
    assert oob.parse(v1(services=[service])).services[0].recipient_keys == (frag,)


def test_v1_service_without_type_is_did_communication_and_others_are_kept() -> None:
    untyped = {k: v for k, v in v1()["services"][0].items() if k != "type"}
    other = {"id": "#x", "type": "DIDCommMessaging", "serviceEndpoint": "https://x"}
    inv = oob.parse(v1(services=[untyped, other]))
    assert isinstance(inv.services[0], InlineService)
    assert isinstance(inv.services[1], OtherService) and inv.services[1].type == "DIDCommMessaging"


def test_v1_requests_only() -> None:
    attach = {"@id": "request-0", "mime-type": "application/json", "data": {"json": {"@type": "x"}}}
    inv = oob.parse(v1(handshake_protocols=None, requests__attach=[attach]))
    assert inv.handshake_protocols == () and inv.requests[0].id == "request-0"
    assert inv.requests[0].message() == {"@type": "x"}


def test_unknown_members_survive_parse_encode_decode() -> None:
    message = v1(**{"~timing": {"expires_time": "2030-01-01T00:00:00Z"}, "x-vendor": [1, {"a": None}]})
    message["services"][0]["x-extra"] = True
    url = oob.encode_url(message, base="https://example.com/?lang=en")
    decoded = oob.decode(url)
    assert decoded.invitation.to_json() == message
    assert list(decoded.invitation.to_json()) == list(message)  # member order kept too
    assert decoded.tolerated == ()
    again = oob.encode_url(decoded, base="https://example.com/?lang=en")
    assert again == url


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"_at_type": None}, "@type"),
        ({"_at_type": 7}, "@type"),
        ({"_at_type": "https://didcomm.org/didexchange/1.0/request"}, "@type"),
        ({"_at_type": "https://example.com/out-of-band/1.1/invitation"}, "@type"),
        ({"_at_type": "https://didcomm.org/out-of-band/1.1/problem_report"}, "@type"),
        ({"_at_id": None}, "@id"),
        ({"_at_id": ""}, "@id"),
        ({"_at_id": 12}, "@id"),
        ({"label": 5}, "label"),
        ({"goal_code": ["x"]}, "goal_code"),
        ({"goal": False}, "goal"),
        ({"imageUrl": {}}, "imageUrl"),
        ({"accept": "didcomm/v2"}, "accept"),
        ({"accept": ["a", 1]}, "accept[1]"),
        ({"handshake_protocols": "https://didcomm.org/didexchange/1.0"}, "handshake_protocols"),
        ({"handshake_protocols": ["didexchange"]}, "handshake_protocols[0]"),
        ({"handshake_protocols": [None]}, "handshake_protocols[0]"),
        ({"handshake_protocols": []}, None),
        ({"handshake_protocols": None}, None),
        ({"requests__attach": {}}, "requests~attach"),
        ({"requests__attach": ["x"]}, "requests~attach[0]"),
        ({"services": None}, "services"),
        ({"services": []}, "services"),
        ({"services": "did:sov:LjgpST2rjsoxYegQDRm7EL"}, "services"),
        ({"services": [5]}, "services[0]"),
        ({"services": ["not-a-did"]}, "services[0]"),
        ({"services": ["did:sov:abc#key-1"]}, "services[0]"),
        ({"services": ["did:Sov:abc"]}, "services[0]"),
    ],
)
def test_v1_negative(changes: Dict[str, Any], field: Any) -> None:
    with pytest.raises(MalformedInvitation) as info:
        oob.parse(v1(**changes))
    assert info.value.field == field, str(info.value)


@pytest.mark.parametrize(
    "service_changes, field",
    [
        ({"recipientKeys": None}, "services[0].recipientKeys"),
        ({"recipientKeys": []}, "services[0].recipientKeys"),
        ({"recipientKeys": KEY}, "services[0].recipientKeys"),
        ({"recipientKeys": [KEY, 3]}, "services[0].recipientKeys[1]"),
        ({"recipientKeys": ["did:key:zBAD"]}, "services[0].recipientKeys[0]"),
        ({"recipientKeys": ["did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th#other"]}, "services[0].recipientKeys[0]"),
        ({"recipientKeys": ["3mJr7AoUXx2Wqd"]}, "services[0].recipientKeys[0]"),  # base58 but not 32 bytes
        ({"recipientKeys": ["0OIl"]}, "services[0].recipientKeys[0]"),  # not base58
        ({"routingKeys": [""]}, "services[0].routingKeys[0]"),
        ({"routingKeys": "x"}, "services[0].routingKeys"),
        ({"serviceEndpoint": None}, "services[0].serviceEndpoint"),
        ({"serviceEndpoint": ""}, "services[0].serviceEndpoint"),
        ({"serviceEndpoint": {"uri": "https://x"}}, "services[0].serviceEndpoint"),
        ({"type": 5}, "services[0].type"),
        ({"id": 5}, "services[0].id"),
        ({"accept": [1]}, "services[0].accept[0]"),
    ],
)
def test_v1_inline_service_negative(service_changes: Dict[str, Any], field: str) -> None:
    service = dict(v1()["services"][0])
    for name, value in service_changes.items():
        if value is None:
            service.pop(name)
        else:
            service[name] = value
    with pytest.raises(MalformedInvitation) as info:
        oob.parse(v1(services=[service]))
    assert info.value.field == field, str(info.value)


def test_parse_dispatch_errors() -> None:
    for value in (None, [], "x", 1):
        with pytest.raises(MalformedInvitation):
            oob.parse(value)
    with pytest.raises(MalformedInvitation) as info:
        oob.parse({"label": "x"})
    assert info.value.field == "@type"
    with pytest.raises(MalformedInvitation) as info:
        oob.parse({"id": "x", "body": {}})
    assert info.value.field == "type"


# ---------------------------------------------------------------- attachments


def test_attachment_json_base64_links() -> None:
    content = b'{"@type":"https://didcomm.org/present-proof/2.0/request-presentation","@id":"r"}'
    a = parse_attachment(
        {
            "@id": "request-0",
            "mime-type": "application/json",
            "filename": "r.json",
            "byte_count": len(content),
            "lastmod_time": "2024-01-01T00:00:00Z",
            "description": "a request",
            "data": {"base64": b64u(content), "sha256": hashlib.sha256(content).hexdigest().upper()},
        },
        "a",
    )
    assert a.content() == content and a.hash_checked
    assert a.message() == json.loads(content)
    assert (a.id, a.media_type, a.filename, a.byte_count) == ("request-0", "application/json", "r.json", len(content))

    padded_standard = base64.standard_b64encode(content).decode()
    assert parse_attachment({"data": {"base64": padded_standard}}, "a").content() == content

    linked = parse_attachment(
        {"data": {"links": ["https://e.x/r"], "sha256": hashlib.sha256(content).hexdigest()}}, "a"
    )
    assert linked.content() is None and linked.message() is None and not linked.hash_checked
    linked.check_content(content)
    with pytest.raises(MalformedInvitation, match="sha256"):
        linked.check_content(content + b" ")
    with pytest.raises(UsageError):
        linked.check_content("text")  # type: ignore[arg-type]
    with pytest.raises(MalformedInvitation, match="no sha256 or hash"):
        parse_attachment({"data": {"links": []}}, "a").check_content(content)

    nulljson = parse_attachment({"data": {"json": None}}, "a")
    assert nulljson.has_json and nulljson.json is None and nulljson.message() is None


def test_attachment_v2_multihash() -> None:
    content = b"Your hovercraft is full of eels"
    digest = hashlib.sha256(content).digest()
    for text in (multibase_encode(b"\x12\x20" + digest), (b"\x12\x20" + digest).hex(), "u" + b64u(b"\x12\x20" + digest)):
        a = parse_attachment({"id": "1", "data": {"base64": b64u(content), "hash": text}}, "attachments[0]", shape="v2")
        assert a.hash_checked
        linked = parse_attachment({"id": "2", "data": {"links": ["https://e.x"], "hash": text}}, "x", shape="v2")
        linked.check_content(content)
        with pytest.raises(MalformedInvitation, match="hash"):
            linked.check_content(content[:-1])
    wrong = multibase_encode(b"\x12\x20" + bytes(32))
    with pytest.raises(MalformedInvitation) as info:
        parse_attachment({"data": {"base64": b64u(content), "hash": wrong}}, "attachments[0]", shape="v2")
    assert info.value.field == "attachments[0].data.hash"
    # The spec's own placeholder "<multi-hash>" cannot be checked: left alone on parse, refused by check_content.
    placeholder = parse_attachment({"id": "2", "data": {"hash": "<multi-hash>", "links": ["https://x"]}}, "x", shape="v2")
    assert not placeholder.hash_checked
    with pytest.raises(MalformedInvitation, match="not a sha2-256 multihash"):
        placeholder.check_content(content)


def test_attachment_notes() -> None:
    notes: list = []
    parse_attachment({"@id": "r", "data": {"json": {}, "base64": b64u(b"{}")}}, "a", shape="v2", notes=notes)
    assert notes == ["attachment-@id", "attachment-two-contents"]


@pytest.mark.parametrize(
    "obj, shape, field",
    [
        ("x", "v1", "a"),
        ({}, "v1", "a.data"),
        ({"data": "x"}, "v1", "a.data"),
        ({"data": {}}, "v1", "a.data"),
        ({"data": {"sha256": "00" * 32}}, "v1", "a.data"),
        ({"data": {"base64": "!!"}}, "v1", "a.data.base64"),
        ({"data": {"base64": 5}}, "v1", "a.data.base64"),
        ({"data": {"links": "https://x"}}, "v1", "a.data.links"),
        ({"data": {"links": [1]}}, "v1", "a.data.links[0]"),
        ({"data": {"json": {}, "sha256": "xyz"}}, "v1", "a.data.sha256"),
        ({"data": {"base64": "e30", "sha256": "00" * 32}}, "v1", "a.data.sha256"),
        ({"@id": 5, "data": {"json": 1}}, "v1", "a.@id"),
        ({"mime-type": 5, "data": {"json": 1}}, "v1", "a.mime-type"),
        ({"byte_count": -1, "data": {"json": 1}}, "v1", "a.byte_count"),
        ({"byte_count": True, "data": {"json": 1}}, "v1", "a.byte_count"),
        ({"id": "a b", "data": {"json": 1}}, "v2", "a.id"),
        ({"id": "a/b", "data": {"json": 1}}, "v2", "a.id"),
        ({"media_type": [], "data": {"json": 1}}, "v2", "a.media_type"),
    ],
)
def test_attachment_negative(obj: Any, shape: str, field: str) -> None:
    with pytest.raises(MalformedInvitation) as info:
        parse_attachment(obj, "a", shape=shape)
    assert info.value.field == field, str(info.value)


def test_attachment_base64_that_is_not_a_json_object() -> None:
    a = parse_attachment({"data": {"base64": b64u(b"[1]")}}, "a")
    with pytest.raises(MalformedInvitation, match="not a JSON object"):
        a.message()
    for raw in (b"\xff", b"", b"{"):
        b = parse_attachment({"data": {"base64": b64u(raw)}}, "a")
        with pytest.raises(MalformedInvitation, match="not JSON") as info:
            b.message()
        assert info.value.field == "data.base64"


# ---------------------------------------------------------------- DIDComm v2


def test_v2_fields_and_unknown_headers() -> None:
    message = v2(created_time=1516269022, expires_time=1516385931, typ="application/didcomm-plain+json", **{"x": {"y": 1}})
    inv = oob.parse(message)
    assert isinstance(inv, oob.OOBInvitationV2) and inv.kind == "out-of-band/2"
    assert (inv.id, inv.from_did, inv.goal_code, inv.accept) == (
        "69212a3a-d068-4f9d-a2dd-4741bca89af3",
        "did:example:alice",
        "issue-vc",
        ("didcomm/v2",),
    )
    assert (inv.created_time, inv.expires_time) == (1516269022, 1516385931)
    assert inv.attachments == () and inv.to_json() == message
    assert oob.decode(oob.encode_url(inv, base="https://e.x/")).invitation.to_json() == message


def test_v2_empty_body_is_enough() -> None:
    inv = oob.parse(v2(body={}))
    assert inv.goal_code is None and inv.accept is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"type": None}, "type"),
        ({"type": None, "@type": "https://didcomm.org/out-of-band/2.0/invitation"}, "@type"),
        ({"type": "https://didcomm.org/trust-ping/2.0/ping"}, "type"),
        ({"id": None}, "id"),
        ({"id": ""}, "id"),
        ({"from": None}, "from"),
        ({"from": "<sender's did>"}, "from"),
        ({"from": "did:example:alice#key-1"}, "from"),
        ({"from": 5}, "from"),
        ({"body": None}, "body"),
        ({"body": []}, "body"),
        ({"body": {"goal_code": 1}}, "body.goal_code"),
        ({"body": {"goal": None}}, "body.goal"),
        ({"body": {"accept": "didcomm/v2"}}, "body.accept"),
        ({"body": {"accept": [None]}}, "body.accept[0]"),
        ({"attachments": {}}, "attachments"),
        ({"attachments": [{"id": "x"}]}, "attachments[0].data"),
        ({"typ": "application/didcomm-encrypted+json"}, "typ"),
        ({"created_time": "2020"}, "created_time"),
        ({"expires_time": -5}, "expires_time"),
        ({"expires_time": True}, "expires_time"),
    ],
)
def test_v2_negative(changes: Dict[str, Any], field: str) -> None:
    message = v2(**{k: v for k, v in changes.items() if k != "@type"})
    if "@type" in changes:
        message["@type"] = changes["@type"]
    with pytest.raises(MalformedInvitation) as info:
        oob.parse(message)
    assert info.value.field == field, str(info.value)


def test_v2_other_major_versions() -> None:
    for version in ("1.1", "3.0"):
        with pytest.raises(oob.UnsupportedInvitationVersion) as info:
            oob.parse(v2(type=f"https://didcomm.org/out-of-band/{version}/invitation"))
        assert info.value.field == "type"
    assert oob.parse(v2(type="https://didcomm.org/out-of-band/2.3/invitation")).notes == ("newer-minor-version",)


def test_make_invitation_v2() -> None:
    message = oob.make_invitation_v2(
        from_did="did:example:alice", goal_code="p2p-messaging", goal="chat", accept=["didcomm/v2"], rng=lambda n: b"\x11" * n
    )
    assert message == {
        "type": "https://didcomm.org/out-of-band/2.0/invitation",
        "id": "11111111-1111-4111-9111-111111111111",
        "from": "did:example:alice",
        "body": {"goal_code": "p2p-messaging", "goal": "chat", "accept": ["didcomm/v2"]},
    }
    with pytest.raises(UsageError):
        oob.make_invitation_v2(from_did="not a did")
    with pytest.raises(UsageError):
        oob.make_invitation_v2(from_did="did:example:a", extra={"from": "did:example:b"})
    with pytest.raises(UsageError):
        oob.make_invitation_v2(from_did="did:example:a", rng=lambda n: b"short")


# ---------------------------------------------------------------- RFC 0160


def test_connection_invitation_forms() -> None:
    keys = oob.parse(conn())
    assert isinstance(keys, oob.ConnectionInvitation) and keys.kind == "connections/1"
    assert keys.recipient_keys == (VERKEY,) and keys.service_endpoint == "https://example.com/endpoint"
    assert keys.notes == ()  # base58 keys are what RFC 0160 prescribes
    public = oob.parse({"@type": "https://didcomm.org/connections/1.0/invitation", "@id": "1", "label": "Alice", "did": "did:sov:QmWbsNYhMrjHiqZDTUTEJs"})
    assert public.did == "did:sov:QmWbsNYhMrjHiqZDTUTEJs" and public.recipient_keys == ()
    # RFC 0160's third example: no @id, a DID service endpoint reference
    third = oob.parse(conn(_at_id=None, serviceEndpoint="did:sov:A2wBhNYhMrjHiqZDTUYH7u;routeid"))
    assert third.id is None and third.notes == ("missing-id",)
    didkey = oob.parse(conn(recipientKeys=[KEY], _at_type="did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/connections/1.0/invitation"))
    assert didkey.notes == ("legacy-prefix", "did-key-reference")
    assert didkey.to_json(normalize=True)["@type"] == "https://didcomm.org/connections/1.0/invitation"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"_at_type": "https://didcomm.org/connections/2.0/invitation"}, "@type"),
        ({"_at_type": "https://didcomm.org/connections/1.0/request"}, "@type"),
        ({"_at_id": 5}, "@id"),
        ({"label": 5}, "label"),
        ({"did": "did:sov:QmWbsNYhMrjHiqZDTUTEJs"}, "did"),
        ({"recipientKeys": None, "serviceEndpoint": None, "routingKeys": None}, None),
        ({"recipientKeys": None}, "recipientKeys"),
        ({"recipientKeys": []}, "recipientKeys"),
        ({"recipientKeys": ["x0x"]}, "recipientKeys[0]"),
        ({"routingKeys": "k"}, "routingKeys"),
        ({"serviceEndpoint": None}, "serviceEndpoint"),
        ({"serviceEndpoint": ""}, "serviceEndpoint"),
        ({"serviceEndpoint": 1}, "serviceEndpoint"),
    ],
)
def test_connection_invitation_negative(changes: Dict[str, Any], field: Any) -> None:
    with pytest.raises(MalformedInvitation) as info:
        oob.parse(conn(**changes))
    assert info.value.field == field, str(info.value)
    if changes.get("_at_type", "").endswith("2.0/invitation"):
        assert isinstance(info.value, oob.UnsupportedInvitationVersion)


def test_connection_invitation_with_public_did_and_no_keys() -> None:
    with pytest.raises(MalformedInvitation) as info:
        oob.parse({"@type": "https://didcomm.org/connections/1.0/invitation", "did": "did:sov:abc#x"})
    assert info.value.field == "did"


# ---------------------------------------------------------------- building


def test_make_invitation_and_inline_service() -> None:
    service = oob.inline_service("https://e.x/didcomm", [VERKEY], routing_keys=[KEY], accept=["didcomm/aip2;env=rfc19"])
    assert service == {
        "id": "#inline",
        "type": "did-communication",
        "recipientKeys": [KEY],
        "routingKeys": [KEY],
        "accept": ["didcomm/aip2;env=rfc19"],
        "serviceEndpoint": "https://e.x/didcomm",
    }
    message = oob.make_invitation(
        services=[service],
        handshake_protocols=["https://didcomm.org/didexchange/1.1"],
        label="Faber",
        goal_code="issue-vc",
        accept=["didcomm/aip2;env=rfc19"],
        image_url="https://e.x/logo.png",
        extra={"~timing": {"expires_time": "2030-01-01T00:00:00Z"}},
        rng=lambda n: bytes(n),
    )
    assert list(message) == ["@type", "@id", "label", "goal_code", "accept", "handshake_protocols", "services", "imageUrl", "~timing"]
    assert message["@id"] == "00000000-0000-4000-8000-000000000000"
    assert oob.parse(message).notes == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"services": []},
        {"services": ["did:example:a"], "handshake_protocols": []},
        {"services": ["did:example:a"], "handshake_protocols": ["nope"]},
        {"services": ["did:example:a"], "handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "extra": {"@id": "x"}},
    ],
)
def test_make_invitation_usage_errors(kwargs: Dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        oob.make_invitation(**kwargs)


@pytest.mark.parametrize(
    "args",
    [("", [KEY]), ("https://e.x", []), ("https://e.x", ["garbage!"]), ("https://e.x", [KEY], ["0OIl"]), (None, [KEY])],
)
def test_inline_service_usage_errors(args: tuple) -> None:
    with pytest.raises(UsageError):
        oob.inline_service(*args)


def test_encode_url_chooses_the_parameter_by_kind() -> None:
    assert "?oob=" in oob.encode_url(v1(), base="https://e.x/")
    assert "?_oob=" in oob.encode_url(v2(), base="https://e.x/")
    assert "?c_i=" in oob.encode_url(conn(), base="https://e.x/")
    assert "?d_m=" in oob.encode_url(conn(), base="https://e.x/", parameter="d_m")
    with pytest.raises(UsageError):
        oob.encode_url(v1(_at_id=None), base="https://e.x/")
    with pytest.raises(UsageError):
        oob.encode_url("{}", base="https://e.x/")  # type: ignore[arg-type]


def test_decode_reports_parameter_mismatch_and_non_compact_json() -> None:
    url = "https://e.x/?_oob=" + b64u(json.dumps(v1()).encode())
    decoded = oob.decode(url)
    assert decoded.tolerated == ("parameter-mismatch", "non-compact-json")
    assert decoded.report()["tolerated"][0]["name"] == "parameter-mismatch"
    compact = "https://e.x/?d_m=" + b64u(json.dumps(conn(), separators=(",", ":")).encode())
    assert oob.decode(compact).tolerated == ("legacy-parameter",)
    spaced_string = "https://e.x/?oob=" + b64u(json.dumps(v1(label="a b\\\" c"), separators=(",", ":")).encode())
    assert oob.decode(spaced_string).tolerated == ()  # spaces inside strings are content


def test_decode_not_json_and_wrong_type_fields() -> None:
    with pytest.raises(MalformedInvitation) as info:
        oob.decode("https://e.x/?oob=" + b64u(b"{'a': 1}"))
    assert info.value.field == "oob" and "not JSON" in str(info.value)
    with pytest.raises(MalformedInvitation) as info:
        oob.decode(b64u(b"not json"))
    assert info.value.field == "invitation"


def test_report_shape() -> None:
    report = oob.decode(oob.encode_url(v1(), base="https://e.x/")).report()
    assert report["kind"] == "out-of-band/1" and report["id"] == v1()["@id"]
    assert report["invitation"] == v1() and report["tolerated"] == [] and report["fetched"] == []
    assert json.loads(json.dumps(report)) == report


def test_parsed_invitation_does_not_alias_to_json() -> None:
    message = v1()
    inv = oob.parse(message)
    out = inv.to_json()
    out["services"][0]["recipientKeys"].append("x")
    assert inv.to_json() == v1()
    assert copy.deepcopy(message) == v1()
