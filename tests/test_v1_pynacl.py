"""DIDComm v1 against libsodium, called directly through PyNaCl's nacl.bindings (not through refdidcomm).

* every valid envelope vector, and every forward hop, opened with
  crypto_box_seal_open / crypto_box_open / crypto_aead_chacha20poly1305_ietf_decrypt;
* fresh envelopes from refdidcomm opened by libsodium, and envelopes built by
  libsodium (with its own random crypto_box_seal) opened by refdidcomm;
* ~sig signatures checked both ways with crypto_sign.

Skips cleanly where PyNaCl is not installed (refdidcomm itself never needs it).
"""

from __future__ import annotations

import base64
import json
import os
import struct
from typing import Optional, Tuple

import pytest

from conftest import load_vectors
from refdidcomm import crypto
from refdidcomm.encoding import b58decode
from refdidcomm.v1 import pack, sign_field, unpack, verify_field, wrap_forward

nb = pytest.importorskip("nacl.bindings", reason="PyNaCl is not installed: libsodium cross-checks skipped")

ENVELOPES = load_vectors("didcomm_v1_envelopes")
FORWARD = load_vectors("didcomm_v1_forward")
KEYS = ENVELOPES["keys"]


def _d64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _x25519(name: str) -> Tuple[bytes, bytes]:
    pk, sk = nb.crypto_sign_seed_keypair(bytes.fromhex(KEYS[name]["seed"]))
    return nb.crypto_sign_ed25519_pk_to_curve25519(pk), nb.crypto_sign_ed25519_sk_to_curve25519(sk)


def libsodium_unpack(envelope: str, name: str) -> Tuple[bytes, Optional[str]]:
    """RFC 0019 "Unpack Algorithm" with libsodium calls only."""
    outer = json.loads(envelope)
    protected = json.loads(_d64(outer["protected"]))
    my_pk, my_sk = _x25519(name)
    (recipient,) = [r for r in protected["recipients"] if r["header"]["kid"] == KEYS[name]["verkey_b58"]]
    sender = None
    if protected["alg"] == "Authcrypt":
        sender = nb.crypto_box_seal_open(_d64(recipient["header"]["sender"]), my_pk, my_sk).decode("ascii")
        sender_pk = nb.crypto_sign_ed25519_pk_to_curve25519(b58decode(sender))
        cek = nb.crypto_box_open(_d64(recipient["encrypted_key"]), _d64(recipient["header"]["iv"]), sender_pk, my_sk)
    else:
        cek = nb.crypto_box_seal_open(_d64(recipient["encrypted_key"]), my_pk, my_sk)
    message = nb.crypto_aead_chacha20poly1305_ietf_decrypt(
        _d64(outer["ciphertext"]) + _d64(outer["tag"]), outer["protected"].encode("ascii"), _d64(outer["iv"]), cek
    )
    return message, sender


def libsodium_pack(message: bytes, recipients: list, sender: Optional[str]) -> str:
    """RFC 0019 pack with libsodium calls only (its own randomness, real crypto_box_seal)."""
    cek = os.urandom(32)
    entries = []
    for name in recipients:
        their_pk, _ = _x25519(name)
        header = {"kid": KEYS[name]["verkey_b58"]}
        if sender:
            iv = os.urandom(24)
            entries.append(
                {
                    "encrypted_key": _b64(nb.crypto_box(cek, iv, their_pk, _x25519(sender)[1])),
                    "header": dict(header, sender=_b64(nb.crypto_box_seal(KEYS[sender]["verkey_b58"].encode(), their_pk)), iv=_b64(iv)),
                }
            )
        else:
            entries.append({"encrypted_key": _b64(nb.crypto_box_seal(cek, their_pk)), "header": header})
    protected = _b64(json.dumps({"enc": "xchacha20poly1305_ietf", "typ": "JWM/1.0", "alg": "Authcrypt" if sender else "Anoncrypt", "recipients": entries}).encode())
    iv = os.urandom(12)
    sealed = nb.crypto_aead_chacha20poly1305_ietf_encrypt(message, protected.encode(), iv, cek)
    return json.dumps({"protected": protected, "iv": _b64(iv), "ciphertext": _b64(sealed[:-16]), "tag": _b64(sealed[-16:])})


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=f"tc{c['tcId']}") for c in ENVELOPES["cases"] if c["result"] == "valid"]
)
def test_libsodium_opens_every_valid_vector(case: dict) -> None:
    for name in case["open_as"]:
        message, sender = libsodium_unpack(case["envelope_utf8"], name)
        assert message == case["message_utf8"].encode("utf-8")
        assert sender == (KEYS[case["sender"]]["verkey_b58"] if case["sender"] else None)


@pytest.mark.parametrize("case", [pytest.param(c, id=f"tc{c['tcId']}") for c in FORWARD["cases"] if "hops" in c])
def test_libsodium_follows_every_forward_hop(case: dict) -> None:
    envelope = case["envelope_utf8"]
    for hop in case["hops"]:
        plaintext, sender = libsodium_unpack(envelope, hop["open_as"])
        forward = json.loads(plaintext)
        assert sender is None
        assert forward["@type"] == "https://didcomm.org/routing/1.0/forward" and forward["to"] == hop["to"]
        envelope = json.dumps(forward["msg"], separators=(",", ":"))
        assert envelope == hop["msg_utf8"]
    assert libsodium_unpack(envelope, case["recipient"])[0] == case["message_utf8"].encode()


def test_vector_keys_match_libsodium() -> None:
    for name, entry in KEYS.items():
        pk, sk = nb.crypto_sign_seed_keypair(bytes.fromhex(entry["seed"]))
        assert b58decode(entry["verkey_b58"]) == pk and b58decode(entry["sigkey_b58"]) == sk
        assert _x25519(name) == (bytes.fromhex(entry["x25519_public"]), bytes.fromhex(entry["x25519_private"]))


@pytest.mark.parametrize("sender", ["alice", None])
def test_fresh_refdidcomm_envelopes_open_in_libsodium(backend: crypto.Backend, sender: Optional[str]) -> None:
    for size in (0, 1, 17, 1000):
        message = bytes(range(256)) * 4
        message = message[:size]
        seed = bytes.fromhex(KEYS[sender]["seed"]) if sender else None
        envelope = pack(message, [KEYS["bob"]["did_key"], KEYS["carol"]["verkey_b58"]], seed, backend=backend)
        for name in ("bob", "carol"):
            assert libsodium_unpack(envelope.decode(), name) == (message, KEYS[sender]["verkey_b58"] if sender else None)


@pytest.mark.parametrize("sender", ["dave", None])
def test_libsodium_envelopes_open_in_refdidcomm(backend: crypto.Backend, sender: Optional[str]) -> None:
    envelope = libsodium_pack(b'{"@type":"https://didcomm.org/trust_ping/1.0/ping"}', ["alice", "eve"], sender)
    for name in ("alice", "eve"):
        got = unpack(envelope, bytes.fromhex(KEYS[name]["seed"]), backend=backend)
        assert got.message == b'{"@type":"https://didcomm.org/trust_ping/1.0/ping"}'
        assert got.sender_verkey == (KEYS[sender]["verkey_b58"] if sender else None)


def test_fresh_forward_chain_opens_in_libsodium(backend: crypto.Backend) -> None:
    inner = pack(b"hello", [KEYS["bob"]["verkey_b58"]], bytes.fromhex(KEYS["alice"]["seed"]), backend=backend)
    outer = wrap_forward(inner, KEYS["bob"]["verkey_b58"], [KEYS["mediator_near"]["did_key"], KEYS["mediator_far"]["verkey_b58"]], backend=backend)
    hop1 = json.loads(libsodium_unpack(outer.decode(), "mediator_far")[0])
    assert hop1["to"] == KEYS["mediator_near"]["verkey_b58"]
    hop2 = json.loads(libsodium_unpack(json.dumps(hop1["msg"]), "mediator_near")[0])
    assert hop2["to"] == KEYS["bob"]["verkey_b58"]
    assert libsodium_unpack(json.dumps(hop2["msg"]), "bob") == (b"hello", KEYS["alice"]["verkey_b58"])


def test_signature_decorator_against_crypto_sign(backend: crypto.Backend) -> None:
    seed = bytes.fromhex(KEYS["carol"]["seed"])
    pk, sk = nb.crypto_sign_seed_keypair(seed)
    decorator = sign_field({"DID": "x"}, seed, timestamp=1234, backend=backend)
    sig_data, signature = _d64(decorator["sig_data"]), _d64(decorator["signature"])
    assert nb.crypto_sign_open(signature + sig_data, pk) == sig_data
    # and a libsodium-made one verifies here
    data = struct.pack(">Q", 99) + b'{"DID": "y"}'
    made = {
        "@type": "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/signature/1.0/ed25519Sha512_single",
        "signature": _b64(nb.crypto_sign(data, sk)[:64]),
        "sig_data": _b64(data),
        "signer": KEYS["carol"]["verkey_b58"],
    }
    assert verify_field(made, expected_signer=KEYS["carol"]["verkey_b58"], backend=backend) == ({"DID": "y"}, 99, KEYS["carol"]["verkey_b58"])
