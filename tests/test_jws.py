"""JWS: General/Flattened JSON and Compact, EdDSA/ES256/ES256K (``vectors/jose_jws.json``),
and the DIDComm v2 Appendix C.2 signed messages (``vectors/didcomm_appendix_c.json``).
Every vector runs on both backends."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from conftest import load_vectors
from refdidcomm import _jose_algorithms, _rfc7515, _sec1, errors, jws
from refdidcomm.encoding import b64url_decode, b64url_encode
from refdidcomm.jwk import JWK, KeyNotFound

JWS = load_vectors("jose_jws")
APPC = load_vectors("didcomm_appendix_c")


def _cases(vectors: dict, *results: str):
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in vectors["cases"] if c["result"] in results]


def _error(name: str) -> type:
    """The error class a vector names (the refdidcomm.errors classes, plus jwk.KeyNotFound)."""
    return KeyNotFound if name == "KeyNotFound" else getattr(errors, name)


def _keys(case: dict):
    if case.get("single_key"):
        return JWK.from_dict(case["public_jwk"])
    return {kid: JWK.from_dict(j).with_kid(kid) for kid, j in case["public_jwks"].items()}


def _verify(case: dict, backend, **kw):
    verify = jws.verify_compact if case["serialization"] == "compact" else jws.verify
    return verify(case["jws"], _keys(case), backend=backend, **kw)


def _appendix_keys():
    keys = APPC["keys"]
    public = {kid: JWK.from_dict(j).with_kid(kid) for kid, j in keys["public_jwks"].items()}
    secrets = {s["kid"]: JWK.from_dict(s) for who in ("alice_secrets", "bob_secrets") for s in keys[who]}
    return public, secrets


@pytest.mark.parametrize("case", _cases(JWS, "valid", "acceptable"))
def test_valid_vectors_verify(case: dict, backend) -> None:
    result = _verify(case, backend)
    if "payload_utf8" in case:
        assert result.payload == case["payload_utf8"].encode()
    if "expected_kids" in case:
        assert list(result.kids) == case["expected_kids"]
    if case["result"] == "acceptable":
        with pytest.raises(_error(case["strict_error"])):
            _verify(case, backend, strict=True)
    else:
        assert _verify(case, backend, strict=True).payload == result.payload


@pytest.mark.parametrize("case", _cases(JWS, "invalid"))
def test_invalid_vectors_are_rejected(case: dict, backend) -> None:
    # Not only the class: the message must name the rule that failed.
    with pytest.raises(_error(case["error"])) as excinfo:
        _verify(case, backend)
    assert case["reason"] in str(excinfo.value)
    if "field" in case:
        assert excinfo.value.field == case["field"]


@pytest.mark.parametrize("case", [c for c in _cases(JWS, "valid") if "private_kid" in c.values[0] or "private_jwk" in c.values[0] or "private_kids" in c.values[0]])
def test_signing_reproduces_the_deterministic_vectors(case: dict, backend) -> None:
    _, secrets = _appendix_keys()
    if "private_jwk" in case:
        token = jws.sign_compact(case["payload_utf8"].encode(), JWK.from_dict(case["private_jwk"]), typ=case["typ"], backend=backend)
        assert token == case["jws"]
        return
    kids = case.get("private_kids") or [case["private_kid"]]
    signed = jws.sign(case["payload_utf8"].encode(), [secrets[k] for k in kids], typ=case["typ"], backend=backend)
    assert signed == case["jws"]


def test_es256k_signatures_are_low_s(backend) -> None:
    _, secrets = _appendix_keys()
    key = secrets["did:example:alice#key-3"]
    n = _sec1.get_curve("secp256k1").n
    for i in range(16):
        signed = jws.sign(f"message {i}".encode(), [key], backend=backend)
        signature = b64url_decode(signed["signatures"][0]["signature"])
        assert int.from_bytes(signature[32:], "big") <= n // 2
        jws.verify(signed, {key.kid: key.public()}, strict=True, backend=backend)


@pytest.mark.parametrize("case", [c for c in _cases(APPC, "valid") if c.values[0]["layers"][0]["kind"] == "signed"])
def test_didcomm_appendix_c2_signed_messages(case: dict, backend) -> None:
    public, _ = _appendix_keys()
    result = jws.verify(case["message"], public, backend=backend)
    layer = case["layers"][0]
    assert result.kids == (layer["kid"],) and result.algs == (layer["alg"],)
    assert result.protected[0]["typ"] == jws.DIDCOMM_SIGNED_TYP
    assert json.loads(result.payload) == case["expected_plaintext"]
    # Also as JSON text, and in the Flattened form.
    assert jws.verify(json.dumps(case["message"]), public, backend=backend).payload == result.payload
    flat = {"payload": case["message"]["payload"], **case["message"]["signatures"][0]}
    assert jws.verify(flat, public, backend=backend).payload == result.payload


@pytest.mark.parametrize(
    "case", [c for c in _cases(APPC, "invalid") if "signatures" in c.values[0]["message"]]
)
def test_didcomm_appendix_c2_mutations(case: dict, backend) -> None:
    public, _ = _appendix_keys()
    with pytest.raises(_error(case["error"])):
        jws.verify(case["message"], public, backend=backend)


@pytest.mark.parametrize("kid", ["did:example:alice#key-1", "did:example:alice#key-2", "did:example:alice#key-3"])
def test_sign_verify_round_trip_every_algorithm(kid: str, backend) -> None:
    public, secrets = _appendix_keys()
    for size in (0, 1, 15, 16, 17, 63, 64, 65):
        payload = bytes(range(size))
        signed = jws.sign(payload, [secrets[kid]], backend=backend)
        assert jws.verify(signed, public, backend=backend).payload == payload
        token = jws.sign_compact(payload, secrets[kid], backend=backend)
        result = jws.verify_compact(token, public, backend=backend)
        assert result.payload == payload and result.kids == (kid,)
        assert result.protected[0] == {"typ": "JWT", "alg": result.algs[0], "kid": kid}


def test_verify_accepts_a_callable_key_lookup(backend) -> None:
    public, secrets = _appendix_keys()
    signed = jws.sign(b"x", [secrets["did:example:alice#key-1"]], backend=backend)
    assert jws.verify(signed, public.get, backend=backend).payload == b"x"
    with pytest.raises(KeyNotFound):
        jws.verify(signed, lambda kid: None, backend=backend)


def test_single_key_must_match_a_header_kid(backend) -> None:
    public, secrets = _appendix_keys()
    signed = jws.sign(b"x", [secrets["did:example:alice#key-1"]], backend=backend)
    assert jws.verify(signed, public["did:example:alice#key-1"], backend=backend).payload == b"x"
    with pytest.raises(errors.MalformedMessage):  # KeyNotFound is a MalformedMessage
        jws.verify(signed, public["did:example:alice#key-1"].with_kid("did:example:alice#other"), backend=backend)
    assert jws.verify(signed, public["did:example:alice#key-1"].with_kid(None), backend=backend).payload == b"x"


def test_the_algorithms_option_restricts_verification(backend) -> None:
    public, secrets = _appendix_keys()
    signed = jws.sign(b"x", [secrets["did:example:alice#key-2"]], backend=backend)
    with pytest.raises(errors.UnsupportedAlgorithm):
        jws.verify(signed, public, algorithms={"EdDSA"}, backend=backend)


def test_the_algorithms_option_must_not_be_a_single_string(backend) -> None:
    # "ES256" in "ES256K" is a substring test: a str must not reach the
    # membership check, or algorithms="ES256K" would accept ES256.
    public, secrets = _appendix_keys()
    signed = jws.sign(b"x", [secrets["did:example:alice#key-2"]], backend=backend)  # ES256
    with pytest.raises(errors.UsageError, match="single string"):
        jws.verify(signed, public, algorithms="ES256K", backend=backend)
    with pytest.raises(errors.UnsupportedAlgorithm):
        jws.verify(signed, public, algorithms=["ES256K"], backend=backend)
    assert jws.verify(signed, public, algorithms=["ES256"], backend=backend).algs == ("ES256",)
    for lookup, name in ((_jose_algorithms.key_management_algorithm, "ECDH-ES"), (_jose_algorithms.content_encryption_algorithm, "A128GCM")):
        with pytest.raises(errors.UsageError):
            lookup(name, "ECDH-ES+A256KW A128GCM")
    with pytest.raises(errors.UsageError):
        _jose_algorithms.jws_algorithm("none", "EdDSA")


def test_sign_usage_errors() -> None:
    _, secrets = _appendix_keys()
    key = secrets["did:example:alice#key-1"]
    with pytest.raises(errors.UsageError):
        jws.sign(b"x", [])
    with pytest.raises(errors.UsageError):
        jws.sign("text", [key])  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):
        jws.sign(b"x", [key.public()])
    with pytest.raises(errors.UsageError):
        jws.sign(b"x", [key.with_kid(None)])
    with pytest.raises(errors.UnsupportedAlgorithm):  # X25519 cannot sign
        jws.sign(b"x", [secrets["did:example:alice#key-x25519-1"]])
    with pytest.raises(errors.UnsupportedAlgorithm):  # P-521: no ES512 in the registry
        jws.sign(b"x", [secrets["did:example:alice#key-p521-1"]])
    with pytest.raises(errors.UsageError):
        jws.verify_compact(42, {})  # type: ignore[arg-type]


def test_sign_typ_is_optional_and_header_layout_matches_didcomm() -> None:
    _, secrets = _appendix_keys()
    key = secrets["did:example:alice#key-1"]
    signed = jws.sign(b"x", [key])
    entry = signed["signatures"][0]
    assert json.loads(b64url_decode(entry["protected"])) == {"typ": "application/didcomm-signed+json", "alg": "EdDSA"}
    assert entry["header"] == {"kid": key.kid}
    bare = jws.sign(b"x", [key], typ=None)
    assert json.loads(b64url_decode(bare["signatures"][0]["protected"])) == {"alg": "EdDSA"}


def test_signing_input_is_the_members_as_received(backend) -> None:
    # A protected header with extra whitespace verifies over its own bytes.
    _, secrets = _appendix_keys()
    key = secrets["did:example:alice#key-1"]
    protected = b64url_encode(b'{ "alg" : "EdDSA" }')
    payload = b64url_encode(b"body")
    signature = _rfc7515.sign_bytes(_jose_algorithms.EdDSA, key, _rfc7515.signing_input(protected, payload), backend=backend)
    obj = {"payload": payload, "signatures": [{"protected": protected, "header": {"kid": key.kid}, "signature": b64url_encode(signature)}]}
    assert jws.verify(obj, {key.kid: key.public()}, backend=backend).payload == b"body"


def test_the_registry_is_immutable_and_rejects_none() -> None:
    assert isinstance(_jose_algorithms.JWS_ALGORITHMS, MappingProxyType)
    with pytest.raises(TypeError):
        _jose_algorithms.JWS_ALGORITHMS["none"] = _jose_algorithms.EdDSA  # type: ignore[index]
    with pytest.raises(errors.UnsupportedAlgorithm, match="never accepted"):
        _jose_algorithms.jws_algorithm("none")
    with pytest.raises(errors.UnsupportedAlgorithm):
        _jose_algorithms.jws_algorithm("ES384")
    with pytest.raises(errors.UnsupportedAlgorithm):
        _jose_algorithms.jws_algorithm(None)
    with pytest.raises(errors.UnsupportedAlgorithm):
        _jose_algorithms.jws_algorithm("ES256", allowed={"EdDSA"})
    assert _jose_algorithms.jws_algorithm("ES256K") is _jose_algorithms.ES256K
    assert set(_jose_algorithms.JWS_ALGORITHMS) == _jose_algorithms.DIDCOMM_JWS_ALGORITHMS


@pytest.mark.parametrize("payload, reason", [
    ("AAA=", "padding not allowed"), ("AA+A", "invalid character"), ("AAAAA", "impossible length"),
    ("AB", "non-canonical trailing bits"), ("é", "invalid character"), (3, "must be a base64url string"),
])
def test_payload_is_read_with_either_backend_and_the_same_errors(backend, payload, reason):
    from refdidcomm import _rfc7515

    from refdidcomm.jwk import generate

    key = generate("Ed25519", rng=lambda n: b"\x07" * n, kid="did:example:s#1", backend=backend)
    big = bytes(range(256)) * 40  # above the native encoder's threshold
    signed = _rfc7515.sign_general(big, [key], backend=backend)
    assert _rfc7515.verify_json(signed, key.public(), backend=backend).payload == big
    signed["payload"] = payload
    with pytest.raises(errors.MalformedMessage) as err:
        _rfc7515.verify_json(signed, key.public(), backend=backend)
    assert (err.value.reason, err.value.field) == (reason, "payload")
