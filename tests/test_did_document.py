"""Tests for refdidcomm.did._document and _resolver: vectors/did_documents.json, dereferencing, resolution."""

from __future__ import annotations

import copy

import pytest

from refdidcomm import did as didmod
from refdidcomm.did import (
    DIDDocument,
    DIDNotFound,
    Resolver,
    Service,
    UnsupportedKeyType,
    VerificationMethod,
    dereference,
    key_of,
    normalize_services,
    parse_did_url,
    resolve,
)
from refdidcomm.did._document import absolute_id, jwk_of_multikey, multikey_of, parse_did
from refdidcomm.errors import MalformedDID, MalformedMessage, UsageError
from refdidcomm.jwk import generate

from conftest import label_counter_rng as _seeded, load_shared, load_vectors

VECTORS = load_vectors("did_documents")
ERRORS = {"MalformedDID": MalformedDID, "UnsupportedKeyType": UnsupportedKeyType, "DIDNotFound": DIDNotFound}


def cases(op: str, result: str):
    selected = [c for c in VECTORS["cases"] if c["op"] == op and c["result"] == result]
    assert selected, f"no {result} {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


def check_error(exc_info: pytest.ExceptionInfo, case: dict) -> None:
    assert type(exc_info.value) is ERRORS[case["error"]], (type(exc_info.value), case["comment"])
    assert case["reason"] in str(exc_info.value), (str(exc_info.value), case["reason"])


# -- key_of ----------------------------------------------------------------


@cases("key_of", "valid")
def test_key_of_vectors(case):
    km = key_of(case["vm"], base_did=case["base_did"])
    vm_id = absolute_id(case["vm"]["id"], case["base_did"] or "")
    assert km.kty == case["kty"] and km.crv == case["crv"]
    assert km.jwk.kid == vm_id
    assert km.jwk.d is None
    if "multikey" in case:
        assert km.multikey == case["multikey"]
    if "public_key" in case:
        assert km.public_key.hex() == case["public_key"]
    if "jwk" in case:
        assert km.jwk.to_dict(include_kid=False) == {k: case["jwk"][k] for k in ("kty", "crv", "x", "y") if k in case["jwk"]}


@cases("key_of", "invalid")
def test_key_of_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        key_of(case["vm"])
    check_error(exc_info, case)


def test_key_of_through_a_document_uses_the_absolute_id():
    doc = DIDDocument.from_dict(
        {
            "id": "did:example:x",
            "verificationMethod": [
                {"id": "#k", "type": "Multikey", "publicKeyMultibase": "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"}
            ],
            "keyAgreement": ["#k"],
        }
    )
    (vm,) = doc.key_agreement
    assert vm.id == "did:example:x#k" and vm.controller == "did:example:x"
    assert key_of(vm).jwk.kid == "did:example:x#k"


def test_key_of_argument_errors():
    with pytest.raises(UsageError):
        key_of("did:example:x#k")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        key_of({"id": "#k", "type": "Multikey", "publicKeyMultibase": "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"})
    with pytest.raises(MalformedDID, match="required member is missing"):
        key_of({"type": "Multikey"})


def test_key_of_cache_is_keyed_by_content():
    from refdidcomm.did import _document

    a, b = generate("X25519"), generate("X25519")
    vm = {"id": "did:example:c#k", "type": "JsonWebKey2020", "publicKeyJwk": a.to_dict(include_kid=False)}
    first = key_of(vm)
    assert key_of(copy.deepcopy(vm)) is first  # an equal method: the remembered key
    assert first.jwk.x == a.x and first.jwk.kid == "did:example:c#k"
    # The same dict, mutated: its new content is read, not the remembered key.
    vm["publicKeyJwk"] = b.to_dict(include_kid=False)
    assert key_of(vm).jwk.x == b.x
    vm["id"] = "did:example:c#other"
    assert key_of(vm).jwk.kid == "did:example:c#other"
    # Errors are not remembered: a private member is rejected every time.
    bad = dict(vm, publicKeyJwk=dict(vm["publicKeyJwk"], d=a.to_dict(private=True)["d"]))
    for _ in range(2):
        with pytest.raises(MalformedDID, match="private key member"):
            key_of(bad)
    # Non-string JWK members are read without the cache (and still rejected).
    odd = dict(vm, publicKeyJwk=dict(vm["publicKeyJwk"], x=1))
    assert _document._key_cache_key(odd, "did:example:c#k") is None
    with pytest.raises(MalformedDID):
        key_of(odd)
    # Bounded: it never holds more than _KEY_CACHE_SIZE entries.
    for i in range(_document._KEY_CACHE_SIZE + 5):
        key_of(dict(vm, id=f"did:example:c#k{i}"))
        assert len(_document._KEY_CACHE) <= _document._KEY_CACHE_SIZE


@pytest.mark.parametrize("crv", ["Ed25519", "X25519", "P-256", "P-384", "P-521", "secp256k1"])
def test_multikey_jwk_round_trip(crv):
    for i in range(3):
        jwk = generate(crv, rng=_seeded(f"{crv}-{i}"))
        mk = multikey_of(jwk)
        vm = {"id": "did:example:x#k", "type": "Multikey", "publicKeyMultibase": mk}
        km = key_of(vm)
        assert km.jwk.to_dict(include_kid=False) == jwk.public().to_dict(include_kid=False)
        assert km.multikey == mk
        # and back through the JWK form
        vm2 = {"id": "did:example:x#k", "type": "JsonWebKey2020", "publicKeyJwk": jwk.public().to_dict()}
        assert key_of(vm2).multikey == mk


def test_jwk_of_multikey_rejects_unknown_codec():
    with pytest.raises(UnsupportedKeyType):
        jwk_of_multikey("ed25519-priv", bytes(32))
    with pytest.raises(UsageError):
        multikey_of({"kty": "OKP"})  # type: ignore[arg-type]


# -- documents -------------------------------------------------------------


@cases("document", "valid")
def test_document_vectors(case):
    doc = DIDDocument.from_dict(case["document"])
    assert [vm.id for vm in doc.authentication] == case["authentication"]
    assert [vm.id for vm in doc.key_agreement] == case["key_agreement"]
    assert len(doc.service) == case["services"]
    assert [list(ref) for ref in doc.unresolved_references] == case.get("unresolved", [])
    assert doc.to_dict() == case["document"]
    for vm in doc.methods():
        assert vm.id.startswith("did:")
        assert isinstance(vm, VerificationMethod)


@cases("document", "invalid")
def test_document_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        DIDDocument.from_dict(case["document"], did=case.get("did"))
    check_error(exc_info, case)


def test_document_is_a_copy():
    source = copy.deepcopy(VECTORS["cases"][0]["vm"])
    raw = {"id": "did:example:x", "verificationMethod": [dict(source, id="#k")], "authentication": ["#k"]}
    doc = DIDDocument.from_dict(raw)
    raw["verificationMethod"].clear()
    out = doc.to_dict()
    out["id"] = "changed"
    assert doc.to_dict()["verificationMethod"] and doc.to_dict()["id"] == "did:example:x"


def test_missing_controller_defaults_to_the_document():
    doc = DIDDocument.from_dict(
        {"id": "did:example:x", "verificationMethod": [{"id": "#k", "type": "Multikey", "publicKeyMultibase": "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"}]}
    )
    assert doc.verification_method[0].controller == "did:example:x"


def test_documents_methods_and_services_are_hashable():
    doc = resolve(_spec_peer2())
    assert len({doc, resolve(_spec_peer2())}) == 1
    assert len(set(doc.verification_method)) == 2 and len(set(doc.service)) == 2
    assert doc.verification_method[0] == resolve(_spec_peer2()).verification_method[0]


def test_embedded_method_can_be_referenced_from_another_relationship():
    vm = {"id": "#k", "type": "Multikey", "publicKeyMultibase": "z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V"}
    doc = DIDDocument.from_dict({"id": "did:example:x", "authentication": [vm], "assertionMethod": ["#k"]})
    assert doc.assertion_method == doc.authentication
    assert doc.verification_method == ()
    assert [m.id for m in doc.methods()] == ["did:example:x#k"]


# -- services --------------------------------------------------------------


@cases("services", "valid")
def test_normalize_services_vectors(case):
    doc = DIDDocument.from_dict(case["document"])
    got = [
        {
            "uri": e.uri,
            "accept": None if e.accept is None else list(e.accept),
            "routing_keys": list(e.routing_keys),
            "recipient_keys": list(e.recipient_keys),
            "priority": e.priority,
            "id": e.id,
            "type": e.type,
        }
        for e in normalize_services(doc)
    ]
    assert got == case["endpoints"]


@cases("services", "invalid")
def test_normalize_services_rejects(case):
    doc = DIDDocument.from_dict(case["document"])
    with pytest.raises(MalformedDID) as exc_info:
        normalize_services(doc)
    check_error(exc_info, case)


def test_normalize_services_needs_a_document():
    with pytest.raises(UsageError):
        normalize_services({"id": "did:example:x"})  # type: ignore[arg-type]


def test_normalize_services_of_spec_appendix_and_sicpa_documents():
    """Every published document with services normalizes; ones without give []."""
    shared = load_shared("sicpa-didcomm-python/keys_and_did_docs.json")
    for name, raw in shared["did_docs"].items():
        doc = DIDDocument.from_dict(raw)
        endpoints = normalize_services(doc)
        assert len(endpoints) == len(raw.get("service", [])), name
        for endpoint in endpoints:
            assert endpoint.type == "did-communication" and endpoint.priority == 0
            assert endpoint.accept == ("didcomm/v2", "didcomm/aip2;env=rfc587")


# -- DID URLs --------------------------------------------------------------


@cases("did_url", "valid")
def test_parse_did_url_vectors(case):
    parsed = parse_did_url(case["text"])
    assert parsed.did == case["did"]
    assert parsed.method == case["method"]
    assert parsed.method_specific_id == case["method_specific_id"]
    assert parsed.path == case["path"]
    assert parsed.query == case["query"]
    assert parsed.fragment == case["fragment"]
    assert parsed.url == case["text"]


@cases("did_url", "invalid")
def test_parse_did_url_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        parse_did_url(case["text"])
    check_error(exc_info, case)


@cases("absolute_id", "valid")
def test_absolute_id_vectors(case):
    assert absolute_id(case["reference"], case["base_did"]) == case["absolute"]


@cases("absolute_id", "invalid")
def test_absolute_id_rejects(case):
    with pytest.raises(MalformedDID) as exc_info:
        absolute_id(case["reference"], case["base_did"])
    check_error(exc_info, case)


def test_parse_did_rejects_did_urls_and_non_strings():
    for text in ["did:example:1#a", "did:example:1?q", "did:example:1/p"]:
        with pytest.raises(MalformedDID, match="is a DID URL, not a DID"):
            parse_did(text)
    for value in [None, 5, b"did:example:1"]:
        with pytest.raises(MalformedDID, match="must be a string"):
            parse_did_url(value)


# -- dereferencing ---------------------------------------------------------


def _alice() -> DIDDocument:
    return DIDDocument.from_dict(load_shared("didcomm-messaging-spec/appendix_test_vectors.json")["did_docs"]["alice"])


def test_dereference_fragment_relative_and_absolute():
    doc = _alice()
    vm = dereference(doc, "#key-x25519-1")
    assert isinstance(vm, VerificationMethod) and vm.id == "did:example:alice#key-x25519-1"
    assert dereference(doc, "did:example:alice#key-x25519-1") == vm
    assert key_of(vm).crv == "X25519"
    assert dereference(doc, "did:example:alice") is doc


def test_dereference_service_and_errors():
    doc = resolve(_spec_peer2())
    svc = dereference(doc, "#service-1")
    assert isinstance(svc, Service) and svc.service_endpoint["uri"] == "http://example.com/another"
    with pytest.raises(DIDNotFound, match="names nothing"):
        dereference(doc, "#key-3")
    with pytest.raises(MalformedDID, match="belongs to another DID"):
        dereference(doc, "did:example:other#key-1")
    with pytest.raises(MalformedDID, match="not supported"):
        dereference(doc, "?service=service")
    with pytest.raises(MalformedDID, match="not supported"):
        dereference(doc, "key-1")
    with pytest.raises(UsageError):
        dereference(42, "#key-1")  # type: ignore[arg-type]


def test_dereference_resolves_a_did_first():
    vm = dereference(_spec_peer2(), "#key-2")
    assert isinstance(vm, VerificationMethod) and vm.id.endswith("#key-2")
    vm = dereference("did:example:alice", "#key-1", documents={"did:example:alice": _alice().to_dict()})
    assert key_of(vm).crv == "Ed25519"


def _spec_peer2() -> str:
    return load_shared("peer-did-method-spec/spec_examples.json")["current"]["did_peer_2"]["final_did"]


# -- resolution dispatch ---------------------------------------------------


def test_resolve_example_documents_map():
    app = load_shared("didcomm-messaging-spec/appendix_test_vectors.json")["did_docs"]
    docs = {doc["id"]: doc for doc in app.values()}
    bob = resolve("did:example:bob", documents=docs)
    assert len(bob.key_agreement) == 9
    assert [key_of(vm).crv for vm in bob.key_agreement][:3] == ["X25519"] * 3
    with pytest.raises(DIDNotFound, match="documents map"):
        resolve("did:example:carol", documents=docs)
    with pytest.raises(DIDNotFound, match="documents map"):
        resolve("did:example:carol")
    # A document filed under the wrong DID is rejected.
    with pytest.raises(MalformedDID, match="is not the resolved DID"):
        resolve("did:example:carol", documents={"did:example:carol": app["alice"]})


def test_resolve_registry_for_other_methods():
    seen = []

    def did_web(did: str):
        seen.append(did)
        if did == "did:web:example.com":
            return {"id": did, "service": [{"id": "#d", "type": "DIDCommMessaging", "serviceEndpoint": {"uri": "https://example.com/dc"}}]}
        return None

    doc = resolve("did:web:example.com", registry={"web": did_web})
    assert normalize_services(doc)[0].uri == "https://example.com/dc"
    with pytest.raises(DIDNotFound, match="does not know"):
        resolve("did:web:other.example", registry={"web": did_web})
    assert seen == ["did:web:example.com", "did:web:other.example"]
    with pytest.raises(DIDNotFound, match="no resolver for DID method 'web'"):
        resolve("did:web:example.com")
    with pytest.raises(MalformedDID, match="is not the resolved DID"):
        resolve("did:web:a.example", registry={"web": lambda d: {"id": "did:web:b.example"}})
    with pytest.raises(UsageError):
        resolve("did:web:a.example", registry={"web": lambda d: "not a document"})
    with pytest.raises(UsageError):
        resolve("did:web:a.example", registry=[("web", did_web)])  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        resolve("did:example:a", documents=["did:example:a"])  # type: ignore[arg-type]


def test_resolve_rejects_non_dids_and_bad_known():
    for value in ["", "did:key", "z6Mk", None, "did:example:a#frag"]:
        with pytest.raises(MalformedDID):
            resolve(value)
    with pytest.raises(UsageError):
        resolve("did:peer:3zQmS19jtYDvGtKVrJhQnRFpBQAx3pJ9omx2HpNrcXFuRCz9", known="did:peer:2.x")


def test_resolver_object_remembers_long_forms():
    spec = load_shared("peer-did-method-spec/spec_examples.json")["current"]
    resolver = Resolver()
    p3 = spec["did_peer_3"]
    with pytest.raises(DIDNotFound):
        resolver.resolve(p3["did_peer_3"])
    resolver.resolve(p3["did_peer_2"])
    assert resolver(p3["did_peer_3"]).id == p3["did_peer_3"]
    p4 = spec["did_peer_4"]
    with pytest.raises(DIDNotFound):
        resolver.resolve(p4["short_form_did"])
    resolver.resolve(p4["long_form_did"])
    assert resolver.resolve(p4["short_form_did"]).to_dict() == p4["resolved_short_form_doc"]
    vm = resolver.dereference(p4["short_form_did"] + "#6LSqPZfn")
    assert key_of(vm).crv == "X25519"


def test_resolver_registry_documents_and_legacy():
    resolver = Resolver(legacy=True, known=[])
    resolver.register("web", lambda d: {"id": d})
    assert resolver.resolve("did:web:example.com").id == "did:web:example.com"
    resolver.add_document(_alice())
    resolver.add_document({"id": "did:example:z"})
    assert resolver.resolve("did:example:alice").id == "did:example:alice"
    assert resolver.resolve("did:example:z").service == ()
    doc = resolver.resolve("did:peer:0z6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V")
    assert [vm.id.split("#")[1] for vm in doc.verification_method] == ["6MkqRYqQ"]
    for bad in ["Web", "", "w b", 5]:
        with pytest.raises(UsageError):
            resolver.register(bad, lambda d: None)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        resolver.register("web", "not callable")  # type: ignore[arg-type]
    with pytest.raises(MalformedDID):
        resolver.remember("not a did")
    with pytest.raises(MalformedDID):
        resolver.add_document({"no": "id"})


def test_unknown_and_unsupported_methods():
    with pytest.raises(DIDNotFound, match="no resolver"):
        resolve("did:sov:WRfXPg8dantKVubE3HX8pw")
    assert issubclass(DIDNotFound, MalformedDID) and issubclass(MalformedDID, MalformedMessage)
    assert issubclass(UnsupportedKeyType, MalformedDID)


def test_facade_all_names_exist():
    for name in didmod.__all__:
        assert hasattr(didmod, name), name
    assert len(didmod.__all__) == len(set(didmod.__all__))


# -- review fixes: caches keyed by exact types only; known must be iterable --


def test_key_of_cache_is_not_used_for_mappings_other_than_dict() -> None:
    from refdidcomm.did import key_of

    jwk = generate("X25519").public().to_dict()
    vm = {"id": "did:example:a#k", "type": "JsonWebKey2020", "controller": "did:example:a", "publicKeyJwk": jwk}

    class GetLies(dict):
        def get(self, name, default=None):
            return {"kty": "OKP"} if name == "publicKeyJwk" else super().get(name, default)

    with pytest.raises(MalformedDID):
        key_of(GetLies(vm))
    key_of(dict(vm))  # warms the cache for the plain dict
    with pytest.raises(MalformedDID):
        key_of(GetLies(vm))


def test_parse_did_url_cache_is_keyed_by_exact_strings() -> None:
    from refdidcomm.did import parse_did_url

    assert parse_did_url("did:example:bob").did == "did:example:bob"

    class Alike(str):
        def __hash__(self):
            return hash("did:example:bob")

        def __eq__(self, other):
            return True

    with pytest.raises(MalformedDID):
        parse_did_url(Alike("not a did at all"))


def test_resolve_refuses_a_known_that_is_not_iterable_for_every_method() -> None:
    for did in ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:web:example.com", "did:peer:0z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"):
        with pytest.raises(UsageError):
            didmod.resolve(did, known=None)
        with pytest.raises(UsageError):
            didmod.resolve(did, known=5)
