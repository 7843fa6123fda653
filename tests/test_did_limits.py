"""Bounds and robustness of the DID layer: length caps, nesting depth, bad
service types, non-array members, references, junk among known DIDs, and a
property test that random or mutated DIDs only ever raise refdidcomm errors."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refdidcomm import did
from refdidcomm.did import MAX_DID_URL_LENGTH, DIDDocument, create_peer2, create_peer4, parse_did_url
from refdidcomm.did._didkey import VERKEY_MAX_LEN, verkey_to_did_key
from refdidcomm.did._document import MAX_DOCUMENT_DEPTH, normalize_services
from refdidcomm.did._peer2 import encode_service, expand
from refdidcomm.did._peer3 import peer3_from_peer2
from refdidcomm.did._peer4 import _encode_document, resolve_peer4
from refdidcomm.did._peer3 import multihash_sha256
from refdidcomm.errors import MalformedDID, RefDIDCommError, UsageError

ED = "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V"
X = "z6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR"
PEER2 = create_peer2([("V", ED), ("E", X)], [{"type": "DIDCommMessaging", "serviceEndpoint": "https://bob.example"}])


def _long_form(document: dict) -> str:
    """A did:peer:4 long form with a correct hash, for documents create_peer4 refuses."""
    encoded = _encode_document(document)
    return "did:peer:4" + multihash_sha256(encoded.encode("ascii")) + ":" + encoded


def _elapsed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    with pytest.raises(MalformedDID):
        function(*args, **kwargs)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------
# 1. Length caps before base58 decoding.


def _hashed_long_form(encoded: str) -> str:
    """A did:peer:4 long form whose hash matches ``encoded`` (no base58 encoding work)."""
    return "did:peer:4" + multihash_sha256(encoded.encode("ascii")) + ":" + encoded


_LONG = {
    "did:key": "did:key:z" + "2" * 200_000,
    "did:peer:2": "did:peer:2.Vz" + "2" * 200_000,
    "did:peer:3": "did:peer:3z" + "2" * 200_000,
    "did:peer:0": "did:peer:0z" + "2" * 200_000,
    "did:peer:4": _hashed_long_form("z" + "2" * 273_000),  # 273 KB, hash correct
}


@pytest.mark.parametrize("text", list(_LONG.values()), ids=list(_LONG))
def test_long_dids_are_refused_at_once(text):
    assert len(text) > MAX_DID_URL_LENGTH
    assert _elapsed(did.resolve, text) < 0.05
    with pytest.raises(MalformedDID, match="longer than"):
        parse_did_url(text)


def test_length_cap_boundary():
    base = "did:example:"
    parse_did_url(base + "a" * (MAX_DID_URL_LENGTH - len(base)))
    with pytest.raises(MalformedDID, match="longer than 16384"):
        parse_did_url(base + "a" * (MAX_DID_URL_LENGTH - len(base) + 1))


@pytest.mark.parametrize(
    "text",
    ["did:key:z" + "2" * 16_000, "did:peer:2.Vz" + "2" * 16_000, "did:peer:3z" + "2" * 16_000],
    ids=["did:key", "did:peer:2", "did:peer:3"],
)
def test_long_keys_under_the_did_cap_are_refused_quickly(text):
    assert len(text) <= MAX_DID_URL_LENGTH
    assert _elapsed(did.resolve, text) < 0.1


def test_a_did_peer4_longer_than_the_base58_key_cap_resolves():
    # b58decode's default cap (4096 characters) is for keys; a document is longer.
    services = [
        {"id": f"#s{i}", "type": "DIDCommMessaging", "serviceEndpoint": {"uri": "https://example.com/" + "x" * 100}}
        for i in range(50)
    ]
    long_form, short_form = create_peer4({"service": services})
    assert 4096 < len(long_form) <= MAX_DID_URL_LENGTH
    doc = did.resolve(long_form)
    assert len(doc.service) == 50 and doc.also_known_as == (short_form,)


def test_verkey_length_is_checked_before_decoding():
    start = time.perf_counter()
    with pytest.raises(MalformedDID, match="longer than"):
        verkey_to_did_key("2" * 60_000)
    assert time.perf_counter() - start < 0.05
    with pytest.raises(MalformedDID, match="32 bytes"):
        verkey_to_did_key("z" * VERKEY_MAX_LEN)  # 44 characters that decode to 33 bytes


def test_did_key_with_a_fragment_over_the_cap():
    with pytest.raises(MalformedDID, match="longer than"):
        did.dereference("did:key:" + ED, "did:key:" + ED + "#" + "a" * MAX_DID_URL_LENGTH)


# ---------------------------------------------------------------------------
# 2. Legacy did:peer:2 with a bad service type.


def _service_element(text: str) -> str:
    return ".S" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize("type_json", ["null", "[]", "{}", "5", "[1]", '["a", null]'])
def test_peer2_bad_service_type(type_json, legacy):
    text = "did:peer:2.E" + X + _service_element('{"t": %s, "s": "https://x.example"}' % type_json)
    with pytest.raises(MalformedDID, match="service type must be a string or a non-empty array"):
        did.resolve(text, legacy=legacy)


def test_peer2_legacy_list_type_names_the_service():
    text = "did:peer:2.E" + X + _service_element('{"t": ["dm", "other"], "s": "https://x.example"}')
    doc = did.resolve(text, legacy=True)
    assert doc.service[0].id == text + "#didcommmessaging-0"


# ---------------------------------------------------------------------------
# 3, 7. did:peer:4 members and references.


@pytest.mark.parametrize("member", ["authentication", "keyAgreement", "verificationMethod", "service", "assertionMethod"])
@pytest.mark.parametrize("value", [5, "#key-1", {"id": "#key-1"}, None])
def test_peer4_non_array_members(member, value):
    with pytest.raises(UsageError, match="must be a JSON array"):
        create_peer4({member: value})
    with pytest.raises(MalformedDID, match="must be a JSON array"):
        did.resolve(_long_form({member: value}))


def test_peer4_absolute_reference_is_accepted():
    document = {
        "verificationMethod": [{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED}],
        "authentication": ["#key-1", "did:example:other#key-9"],
    }
    long_form, _ = create_peer4(document)
    doc = did.resolve(long_form)
    assert [vm.id for vm in doc.authentication] == [long_form + "#key-1"]
    assert doc.unresolved_references == (("authentication", "did:example:other#key-9"),)


@pytest.mark.parametrize("ref", ["key-1", "./key-1", "did:example:x#a#b", "did:Bad:x#k", ""])
def test_peer4_other_references_are_refused(ref):
    with pytest.raises(UsageError, match="relative reference"):
        create_peer4({"authentication": [ref]})
    with pytest.raises(MalformedDID, match="relative reference"):
        did.resolve(_long_form({"authentication": [ref]}))


# ---------------------------------------------------------------------------
# 9. Junk among the known DIDs.


def test_peer3_skips_junk_in_known():
    peer3 = peer3_from_peer2(PEER2)
    junk = ["did:peer:2.V!!", "did:peer:2." + "V" * (MAX_DID_URL_LENGTH + 1), "did:peer:2.", 5, None]
    doc = did.resolve(peer3, known=junk + [PEER2])
    assert doc.id == peer3 and doc.also_known_as == (PEER2,)


def test_peer4_short_form_skips_a_tampered_long_form():
    long_form, short_form = create_peer4({"service": [{"id": "#s", "type": "DIDCommMessaging", "serviceEndpoint": "https://a"}]})
    tampered = long_form[:-1] + ("2" if long_form[-1] != "2" else "3")
    doc = resolve_peer4(short_form, known=[tampered, long_form])
    assert doc.id == short_form and doc.also_known_as == (long_form,)
    with pytest.raises(did.DIDNotFound, match="candidates rejected: .*hash does not match"):
        resolve_peer4(short_form, known=[tampered])


# ---------------------------------------------------------------------------
# Nesting depth of objects that did not come through _json.loads.


def _nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_document_depth_from_a_caller():
    deep = {"id": "did:example:a", "service": [{"id": "#s", "type": "x", "serviceEndpoint": _nested(10_000)}]}
    with pytest.raises(MalformedDID, match="nested deeper than 100"):
        DIDDocument.from_dict(deep)
    shallow = {"id": "did:example:a", "service": [{"id": "#s", "type": "x", "serviceEndpoint": _nested(MAX_DOCUMENT_DEPTH - 3)}]}
    DIDDocument.from_dict(shallow)


def test_peer2_service_depth_from_a_caller():
    with pytest.raises(UsageError, match="nested deeper"):
        encode_service({"type": "x", "serviceEndpoint": _nested(10_000)})
    with pytest.raises(MalformedDID, match="nested deeper"):
        expand({"t": "dm", "s": _nested(10_000)})
    assert encode_service({"type": "x", "serviceEndpoint": _nested(50)})


def test_peer4_depth_from_a_caller():
    with pytest.raises(UsageError, match="nested deeper"):
        create_peer4({"x": _nested(10_000)})


# ---------------------------------------------------------------------------
# normalize_services(skipped=...): one bad service does not hide the others.


def test_normalize_services_skips_bad_services_on_request():
    doc = DIDDocument.from_dict(
        {
            "id": "did:example:a",
            "service": [
                {"id": "#bad", "type": "DIDCommMessaging", "serviceEndpoint": {"accept": []}},
                {"id": "#good", "type": "DIDCommMessaging", "serviceEndpoint": "https://a.example"},
            ],
        }
    )
    with pytest.raises(MalformedDID, match="uri"):
        normalize_services(doc)
    skipped: list = []
    [endpoint] = normalize_services(doc, skipped=skipped)
    assert endpoint.uri == "https://a.example"
    assert len(skipped) == 1 and "service[0].serviceEndpoint.uri" in skipped[0]
    with pytest.raises(UsageError):
        normalize_services(doc, skipped=())  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# 10. Property: random and mutated DIDs raise only refdidcomm errors, quickly.

_SEEDS = [
    PEER2,
    peer3_from_peer2(PEER2),
    "did:key:" + ED,
    "did:peer:0" + ED,
    create_peer4({"verificationMethod": [{"id": "#k", "type": "Multikey", "publicKeyMultibase": ED}], "authentication": ["#k"]})[0],
    "did:peer:2.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V.SeyJ0IjoiZG0iLCJzIjoiaHR0cHM6Ly9hIn0",
]
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl.:-_=#?/%SVEAIDz{}[]\"' \x00é"


@st.composite
def _mutated_did(draw):
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "repeat"]))
        position = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from(_ALPHABET))
        if kind == "replace" and text:
            text = text[:position] + char + text[position + 1 :]
        elif kind == "insert":
            text = text[:position] + char + text[position:]
        elif kind == "delete":
            text = text[:position] + text[position + 1 :]
        elif kind == "truncate":
            text = text[:position]
        else:
            text = text[:position] + char * draw(st.integers(1, 20_000)) + text[position:]
    return text


_DIDS = st.one_of(
    _mutated_did(),
    st.text(alphabet=_ALPHABET, max_size=200),
    st.builds(lambda prefix, body: prefix + body, st.sampled_from(["did:key:", "did:peer:", "did:peer:2.", "did:peer:4z"]), st.text(alphabet=_ALPHABET, max_size=300)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_DIDS, legacy=st.booleans())
def test_property_random_and_mutated_dids(text, legacy):
    start = time.perf_counter()
    for call in (
        lambda: parse_did_url(text),
        lambda: did.resolve(text, legacy=legacy, known=_SEEDS),
        lambda: did.dereference(text, "#key-1", known=_SEEDS),
        lambda: did.dereference(PEER2, text),
    ):
        try:
            result = call()
        except RefDIDCommError:
            continue
        if isinstance(result, DIDDocument):
            json.dumps(result.to_dict())
            normalize_services(result, skipped=[])
    assert time.perf_counter() - start < 2.0
