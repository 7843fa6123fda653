"""Message type URIs and PIURIs (refdidcomm._message_type): RFC 0003, RFC 0020, RFC 0348."""

from __future__ import annotations

import pytest

from refdidcomm._message_type import (
    DIDCOMM_DOC_URI,
    LEGACY_DOC_URI,
    parse_message_type,
    parse_protocol_id,
    version_problem,
)
from refdidcomm.errors import MalformedMessage


def test_https_type() -> None:
    mt = parse_message_type("https://didcomm.org/out-of-band/1.1/invitation")
    assert (mt.doc_uri, mt.protocol, mt.major, mt.minor, mt.name, mt.legacy) == (
        "https://didcomm.org/",
        "out-of-band",
        1,
        1,
        "invitation",
        False,
    )
    assert mt.version == "1.1"
    assert mt.uri == "https://didcomm.org/out-of-band/1.1/invitation"
    assert mt.piuri == "https://didcomm.org/out-of-band/1.1"


def test_legacy_prefix_normalised_and_reported() -> None:
    mt = parse_message_type(LEGACY_DOC_URI + "connections/1.0/invitation")
    assert mt.legacy is True
    assert mt.doc_uri == DIDCOMM_DOC_URI
    assert mt.uri == "https://didcomm.org/connections/1.0/invitation"


def test_other_did_doc_uri_is_kept() -> None:
    # RFC 0020's own example: a DID reference with a ;spec service, not the core namespace.
    mt = parse_message_type("did:sov:123456789abcdefghi1234;spec/exampleprotocol/1.0/exampletype")
    assert mt.legacy is False
    assert mt.doc_uri == "did:sov:123456789abcdefghi1234;spec/"
    assert mt.protocol == "exampleprotocol"


def test_rfc0003_example_with_nested_path() -> None:
    mt = parse_message_type("https://example.com/a/b/lets_do_lunch/12.30/proposal")
    assert mt.doc_uri == "https://example.com/a/b/"
    assert (mt.protocol, mt.major, mt.minor, mt.name) == ("lets_do_lunch", 12, 30, "proposal")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "invitation",
        "https://didcomm.org/out-of-band/1/invitation",  # no minor
        "https://didcomm.org/out-of-band/1.1.0/invitation",  # patch not allowed
        "https://didcomm.org/out-of-band/01.1/invitation",  # leading zero
        "https://didcomm.org/out-of-band/1.01/invitation",
        "https://didcomm.org/out-of-band/%VER/invitation",  # the RFC's template
        "https://didcomm.org/out-of-band/1.1/",  # no name
        "https://didcomm.org/out-of-band/1.x/invitation",  # wildcard never in a type
        "https://didcomm.org/out-of-band/1.1/invitation-",  # identifier ends in punctuation
        "https://didcomm.org/-oob/1.1/invitation",
        "out-of-band/1.1/invitation",  # no doc-uri
    ],
)
def test_bad_types_are_rejected(text: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message_type(text, field="type")
    assert info.value.field == "type"


@pytest.mark.parametrize("value", [None, 1, ["https://didcomm.org/x/1.0/y"], {"a": 1}])
def test_non_string_type(value: object) -> None:
    with pytest.raises(MalformedMessage, match="must be a string"):
        parse_message_type(value)


def test_protocol_id() -> None:
    pid = parse_protocol_id("https://didcomm.org/didexchange/1.1")
    assert (pid.doc_uri, pid.protocol, pid.major, pid.minor, pid.legacy) == ("https://didcomm.org/", "didexchange", 1, 1, False)
    assert pid.uri == "https://didcomm.org/didexchange/1.1"
    legacy = parse_protocol_id(LEGACY_DOC_URI + "connections/1.0")
    assert legacy.legacy and legacy.uri == "https://didcomm.org/connections/1.0"


def test_protocol_id_wildcard_minor_only_on_request() -> None:
    with pytest.raises(MalformedMessage):
        parse_protocol_id("https://didcomm.org/didexchange/1.x")
    pid = parse_protocol_id("https://didcomm.org/didexchange/1.x", wildcard_minor=True)
    assert pid.minor is None and pid.version == "1.x"


@pytest.mark.parametrize(
    "text", ["https://didcomm.org/didexchange", "https://didcomm.org/didexchange/1.0/request", "didexchange/1.0", 5]
)
def test_bad_protocol_ids(text: object) -> None:
    with pytest.raises(MalformedMessage):
        parse_protocol_id(text, field="handshake_protocols[0]")


def test_version_rule() -> None:
    v10 = parse_message_type("https://didcomm.org/out-of-band/1.0/invitation")
    v11 = parse_message_type("https://didcomm.org/out-of-band/1.1/invitation")
    v17 = parse_message_type("https://didcomm.org/out-of-band/1.7/invitation")
    v20 = parse_message_type("https://didcomm.org/out-of-band/2.0/invitation")
    assert version_problem(v10, (1, 1)) is None
    assert version_problem(v11, (1, 1)) is None
    assert version_problem(v17, (1, 1)) is None  # a higher minor only adds
    problem = version_problem(v20, (1, 1))
    assert problem is not None and "major" in problem and "2.0" in problem
    assert version_problem(v11, (2, 0)) is not None


def test_version_rule_major_zero_compares_minor() -> None:
    v05 = parse_message_type("https://didcomm.org/coprotocol/0.5/bind")
    v06 = parse_message_type("https://didcomm.org/coprotocol/0.6/bind")
    assert version_problem(v05, (0, 5)) is None
    problem = version_problem(v06, (0, 5))
    assert problem is not None and "major version 0" in problem
