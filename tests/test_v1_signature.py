"""Aries RFC 0234 ``~sig`` with ed25519Sha512_single (refdidcomm.v1 sign_field/verify_field)."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from conftest import load_vectors
from refdidcomm import crypto
from refdidcomm.encoding import b58encode
from refdidcomm.errors import InvalidSignature, MalformedMessage, UsageError
from refdidcomm.v1 import ANY_SIGNER, sign_field, sign_message_field, signing_key, verify_field, verify_message_field
from refdidcomm.v1._rfc0234 import SIGNATURE_TYPE

KEYS = load_vectors("didcomm_v1_envelopes")["keys"]
ALICE = bytes.fromhex(KEYS["alice"]["seed"])
BOB = bytes.fromhex(KEYS["bob"]["seed"])
CONNECTION = {"DID": "B.did@B:A", "DIDDoc": {"@context": "https://w3id.org/did/v1", "id": "did:sov:B.did@B:A"}}
LEGACY_TYPE = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/signature/1.0/ed25519Sha512_single"


def _b64(data: bytes, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if pad else text.rstrip("=")


def _d64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_known_answer(backend: crypto.Backend) -> None:
    # Ed25519 is deterministic: the whole decorator is fixed by key, value and time.
    decorator = sign_field(CONNECTION, ALICE, timestamp=1_700_000_000, backend=backend)
    sig_data = struct.pack(">Q", 1_700_000_000) + json.dumps(CONNECTION, separators=(",", ":")).encode()
    assert decorator == {
        "@type": "https://didcomm.org/signature/1.0/ed25519Sha512_single",
        "signature": _b64(backend.ed25519_sign(ALICE, sig_data)),
        "sig_data": _b64(sig_data),
        "signer": KEYS["alice"]["verkey_b58"],
    }
    assert _d64(decorator["sig_data"])[:8] == bytes.fromhex("000000006553f100")  # big-endian seconds


def test_round_trip_both_backends_agree(backend: crypto.Backend) -> None:
    decorator = sign_field(CONNECTION, ALICE, timestamp=5, backend=crypto.backend("pure"))
    assert sign_field(CONNECTION, ALICE, timestamp=5, backend=backend) == decorator
    signed = verify_field(decorator, expected_signer=ANY_SIGNER, backend=backend)
    assert signed.value == CONNECTION
    assert signed.timestamp == 5
    assert signed.signer == KEYS["alice"]["verkey_b58"]
    assert verify_field(decorator, expected_signer=KEYS["alice"]["did_key"], backend=backend).value == CONNECTION


@pytest.mark.parametrize("timestamp", [0, 1, 2**32, 2**63, 2**64 - 1])
def test_timestamp_range(timestamp: int) -> None:
    assert verify_field(sign_field([1, "two"], BOB, timestamp=timestamp), expected_signer=KEYS["bob"]["verkey_b58"]).timestamp == timestamp


@pytest.mark.parametrize("timestamp", [-1, 2**64, 1.5, True, "5"])
def test_timestamp_out_of_range(timestamp: object) -> None:
    with pytest.raises(UsageError):
        sign_field({}, BOB, timestamp=timestamp)  # type: ignore[arg-type]


def test_default_timestamp_is_now() -> None:
    import time

    before = int(time.time())
    stamp = verify_field(sign_field("x", BOB), expected_signer=KEYS["bob"]["verkey_b58"]).timestamp
    assert before <= stamp <= int(time.time())


def test_deployed_agent_form_verifies(backend: crypto.Backend) -> None:
    # As ACA-Py's SignatureDecorator.create makes it: json.dumps with spaces,
    # padded base64url, the legacy @type, a base58 signer.
    sig_data = struct.pack("!Q", 1_600_000_000) + json.dumps(CONNECTION).encode("ascii")
    decorator = {
        "@type": LEGACY_TYPE,
        "signature": _b64(backend.ed25519_sign(BOB, sig_data), pad=True),
        "sig_data": _b64(sig_data, pad=True),
        "signer": KEYS["bob"]["verkey_b58"],
    }
    assert decorator["sig_data"].endswith("=") or len(sig_data) % 3 == 0
    signed = verify_field(decorator, expected_signer=ANY_SIGNER, backend=backend)
    assert signed.value == CONNECTION and signed.timestamp == 1_600_000_000


def _valid() -> dict:
    return sign_field(CONNECTION, ALICE, timestamp=42)


def test_tampered_sig_data(backend: crypto.Backend) -> None:
    decorator = _valid()
    data = bytearray(_d64(decorator["sig_data"]))
    for index in (0, 7, 8, len(data) - 1):  # timestamp and value bytes are both covered
        changed = bytearray(data)
        changed[index] ^= 1
        with pytest.raises(InvalidSignature):
            verify_field(dict(decorator, sig_data=_b64(bytes(changed))), expected_signer=ANY_SIGNER, backend=backend)


def test_tampered_signature(backend: crypto.Backend) -> None:
    decorator = _valid()
    signature = bytearray(_d64(decorator["signature"]))
    for index in (0, 31, 32, 63):
        changed = bytearray(signature)
        changed[index] ^= 0x40
        with pytest.raises(InvalidSignature):
            verify_field(dict(decorator, signature=_b64(bytes(changed))), expected_signer=ANY_SIGNER, backend=backend)


def test_other_signer(backend: crypto.Backend) -> None:
    decorator = _valid()
    with pytest.raises(InvalidSignature):
        verify_field(dict(decorator, signer=KEYS["bob"]["verkey_b58"]), expected_signer=ANY_SIGNER, backend=backend)
    with pytest.raises(InvalidSignature, match="expected signer"):
        verify_field(decorator, expected_signer=KEYS["bob"]["verkey_b58"], backend=backend)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"@type": "https://didcomm.org/signature/1.0/ed25519Sha256_multi"}, "~sig.@type"),
        ({"@type": "https://didcomm.org/signature/2.0/ed25519Sha512_single"}, "~sig.@type"),
        ({"@type": "https://didcomm.org/other/1.0/ed25519Sha512_single"}, "~sig.@type"),
        ({"@type": None}, "~sig.@type"),
        ({"signer": None}, "~sig.signer"),
        ({"signer": "0OIl"}, "~sig.signer"),
        ({"signer": b58encode(bytes(31) + b"\x01")[:-1]}, "~sig.signer"),
        ({"signature": None}, "~sig.signature"),
        ({"signature": _b64(bytes(63))}, "~sig.signature"),
        ({"signature": _b64(bytes(65))}, "~sig.signature"),
        ({"signature": "a+b/" * 22}, "~sig.signature"),
        ({"sig_data": None}, "~sig.sig_data"),
        ({"sig_data": "###"}, "~sig.sig_data"),
    ],
)
def test_malformed_decorator(change: dict, field: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        verify_field({**_valid(), **change}, expected_signer=ANY_SIGNER)
    assert info.value.field == field


def test_rfc_text_forms_are_not_deployed_forms() -> None:
    decorator = _valid()
    # ed25519sha256_single.md names the member "signers"; the README says base64URL(verkey)
    renamed = {("signers" if k == "signer" else k): v for k, v in decorator.items()}
    with pytest.raises(MalformedMessage) as info:
        verify_field(renamed, expected_signer=ANY_SIGNER)
    assert info.value.field == "~sig.signer"
    b64_signer = dict(decorator, signer=_b64(signing_key(ALICE).verkey))
    with pytest.raises((MalformedMessage, InvalidSignature)):
        verify_field(b64_signer, expected_signer=ANY_SIGNER)


@pytest.mark.parametrize("length", [0, 1, 7])
def test_sig_data_shorter_than_the_timestamp(backend: crypto.Backend, length: int) -> None:
    data = bytes(range(length))
    decorator = dict(_valid(), sig_data=_b64(data), signature=_b64(backend.ed25519_sign(ALICE, data)))
    with pytest.raises(MalformedMessage) as info:
        verify_field(decorator, expected_signer=ANY_SIGNER, backend=backend)
    assert info.value.field == "~sig.sig_data"


@pytest.mark.parametrize("payload", [b"", b"not json", b'{"a":1,"a":2}', b"\xff"])
def test_signed_but_not_json(backend: crypto.Backend, payload: bytes) -> None:
    data = bytes(8) + payload
    decorator = dict(_valid(), sig_data=_b64(data), signature=_b64(backend.ed25519_sign(ALICE, data)))
    with pytest.raises(MalformedMessage) as info:
        verify_field(decorator, expected_signer=ANY_SIGNER, backend=backend)
    assert info.value.field == "~sig.sig_data"


def test_not_an_object() -> None:
    with pytest.raises(MalformedMessage):
        verify_field("sig", expected_signer=ANY_SIGNER)


def test_message_field_round_trip(backend: crypto.Backend) -> None:
    message = {
        "@type": "https://didcomm.org/connections/1.0/response",
        "@id": "12345678900987654321",
        "connection": CONNECTION,
        "~thread": {"thid": "abcdefgh"},
    }
    signed = sign_message_field(message, "connection", BOB, timestamp=7, backend=backend)
    assert list(signed) == ["@type", "@id", "connection~sig", "~thread"]  # replaced in place
    assert "connection" not in signed and message["connection"] == CONNECTION  # input untouched
    restored, info = verify_message_field(signed, "connection", expected_signer=KEYS["bob"]["verkey_b58"], backend=backend)
    assert restored == message and list(restored) == list(message)
    assert info.timestamp == 7 and info.signer == KEYS["bob"]["verkey_b58"]


def test_message_field_errors() -> None:
    message = {"@type": "x", "connection": CONNECTION}
    with pytest.raises(UsageError):
        sign_message_field(message, "missing", BOB)
    with pytest.raises(UsageError):
        sign_message_field({**message, "connection~sig": {}}, "connection", BOB)
    signed = sign_message_field(message, "connection", BOB)
    with pytest.raises(MalformedMessage) as info:
        verify_message_field(signed, "other", expected_signer=ANY_SIGNER)
    assert info.value.field == "other~sig"
    with pytest.raises(MalformedMessage) as info:
        verify_message_field({**signed, "connection": CONNECTION}, "connection", expected_signer=ANY_SIGNER)
    assert info.value.field == "connection"
    with pytest.raises(InvalidSignature):
        verify_message_field(signed, "connection", expected_signer=ALICE_VERKEY)


ALICE_VERKEY = KEYS["alice"]["verkey_b58"]


def test_signature_type_constant() -> None:
    assert SIGNATURE_TYPE == "https://didcomm.org/signature/1.0/ed25519Sha512_single"


def test_expected_signer_is_required_and_keyword_only() -> None:
    decorator = _valid()
    # A ~sig names its own signer: without expected_signer anyone's would verify.
    with pytest.raises(TypeError):
        verify_field(decorator)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        verify_field(decorator, ALICE_VERKEY)  # type: ignore[misc]
    with pytest.raises(TypeError):
        verify_message_field({"connection~sig": decorator}, "connection")  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="ANY_SIGNER"):
        verify_field(decorator, expected_signer=None)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="ANY_SIGNER"):
        verify_message_field({"connection~sig": decorator}, "connection", expected_signer=None)  # type: ignore[arg-type]
    assert verify_field(decorator, expected_signer=ALICE_VERKEY).signer == ALICE_VERKEY
    assert verify_field(decorator, expected_signer=signing_key(ALICE)).signer == ALICE_VERKEY
    assert verify_field(decorator, expected_signer=ANY_SIGNER).signer == ALICE_VERKEY
    assert repr(ANY_SIGNER) == "ANY_SIGNER"


@pytest.mark.parametrize("bad", ["0OIl", "not base58!", KEYS["alice"]["verkey_b58"][:-2], "did:key:z6Mk", b"short", 42, [1]])
def test_bad_expected_signer_is_a_usage_error(bad: object) -> None:
    # The caller's mistake, reported before the message is looked at (even a malformed one).
    with pytest.raises(UsageError):
        verify_field(_valid(), expected_signer=bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        verify_field("not a decorator", expected_signer=bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        verify_message_field({}, "connection", expected_signer=bad)  # type: ignore[arg-type]
