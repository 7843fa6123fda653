"""DIDComm v1 key inputs (refdidcomm.v1._keys): seeds, sigkeys, base58 verkeys, did:key."""

from __future__ import annotations

import pytest

from conftest import load_vectors
from refdidcomm import crypto
from refdidcomm.encoding import b58encode, multikey_encode
from refdidcomm.errors import InvalidKey, MalformedMessage, UsageError
from refdidcomm.v1 import SigningKey, signing_key, verkey
from refdidcomm.v1._keys import did_key, verkey_b58

KEYS = load_vectors("didcomm_v1_envelopes")["keys"]
NAMES = sorted(KEYS)


@pytest.mark.parametrize("name", NAMES)
def test_vector_keys_every_form(backend: crypto.Backend, name: str) -> None:
    entry = KEYS[name]
    seed = bytes.fromhex(entry["seed"])
    assert seed == entry["seed_utf8"].encode("utf-8")
    key = signing_key(seed, backend=backend)
    assert key.verkey_b58 == entry["verkey_b58"]
    assert key.did_key == entry["did_key"]
    assert key.sigkey_b58 == entry["sigkey_b58"]
    # every secret form gives the same key, every public form the same verkey
    assert signing_key(entry["sigkey_b58"], backend=backend) == key
    assert signing_key(seed + key.verkey, backend=backend) == key
    assert signing_key(key) is key
    for public in (entry["verkey_b58"], entry["did_key"], entry["did_key"] + "#" + entry["did_key"][8:], key, key.verkey):
        assert verkey(public) == key.verkey
    # the X25519 values the vector lists (libsodium's conversions)
    assert backend.ed25519_seed_to_x25519(seed).hex() == entry["x25519_private"]
    assert backend.ed25519_pk_to_x25519(key.verkey).hex() == entry["x25519_public"]


def test_repr_hides_the_seed() -> None:
    key = signing_key(bytes.fromhex(KEYS["alice"]["seed"]))
    assert KEYS["alice"]["seed"] not in repr(key)
    assert KEYS["alice"]["sigkey_b58"] not in repr(key)
    assert repr(key) == f"SigningKey(verkey={KEYS['alice']['verkey_b58']!r})"


def test_sigkey_halves_must_belong_together() -> None:
    alice, bob = KEYS["alice"], KEYS["bob"]
    mixed = bytes.fromhex(alice["seed"]) + signing_key(bytes.fromhex(bob["seed"])).verkey
    with pytest.raises(InvalidKey):
        signing_key(mixed)
    with pytest.raises(InvalidKey):
        signing_key(b58encode(mixed))


def test_base58_verkey_is_never_a_secret_key() -> None:
    with pytest.raises(UsageError, match="verkey, not a secret"):
        signing_key(KEYS["alice"]["verkey_b58"])


@pytest.mark.parametrize("length", [0, 1, 31, 33, 63, 65])
def test_secret_key_bytes_wrong_length(length: int) -> None:
    with pytest.raises(UsageError):
        signing_key(bytes(length))


@pytest.mark.parametrize("length", [1, 31, 33, 63, 65])
def test_sigkey_text_wrong_length(length: int) -> None:
    with pytest.raises(MalformedMessage) as info:
        signing_key(b58encode(bytes([1]) * length), field="sender")
    assert info.value.field == "sender"


def test_secret_key_text_not_base58() -> None:
    with pytest.raises(MalformedMessage) as info:
        signing_key("0OIl", field="my_keys[0]")
    assert info.value.field == "my_keys[0]"


@pytest.mark.parametrize("value", [None, 5, 1.5, ["a"], {"seed": "00"}])
def test_wrong_types_are_usage_errors(value: object) -> None:
    with pytest.raises(UsageError):
        signing_key(value)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        verkey(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_verkey_bytes_wrong_length(length: int) -> None:
    with pytest.raises(UsageError):
        verkey(bytes(length))
    with pytest.raises(UsageError):
        verkey_b58(bytes(length))
    with pytest.raises(UsageError):
        did_key(bytes(length))


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_verkey_text_wrong_length(length: int) -> None:
    with pytest.raises(MalformedMessage) as info:
        verkey(b58encode(bytes([7]) * length), field="recipient_keys[2]")
    assert info.value.field == "recipient_keys[2]"


def test_did_key_forms() -> None:
    vk = bytes.fromhex(KEYS["bob"]["x25519_public"])  # any 32 bytes
    text = did_key(vk)
    assert text == "did:key:" + multikey_encode("ed25519-pub", vk)
    assert text.startswith("did:key:z6Mk")
    assert verkey(text) == vk
    assert verkey(text + "#" + text[len("did:key:") :]) == vk


@pytest.mark.parametrize(
    "suffix_or_text",
    [
        "#key-1",  # a fragment that is not the key's own id
        "#",  # empty fragment
    ],
)
def test_did_key_bad_fragment(suffix_or_text: str) -> None:
    with pytest.raises(MalformedMessage, match="fragment"):
        verkey(KEYS["bob"]["did_key"] + suffix_or_text, field="routing_keys[0]")


def test_did_key_of_another_key_type() -> None:
    x25519 = "did:key:" + multikey_encode("x25519-pub", bytes(range(32)))
    with pytest.raises(MalformedMessage, match="Ed25519"):
        verkey(x25519)


@pytest.mark.parametrize("text", ["did:key:", "did:key:xyz", "did:key:z0OIl", "did:key:z6Mk"])
def test_did_key_malformed(text: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        verkey(text, field="to")
    assert info.value.field == "to"


def test_verkey_b58_round_trip() -> None:
    key = signing_key(bytes(range(32)))
    assert verkey(verkey_b58(key.verkey)) == key.verkey
    assert isinstance(key, SigningKey)
