"""vectors/oob_invitations.json through refdidcomm.oob.decode, and the published examples from ../shared."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List, Mapping

import pytest

from refdidcomm import errors, oob

from conftest import load_shared, load_vectors

VECTORS = load_vectors("oob_invitations")


def _fetcher(responses: List[Dict[str, Any]], calls: List[str]):
    by_url = {r["url"]: r for r in responses}

    def fetch(url: str, headers: Mapping[str, str]):
        calls.append(url)
        assert headers.get("Accept") == "application/json"  # RFC 0434 §URL Shortening: SHOULD
        r = by_url[url]
        return r["status"], r["headers"], r["body_utf8"].encode("utf-8")

    return fetch


def _error_class(name: str) -> type:
    return getattr(oob, name, None) or getattr(errors, name)


def test_vector_file_header() -> None:
    header = VECTORS["header"]
    assert header["name"] == "oob_invitations"
    assert len(VECTORS["cases"]) >= 40
    assert {c["result"] for c in VECTORS["cases"]} == {"valid", "acceptable", "invalid"}
    for case in VECTORS["cases"]:
        for name in case.get("tolerated", []):
            assert name in oob.TOLERANCES, name


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"tc{c['tcId']}")
def test_oob_vector(case: Dict[str, Any]) -> None:
    calls: List[str] = []
    fetch = _fetcher(case["fetch"], calls) if "fetch" in case else None
    if case["result"] == "invalid":
        with pytest.raises(_error_class(case["error"])) as info:
            oob.decode(case["input"], fetch=fetch)
        assert type(info.value).__name__ == case["error"]
        assert info.value.field == case["field"], str(info.value)
        return
    decoded = oob.decode(case["input"], fetch=fetch)
    assert decoded.kind == case["kind"]
    assert decoded.parameter == case["parameter"]
    assert list(decoded.tolerated) == case["tolerated"]
    assert decoded.data == case["data_utf8"].encode("utf-8")  # the bytes as given, never re-serialised
    assert decoded.invitation.to_json() == case["invitation"]
    assert (case["result"] == "valid") == (not decoded.tolerated)
    if "fetch" in case:
        assert calls == [r["url"] for r in case["fetch"]][: len(calls)] and calls


def test_published_rfc0434_urls_decode_to_the_rfc_json() -> None:
    data = load_shared("aries-rfcs/rfc0434_outofband.json")
    for example in data["documents"][0]["example_urls"]:
        decoded = oob.decode(example["url"])
        assert decoded.invitation.to_json() == example["decoded"]
        assert decoded.kind == "out-of-band/1" and decoded.invitation.type.version == "1.0"


def test_published_rfc0160_url_encodes_the_legacy_type() -> None:
    data = load_shared("aries-rfcs/rfc0160_connection_protocol.json")
    doc = data["documents"][0]
    example = doc["example_urls"][0]
    decoded = oob.decode(example["url"])
    assert decoded.invitation.to_json() == example["decoded"]
    assert decoded.invitation.message["@type"].startswith("did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/")
    # the RFC's JSON block (at this commit) shows the https form: same invitation once normalised
    block = [b for b in doc["code_blocks"] if b["section"] == "Example Invitation Encoding" and "json" in b][0]["json"]
    assert block["@type"] == "https://didcomm.org/connections/1.0/invitation"
    assert decoded.invitation.to_json(normalize=True) == block


def test_published_didcomm_v2_urls_decode_to_the_spec_json() -> None:
    data = load_shared("didcomm-messaging-spec/spec_json_examples.json")
    examples = [e for d in data["documents"] for e in d["example_urls"]]
    assert len(examples) == 3
    for example in examples:
        decoded = oob.decode(example["url"])
        assert decoded.kind == "out-of-band/2"
        assert decoded.invitation.to_json() == example["decoded"]
        assert decoded.invitation.from_did == "did:example:alice"


def test_published_rfc0434_base64_block_is_the_compact_json_block() -> None:
    data = load_shared("aries-rfcs/rfc0434_outofband.json")
    blocks = {b["preceding_text"].split(":")[0]: b["raw"] for b in data["documents"][0]["code_blocks"]}
    raw = blocks["Base64Url encoded"]
    assert base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode() == blocks["Whitespace removed"]


ENCODE = load_vectors("oob_encode")
SERVICES = load_vectors("oob_services")


@pytest.mark.parametrize("case", ENCODE["cases"], ids=lambda c: f"tc{c['tcId']}")
def test_oob_encode_vector(case: Dict[str, Any]) -> None:
    invitation = json.loads(case["invitation_utf8"])
    if case["result"] == "invalid":
        with pytest.raises(_error_class(case["error"])):
            oob.encode_url(invitation, base=case["base"], parameter=case["parameter"])
        return
    url = oob.encode_url(invitation, base=case["base"], parameter=case["parameter"])
    assert url == case["url"]
    assert oob.decode(url).invitation.to_json() == invitation


def _endpoint(ep: oob.Endpoint) -> Dict[str, Any]:
    return {
        "uri": ep.uri,
        "recipient_keys": list(ep.recipient_keys),
        "routing_keys": list(ep.routing_keys),
        "accept": None if ep.accept is None else list(ep.accept),
        "source": ep.source,
    }


@pytest.mark.parametrize("case", SERVICES["cases"], ids=lambda c: f"tc{c['tcId']}")
def test_oob_services_vector(case: Dict[str, Any]) -> None:
    invitation = oob.parse(case["invitation"])
    if case["result"] == "invalid":
        with pytest.raises(_error_class(case["error"])) as info:
            oob.service_endpoints(invitation, did_key=case.get("did_key", False))
        assert info.value.field == case["field"]
        assert "no usable service" in str(info.value)
        return
    endpoints = oob.service_endpoints(invitation, did_key=case.get("did_key", False))
    assert [_endpoint(e) for e in endpoints] == case["endpoints"]


def test_peer_did_example_in_the_services_vectors_is_the_spec_one() -> None:
    data = load_shared("peer-did-method-spec/spec_examples.json")
    final = data["current"]["did_peer_2"]["final_did"]
    assert SERVICES["cases"][1]["invitation"]["services"] == [final]
    assert SERVICES["cases"][5]["invitation"]["services"] == [data["current"]["did_peer_0"]["did_key"]]
