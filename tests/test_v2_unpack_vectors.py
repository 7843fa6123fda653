"""DIDComm v2 published message vectors: spec Appendix C, didcomm-python and didcomm-rust, on both backends.

vectors/didcomm_v2_{spec_appendix_c,sicpa_python,sicpa_rust}.json with the
keys and DID documents of vectors/didcomm_v2_keys.json.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from conftest import load_vectors
from refdidcomm import errors, v2
from refdidcomm.jwk import JWK

KEYS = load_vectors("didcomm_v2_keys")
FILES = {"didcomm_v2_spec_appendix_c": "spec", "didcomm_v2_sicpa_python": "python", "didcomm_v2_sicpa_rust": "rust"}
CASES = [(name, case) for name in FILES for case in load_vectors(name)["cases"]]


def _secrets(key_set: str, who: str) -> Dict[str, JWK]:
    return {s["kid"]: JWK.from_dict(s) for s in KEYS["secrets"][key_set][who]}


def _compare_message(expected: Dict[str, Any], result: v2.UnpackResult) -> None:
    got = result.message.to_dict()
    expected = dict(expected)
    # Library differences (see the vector files' notes): thid and typ filled
    # in by the library, from_prior decoded to its claims.
    if "thid" in expected and "thid" not in got:
        assert expected.pop("thid") == result.message.thread_id
    if "typ" in expected and "typ" not in got:
        assert expected.pop("typ") == v2.PLAINTEXT_TYP
    if isinstance(expected.get("from_prior"), dict):
        assert expected.pop("from_prior") == result.metadata.from_prior
        assert got.pop("from_prior") == result.metadata.from_prior_jwt
    assert got == expected


def _compare_metadata(expected: Dict[str, Any], metadata: v2.UnpackMetadata) -> None:
    got = metadata.to_dict()
    for name, value in expected.items():
        if name == "signed_message" and value is not None:
            assert json.loads(got[name]) == json.loads(value)
        else:
            assert got[name] == value, name


@pytest.mark.parametrize("name,case", CASES, ids=[f"{n}-{c['tcId']}-{c.get('name', '')}" for n, c in CASES])
def test_published_vector(name: str, case: Dict[str, Any], backend) -> None:
    key_set = FILES[name]
    resolver = v2.make_resolver(KEYS["did_docs"][key_set])
    secrets = _secrets(key_set, case["unpack_as"])
    options = case.get("unpack_options", {})
    if case["result"] == "valid":
        result = v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=backend, **options)
        _compare_message(case["expected_message"], result)
        _compare_metadata(case["expected_metadata"], result.metadata)
        # The same message as parsed JSON and as UTF-8 bytes.
        again = v2.unpack(json.loads(case["packed"]), secrets=secrets, resolver=resolver, backend=backend, **options)
        assert again.message == result.message
        again = v2.unpack(case["packed"].encode("utf-8"), secrets=secrets, resolver=resolver, backend=backend, **options)
        assert again.message == result.message
    else:
        with pytest.raises(getattr(errors, case["error"])) as info:
            v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=backend, **options)
        # Pinned per case: the check that fires, not only the error class.
        assert getattr(info.value, "field", None) == case["field"]
        assert case["reason"] in str(info.value)


UNAUTHENTICATED_FROM_PRIOR = [(n, c) for n, c in CASES if "UnauthenticatedFromPrior" in c["flags"]]


@pytest.mark.parametrize("name,case", UNAUTHENTICATED_FROM_PRIOR, ids=[f"{n}-{c['tcId']}" for n, c in UNAUTHENTICATED_FROM_PRIOR])
def test_plaintext_from_prior_is_refused_without_the_opt_out(name: str, case: Dict[str, Any]) -> None:
    """"The message MUST be encrypted" (DID Rotation): without the opt-out every such case fails on that rule."""
    key_set = FILES[name]
    with pytest.raises(errors.MalformedMessage, match="MUST be encrypted") as info:
        v2.unpack(case["packed"], secrets=_secrets(key_set, case["unpack_as"]), resolver=v2.make_resolver(KEYS["did_docs"][key_set]))
    assert info.value.field == "from_prior"


def test_crypto_tamper_cases_decode_cleanly() -> None:
    """The ModifiedTag/Ciphertext/IV/EncryptedKey/Signature cases must get past strict base64url to the cryptography."""
    tampered = [c for c in load_vectors("didcomm_v2_sicpa_rust")["cases"]
                if set(c["flags"]) & {"ModifiedTag", "ModifiedCiphertext", "ModifiedIV", "ModifiedEncryptedKey", "ModifiedSignature"}]
    assert len(tampered) == 9
    assert {c["error"] for c in tampered} == {"DecryptionError", "InvalidSignature"}
    assert not any("non-canonical" in c["reason"] for c in tampered)


def test_counts() -> None:
    counts = {name: len(load_vectors(name)["cases"]) for name in FILES}
    assert counts == {"didcomm_v2_spec_appendix_c": 9, "didcomm_v2_sicpa_python": 52, "didcomm_v2_sicpa_rust": 69}


def test_spec_vectors_as_alice_fail_without_her_keys(backend) -> None:
    """Alice holds none of the recipient keys: every encrypted spec vector names no key of hers."""
    resolver = v2.make_resolver(KEYS["did_docs"]["spec"])
    secrets = _secrets("spec", "alice")
    for case in load_vectors("didcomm_v2_spec_appendix_c")["cases"]:
        if case["expected_metadata"]["encrypted"]:
            with pytest.raises(errors.MalformedMessage) as info:
                v2.unpack(case["packed"], secrets=secrets, resolver=resolver, backend=backend)
            assert info.value.field == "recipients"


ENCRYPTED = [(n, c) for n, c in CASES if c["result"] == "valid" and c["expected_metadata"].get("encrypted")]


@pytest.mark.parametrize("name,case", ENCRYPTED, ids=[f"{n}-{c['tcId']}" for n, c in ENCRYPTED])
def test_every_recipient_entry_decrypts(name: str, case: Dict[str, Any], backend) -> None:
    """Each recipient's own key alone opens the message (this also checks didcomm-python's
    multibase key-x25519-4 secret, transcribed as a JWK)."""
    key_set = FILES[name]
    resolver = v2.make_resolver(KEYS["did_docs"][key_set])
    everything = _secrets(key_set, case["unpack_as"])
    kids = case["expected_metadata"].get("encrypted_to") or json.loads(case["packed"])["recipients"]
    for kid in kids:
        result = v2.unpack(case["packed"], secrets={kid: everything[kid]}, resolver=resolver, backend=backend)
        _compare_message(case["expected_message"], result)
