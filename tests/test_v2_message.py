"""DIDComm v2 plaintext message model: every header rule, attachments, round trip of unknown headers."""

from __future__ import annotations

import json

import pytest

from refdidcomm import errors, v2

BASE = {"id": "1", "type": "https://didcomm.org/basicmessage/2.0/message", "body": {}}


def test_round_trip_keeps_unknown_headers_and_absence() -> None:
    obj = dict(BASE, typ="application/didcomm-plain+json", **{"from": "did:example:a", "to": ["did:example:b"],
               "thid": "t", "pthid": "p", "created_time": 0, "expires_time": 10, "lang": "en", "please_ack": ["1"],
               "x": {"nested": [1, None, True]}})
    msg = v2.Message.from_dict(obj)
    assert msg.from_ == "did:example:a" and msg.extra_headers == {"lang": "en", "please_ack": ["1"], "x": {"nested": [1, None, True]}}
    assert msg.to_dict() == obj
    assert v2.Message.from_json(msg.to_json()) == msg
    bare = v2.Message.from_dict(BASE)
    assert bare.typ is None and bare.to_dict() == BASE
    assert v2.Message(id="1", type="t").to_dict()["typ"] == v2.PLAINTEXT_TYP


def test_thread_id_defaults_to_id() -> None:
    assert v2.Message.from_dict(BASE).thread_id == "1"
    assert v2.Message.from_dict(dict(BASE, thid="t")).thread_id == "t"


def test_parse_does_not_alias_the_input() -> None:
    obj = json.loads(json.dumps(dict(BASE, body={"a": [1]})))
    msg = v2.Message.from_dict(obj)
    obj["body"]["a"].append(2)
    assert msg.body == {"a": [1]}


@pytest.mark.parametrize("typ", ["application/didcomm-plain+json", "didcomm-plain+json"])
def test_typ_may_omit_application_prefix(typ) -> None:
    assert v2.Message.from_dict(dict(BASE, typ=typ)).typ == typ


@pytest.mark.parametrize("patch,field", [
    ({"id": 1}, "id"),
    ({"type": None}, "type"),
    ({"body": []}, "body"),
    ({"typ": "application/didcomm-signed+json"}, "typ"),
    ({"typ": 1}, "typ"),
    ({"from": "did:example:a#key-1"}, "from"),
    ({"from": "alice"}, "from"),
    ({"to": "did:example:b"}, "to"),
    ({"to": ["did:example:b", 3]}, "to"),
    ({"to": ["did:example:b#k"]}, "to[0]"),
    ({"thid": 5}, "thid"),
    ({"pthid": []}, "pthid"),
    ({"created_time": "now"}, "created_time"),
    ({"created_time": True}, "created_time"),
    ({"expires_time": -1}, "expires_time"),
    ({"expires_time": 1.5}, "expires_time"),
    ({"from_prior": {"iss": "did:example:a"}}, "from_prior"),
    ({"attachments": {}}, "attachments"),
    ({"attachments": [{"data": {"json": 1}, "filename": 3}]}, "attachments[0].filename"),
    ({"attachments": [{"data": {"json": 1}, "byte_count": "3"}]}, "attachments[0].byte_count"),
    ({"attachments": [{"data": {"json": 1}, "lastmod_time": False}]}, "attachments[0].lastmod_time"),
    ({"attachments": [{"data": {"base64": 1}}]}, "attachments[0].data.base64"),
    ({"attachments": [{"data": {"links": "x", "hash": "h"}}]}, "attachments[0].data.links"),
    ({"attachments": [{"data": {"links": ["x"], "hash": 1}}]}, "attachments[0].data.hash"),
    ({"attachments": [{"data": {"json": 1, "jws": "x"}}]}, "attachments[0].data.jws"),
    ({"attachments": [{"data": {"jws": {}, "hash": "h"}}]}, "attachments[0].data"),
    ({"attachments": [{"data": {"json": 1}}, {"id": "2"}]}, "attachments[1].data"),
])
def test_header_rules_name_the_field(patch, field) -> None:
    with pytest.raises(errors.MalformedMessage) as info:
        v2.Message.from_dict(dict(BASE, **patch))
    assert info.value.field == field


@pytest.mark.parametrize("missing", ["id", "type", "body"])
def test_required_headers(missing) -> None:
    obj = dict(BASE)
    del obj[missing]
    with pytest.raises(errors.MalformedMessage) as info:
        v2.Message.from_dict(obj)
    assert info.value.field == missing


def test_valid_attachments() -> None:
    atts = [
        {"id": "a", "description": "d", "filename": "f.txt", "media_type": "text/plain", "format": "x",
         "lastmod_time": 1, "byte_count": 2, "data": {"base64": "aGk"}},
        {"data": {"links": [], "hash": "h"}},
        {"data": {"json": None, "jws": {"payload": "", "signatures": []}}},
    ]
    assert v2.Message.from_dict(dict(BASE, attachments=atts)).attachments == atts


def test_to_dict_validates_the_model() -> None:
    with pytest.raises(errors.UsageError):
        v2.Message(id="1", type="t", extra_headers={"from": "did:example:a"}).to_dict()
    with pytest.raises(errors.MalformedMessage) as info:
        v2.Message(id="1", type="t", from_="not a did").to_json()
    assert info.value.field == "from"
    with pytest.raises(errors.MalformedMessage):
        v2.Message.from_json('{"id":"1","type":"t","body":{},"body":{}}')
    with pytest.raises(errors.MalformedMessage):
        v2.Message.from_dict(["not", "an", "object"])


def test_load_jwks() -> None:
    text = json.dumps({"keys": [{"kty": "OKP", "crv": "X25519", "x": "GDTrI66K0pFfO54tlCSvfjjNapIs44dzpneBgyx0S3E",
                                 "d": "b9NnuOCB0hm7YGNvaE9DMhwH_wjZA1-gWD6dA0JWdL0", "kid": "did:example:bob#key-x25519-1"}]})
    keys = v2.load_jwks(text)
    assert list(keys) == ["did:example:bob#key-x25519-1"] and keys["did:example:bob#key-x25519-1"].is_private
    assert v2.load_jwks(json.dumps(json.loads(text)["keys"])) == keys
    for bad in ('{"keys": {}}', '[{"kty": "OKP", "crv": "X25519", "x": "GDTrI66K0pFfO54tlCSvfjjNapIs44dzpneBgyx0S3E"}]',
                json.dumps({"keys": json.loads(text)["keys"] * 2})):
        with pytest.raises(errors.MalformedMessage):
            v2.load_jwks(bad)
