"""Routing Protocol 2.0 forward: vectors/didcomm_v2_forward.json on both backends, and the checks.

Wrap cases are reproduced byte for byte from their seed, then peeled by the
mediators hop by hop (checking the key that opens each layer and ``next``),
and the final payload is opened by the recipient.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

import pytest

from refdidcomm import _json, errors, jwe, routing
from refdidcomm.jwk import JWK, KeyNotFound
from refdidcomm.v2._keys import make_resolver, relationship_keys

from conftest import load_vectors
from v2_helpers import label_rng

VECTORS = load_vectors("didcomm_v2_forward")
CASES = VECTORS["cases"]
WRAP_VALID = [c for c in CASES if c["operation"] == "wrap" and c["result"] == "valid"]
WRAP_INVALID = [c for c in CASES if c["operation"] == "wrap" and c["result"] == "invalid"]
UNWRAP = [c for c in CASES if c["operation"] == "unwrap"]
ERRORS = {"MalformedMessage": errors.MalformedMessage, "MalformedDID": errors.MalformedDID,
          "DecryptionError": errors.DecryptionError, "KeyNotFound": KeyNotFound}


def secrets_of(raw: Dict[str, Any]) -> Dict[str, JWK]:
    return {kid: JWK.from_dict(d).with_kid(kid) for kid, d in raw.items()}


RESOLVER = make_resolver(VECTORS["keys"]["documents"])
SECRETS = secrets_of(VECTORS["keys"]["secrets"])


def first_curve_keys(did: str):
    keys = relationship_keys(RESOLVER(did), "key_agreement")
    return [k for k in keys if k.crv == keys[0].crv]


@pytest.mark.parametrize("case", WRAP_VALID, ids=lambda c: f"tc{c['tcId']}")
def test_wrap_reproduces_and_unwraps_hop_by_hop(case: Dict[str, Any], backend) -> None:
    rng = label_rng(f"refdidcomm v2 forward|{case['tcId']}")
    keys = first_curve_keys(case["to"])
    inner_enc = "XC20P" if keys[0].crv == "X25519" else "A256GCM"
    inner = _json.dumps(jwe.encrypt(case["plaintext_utf8"].encode(), keys, enc=inner_enc, rng=rng, backend=backend))
    assert inner == case["inner"]
    packed, meta = routing.wrap_for_recipient(
        inner, case["to"], resolver=RESOLVER, headers=case.get("headers"), enc=case["enc"], rng=rng, backend=backend
    )
    assert packed == case["packed"]
    expected_meta = case["service_metadata"]
    if expected_meta is None:
        assert meta is None
    else:
        assert meta == routing.ServiceMetadata(
            id=expected_meta["id"], service_endpoint=expected_meta["service_endpoint"], routing_keys=tuple(expected_meta["routing_keys"])
        )
    assert len(case["hops"]) == (0 if meta is None else len(meta.routing_keys))
    current = packed
    for hop in case["hops"]:
        result = routing.unwrap_forward(current, secrets=SECRETS, resolver=RESOLVER, backend=backend)
        assert result.recipient_kid == hop["recipient_kid"]
        assert result.next == hop["next"]
        assert routing.is_forward(result.forward_message)
        assert result.forward_message.id == hop["forward_id"]
        assert result.forward_message.to == [hop["recipient_kid"].split("#")[0]]
        assert result.forward_message.body == {"next": hop["next"]}
        opened = jwe.decrypt(current, SECRETS, backend=backend)
        assert opened.alg == "ECDH-ES+A256KW" and opened.enc == case["enc"]
        for name, value in (case.get("headers") or {}).items():
            assert result.forward_message.to_dict()[name] == value
        current = result.forwarded
    # What reaches the recipient is the inner message, which the recipient opens.
    assert _json.loads(current) == _json.loads(inner)
    plaintext = jwe.decrypt(current, SECRETS, backend=backend).plaintext
    assert plaintext.decode() == case["plaintext_utf8"]
    if case["hops"]:
        assert case["hops"][-1]["next"] == case["to"]


@pytest.mark.parametrize("case", WRAP_INVALID, ids=lambda c: f"tc{c['tcId']}")
def test_wrap_route_errors(case: Dict[str, Any], backend) -> None:
    with pytest.raises(ERRORS[case["error"]], match=case["error_contains"]):
        routing.wrap_for_recipient("{}", case["to"], resolver=RESOLVER, backend=backend)


@pytest.mark.parametrize("case", UNWRAP, ids=lambda c: f"tc{c['tcId']}")
def test_unwrap_cases(case: Dict[str, Any], backend) -> None:
    secrets = secrets_of(case["secrets_override"]) if "secrets_override" in case else SECRETS
    if case["result"] == "valid":
        result = routing.unwrap_forward(case["packed"], secrets=secrets, resolver=RESOLVER, backend=backend)
        assert result.next == case["next"]
        assert result.forwarded == case["forwarded"]
        return
    with pytest.raises(ERRORS[case["error"]]) as info:
        routing.unwrap_forward(case["packed"], secrets=secrets, resolver=RESOLVER, backend=backend)
    assert type(info.value).__name__ == case["error"]
    if case.get("error_field"):
        assert info.value.field == case["error_field"]


def test_unwrap_vector_packed_is_encryption_of_its_plaintext(backend) -> None:
    for case in UNWRAP:
        if "forward_plaintext" in case:
            opened = jwe.decrypt(case["packed"], SECRETS, backend=backend)
            assert _json.loads(opened.plaintext) == case["forward_plaintext"]


# -- DID endpoints, depth bound ---------------------------------------------


def test_depth_bound_is_the_number_of_did_endpoints(backend) -> None:
    # deep0 -> deep1 -> ... -> deep5 -> https: five DID endpoints.
    with pytest.raises(errors.MalformedMessage, match="max_depth=4"):
        routing.find_route("did:example:deep0", resolver=RESOLVER, max_depth=4)
    route = routing.find_route("did:example:deep0", resolver=RESOLVER, max_depth=5)
    assert route.uri == "https://deep.example"
    # innermost (deep1) is the last hop; the farthest mediator (deep5) is the first.
    assert route.hops == tuple(f"did:example:deep{i}" for i in range(5, 0, -1))
    packed, meta = routing.wrap_for_recipient(
        '{"x":1}', "did:example:deep0", resolver=RESOLVER, max_depth=5, rng=label_rng("deep"), backend=backend
    )
    expected_next = [f"did:example:deep{i}" for i in range(4, 0, -1)] + ["did:example:deep0"]
    for nxt in expected_next:
        result = routing.unwrap_forward(packed, secrets=SECRETS, resolver=RESOLVER, backend=backend)
        assert result.next == nxt
        packed = result.forwarded
    assert packed == '{"x":1}'


def test_direct_did_endpoint_to_itself_is_a_cycle() -> None:
    docs = copy.deepcopy(VECTORS["keys"]["documents"])
    erin = next(d for d in docs if d["id"] == "did:example:erin")
    erin["service"][0]["serviceEndpoint"] = {"uri": "did:example:erin"}
    with pytest.raises(errors.MalformedMessage, match="cycle"):
        routing.find_route("did:example:erin", resolver=make_resolver(docs))


@pytest.mark.parametrize("bad", [-1, True, 1.5, "4"])
def test_max_depth_must_be_a_non_negative_int(bad: Any) -> None:
    with pytest.raises(errors.UsageError):
        routing.find_route("did:example:bob", resolver=RESOLVER, max_depth=bad)


def test_max_depth_zero_allows_no_did_endpoint() -> None:
    assert routing.find_route("did:example:bob", resolver=RESOLVER, max_depth=0).hops == ("did:example:mediator1#key-x25519-1",)
    with pytest.raises(errors.MalformedMessage, match="max_depth=0"):
        routing.find_route("did:example:charlie", resolver=RESOLVER, max_depth=0)


def test_unknown_recipient_did() -> None:
    with pytest.raises(errors.MalformedDID):
        routing.wrap_for_recipient("{}", "did:example:nobody", resolver=RESOLVER)


def test_to_did_url_without_fragment_only() -> None:
    with pytest.raises(errors.MalformedDID):
        routing.wrap_for_recipient("{}", "not-a-did", resolver=RESOLVER)


# -- wrap_forward ------------------------------------------------------------


def test_wrap_forward_key_id_next_and_headers(backend) -> None:
    packed = routing.wrap_forward(
        '{"a":1}',
        "did:example:bob#key-x25519-1",
        "did:example:mediator2#key-x25519-1",
        resolver=RESOLVER,
        headers={"expires_time": 1700000000, "delay_milli": -500},
        rng=label_rng("wf"),
        backend=backend,
    )
    result = routing.unwrap_forward(packed, secrets=SECRETS, resolver=RESOLVER, backend=backend)
    assert result.next == "did:example:bob#key-x25519-1"  # "it may also be a key, for the last hop"
    assert result.forward_message.expires_time == 1700000000
    assert result.forward_message.extra_headers == {"delay_milli": -500}
    assert result.forwarded == '{"a":1}'
    assert result.recipient_kid == "did:example:mediator2#key-x25519-1"


def test_wrap_forward_is_deterministic_and_rng_order(backend) -> None:
    one = routing.wrap_forward('{"a":1}', "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, rng=label_rng("s"), backend=backend)
    two = routing.wrap_forward('{"a":1}', "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, rng=label_rng("s"), backend=backend)
    three = routing.wrap_forward('{"a":1}', "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, rng=label_rng("t"), backend=backend)
    assert one == two != three
    # the forward id is the first 16 bytes drawn, as a UUID v4
    draw = label_rng("s")(16)
    fid = routing.unwrap_forward(one, secrets=SECRETS, resolver=RESOLVER, backend=backend).forward_message.id
    assert fid.replace("-", "")[:12] == draw.hex()[:12]
    assert fid[14] == "4" and fid[19] in "89ab"


@pytest.mark.parametrize("name", ["id", "type", "body", "attachments", "to", "from"])
def test_wrap_forward_headers_may_not_replace_its_own(name: str) -> None:
    with pytest.raises(errors.UsageError, match=name):
        routing.wrap_forward("{}", "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, headers={name: "x"})


def test_wrap_forward_bad_header_value_is_rejected() -> None:
    with pytest.raises(errors.MalformedMessage, match="expires_time"):
        routing.wrap_forward("{}", "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, headers={"expires_time": "soon"})


@pytest.mark.parametrize("n", [0, 15, 17])
def test_wrap_forward_rng_must_return_n_bytes(n: int) -> None:
    with pytest.raises(errors.UsageError, match="rng"):
        routing.wrap_forward("{}", "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, rng=lambda k: b"\x00" * n)


def test_wrap_forward_routing_key_not_a_key_agreement_key() -> None:
    with pytest.raises(errors.MalformedMessage, match="not a keyAgreement key"):
        routing.wrap_forward("{}", "did:example:bob", "did:example:mediator1#key-nope", resolver=RESOLVER)


def test_wrap_forward_bare_did_without_key_agreement() -> None:
    docs = copy.deepcopy(VECTORS["keys"]["documents"])
    docs.append({"id": "did:example:keyless", "verificationMethod": [], "keyAgreement": []})
    with pytest.raises(errors.MalformedMessage, match="no keyAgreement key"):
        routing.wrap_forward("{}", "did:example:bob", "did:example:keyless", resolver=make_resolver(docs))


@pytest.mark.parametrize("nxt", ["", "bob", "https://bob.example", 7])
def test_wrap_forward_next_must_be_a_did(nxt: Any) -> None:
    with pytest.raises((errors.MalformedMessage, errors.UsageError)):
        routing.wrap_forward("{}", nxt, "did:example:mediator1#key-x25519-1", resolver=RESOLVER)


@pytest.mark.parametrize("packed", ["[1]", "not json", 5])
def test_wrap_forward_payload_must_be_a_json_object(packed: Any) -> None:
    with pytest.raises((errors.UsageError, errors.MalformedMessage)):
        routing.wrap_forward(packed, "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER)


def test_wrap_forward_unsupported_enc() -> None:
    with pytest.raises(errors.UnsupportedAlgorithm):
        routing.wrap_forward("{}", "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, enc="A128GCM")


# -- unwrap_forward negatives beyond the vectors ----------------------------


def _mediator1_jwe(plaintext: bytes, backend) -> str:
    key = first_curve_keys("did:example:mediator1")[0]
    return _json.dumps(jwe.encrypt(plaintext, [key], rng=label_rng("neg"), backend=backend))


def test_unwrap_plaintext_inside_is_not_a_message(backend) -> None:
    with pytest.raises(errors.MalformedMessage):
        routing.unwrap_forward(_mediator1_jwe(b"[1,2]", backend), secrets=SECRETS, resolver=RESOLVER, backend=backend)
    with pytest.raises(errors.MalformedMessage):
        routing.unwrap_forward(_mediator1_jwe(b"\xff", backend), secrets=SECRETS, resolver=RESOLVER, backend=backend)


def test_unwrap_a_jwe_inside_a_jwe_is_not_a_forward(backend) -> None:
    inner = _mediator1_jwe(b"{}", backend)
    with pytest.raises(errors.MalformedMessage, match="plaintext forward"):
        routing.unwrap_forward(_mediator1_jwe(inner.encode(), backend), secrets=SECRETS, resolver=RESOLVER, backend=backend)


def test_unwrap_not_a_jwe() -> None:
    with pytest.raises(errors.MalformedMessage):
        routing.unwrap_forward('{"id":"1","type":"%s","body":{"next":"did:example:bob"}}' % routing.FORWARD_TYPE, secrets=SECRETS, resolver=RESOLVER)


def test_unwrap_tampered_ciphertext_and_tag(backend) -> None:
    packed = _json.loads(WRAP_VALID[0]["packed"])
    for member in ("ciphertext", "tag", "iv"):
        bad = copy.deepcopy(packed)
        value = bad[member]
        bad[member] = ("A" if value[0] != "A" else "B") + value[1:]
        with pytest.raises(errors.DecryptionError):
            routing.unwrap_forward(bad, secrets=SECRETS, resolver=RESOLVER, backend=backend)
    bad = copy.deepcopy(packed)
    bad["ciphertext"] = bad["ciphertext"][:-4]
    with pytest.raises((errors.DecryptionError, errors.MalformedMessage)):
        routing.unwrap_forward(bad, secrets=SECRETS, resolver=RESOLVER, backend=backend)


def test_mediator_with_someone_elses_key_under_its_kid(backend) -> None:
    # The mediators of didcomm-rust share key material; a genuinely different key must fail opaquely.
    wrong = {"did:example:mediator3#key-x25519-1": SECRETS["did:example:dave#key-1"].with_kid("did:example:mediator3#key-x25519-1")}
    charlie = next(c for c in WRAP_VALID if c["to"] == "did:example:charlie")
    with pytest.raises(errors.DecryptionError, match="^decryption failed$"):
        routing.unwrap_forward(charlie["packed"], secrets=wrong, resolver=RESOLVER, backend=backend)


def test_mediators_out_of_order_cannot_open(backend) -> None:
    charlie = next(c for c in WRAP_VALID if c["to"] == "did:example:charlie")
    only_m1 = {k: v for k, v in SECRETS.items() if k.startswith("did:example:mediator1")}
    with pytest.raises(KeyNotFound):
        routing.unwrap_forward(charlie["packed"], secrets=only_m1, resolver=RESOLVER, backend=backend)


def test_is_forward() -> None:
    from refdidcomm.v2._message import Message

    assert routing.is_forward(Message(id="1", type=routing.FORWARD_TYPE, body={"next": "did:example:bob"}))
    assert not routing.is_forward(Message(id="1", type="https://didcomm.org/routing/1.0/forward"))
    assert not routing.is_forward({"type": routing.FORWARD_TYPE})  # type: ignore[arg-type]


def test_wrap_forward_inner_text_forms(backend) -> None:
    inner = {"protected": "e30", "ciphertext": "QUJD", "note": "é"}
    pretty = '  {\n  "protected": "e30",\n  "ciphertext": "QUJD", "note": "\\u00e9"}\n'
    for packed in (inner, pretty, pretty.encode("utf-8"), _json.dumps(inner)):
        wrapped = routing.wrap_forward(packed, "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER, backend=backend)
        result = routing.unwrap_forward(wrapped, secrets=SECRETS, resolver=RESOLVER, backend=backend)
        assert _json.loads(result.forwarded) == inner
        assert result.forward_message.attachments[0]["data"]["json"] == inner
    with pytest.raises(errors.MalformedMessage):
        routing.wrap_forward('{"a":1}{"b":2}', "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER)
    with pytest.raises(errors.MalformedMessage):
        routing.wrap_forward('{"a":1,"a":2}', "did:example:bob", "did:example:mediator1#key-x25519-1", resolver=RESOLVER)


def test_unwrap_forward_to_someone_else(backend) -> None:
    inner = _json.loads(WRAP_VALID[0]["inner"])
    for to, ok in ((["did:example:mediator2"], False), (["did:example:mediator2", "did:example:mediator1"], True), (None, True)):
        forward = {"id": "f1", "type": routing.FORWARD_TYPE, "body": {"next": "did:example:bob"}, "attachments": [{"data": {"json": inner}}]}
        if to is not None:
            forward["to"] = to
        packed = _mediator1_jwe(_json.dumps_bytes(forward), backend)
        if ok:
            assert routing.unwrap_forward(packed, secrets=SECRETS, resolver=RESOLVER, backend=backend).next == "did:example:bob"
        else:
            with pytest.raises(errors.MalformedMessage) as info:
                routing.unwrap_forward(packed, secrets=SECRETS, resolver=RESOLVER, backend=backend)
            assert info.value.field == "to"
