"""Aries RFC 0019 envelopes (refdidcomm.v1 pack/unpack): vectors/didcomm_v1_envelopes.json on both backends.

Valid cases unpack for every listed recipient; the refdidcomm-produced ones
are re-packed from their recorded randomness and must match byte for byte;
every invalid case raises its error (and names its field). More checks
below cover key input forms, argument errors and the RFC's own example.
"""

from __future__ import annotations

import base64
import json
from typing import Callable, List

import pytest

from conftest import load_shared, load_vectors
from refdidcomm import crypto, errors
from refdidcomm.errors import DecryptionError, InvalidKey, LowOrderPointError, MalformedMessage, UnsupportedAlgorithm, UsageError
from refdidcomm.v1 import pack, signing_key, unpack
from refdidcomm.v1._rfc0019 import ENC_EMITTED, recipient_kids

VEC = load_vectors("didcomm_v1_envelopes")
KEYS = VEC["keys"]


def _seed(name: str) -> bytes:
    return bytes.fromhex(KEYS[name]["seed"])


def _cases(result: str, producer: str = "") -> List:
    return [
        pytest.param(c, id=f"tc{c['tcId']}")
        for c in VEC["cases"]
        if c["result"] == result and (not producer or c.get("producer") == producer)
    ]


def _replay(draws: List[str]) -> Callable[[int], bytes]:
    """An rng returning the recorded draws in order, checking each requested size."""
    queue = [bytes.fromhex(d) for d in draws]

    def rng(n: int) -> bytes:
        assert queue, "more randomness drawn than recorded"
        value = queue.pop(0)
        assert len(value) == n, f"drew {n} bytes where {len(value)} were recorded"
        return value

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng


def _d64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_unpacks_for_every_recipient(backend: crypto.Backend, case: dict) -> None:
    sender = case["sender"]
    for name in case["open_as"]:
        got = unpack(case["envelope_utf8"], _seed(name), backend=backend)
        assert got.message == case["message_utf8"].encode("utf-8")
        assert got.recipient_verkey == KEYS[name]["verkey_b58"]
        assert got.sender_verkey == (KEYS[sender]["verkey_b58"] if sender else None)
    protected = json.loads(_d64(json.loads(case["envelope_utf8"])["protected"]))
    assert protected["enc"] == case["expected_enc"]


@pytest.mark.parametrize("case", _cases("valid", "refdidcomm.v1.pack"))
def test_pack_reproduces_vector_byte_for_byte(backend: crypto.Backend, case: dict) -> None:
    rng = _replay(case["rng_draws"])
    sender = _seed(case["sender"]) if case["sender"] else None
    recipients = [KEYS[name]["verkey_b58"] for name in case["recipients"]]
    out = pack(case["message_utf8"].encode("utf-8"), recipients, sender, backend=backend, rng=rng)
    assert out.decode("utf-8") == case["envelope_utf8"]
    assert rng.remaining == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", _cases("valid", "refdidcomm.v1.pack"))
def test_pack_is_the_same_for_every_key_form(case: dict) -> None:
    # base58, did:key, raw bytes and SigningKey recipients; seed, sigkey (bytes/base58) senders
    forms = [
        ([KEYS[n]["did_key"] for n in case["recipients"]], case["sender"] and KEYS[case["sender"]]["sigkey_b58"]),
        ([signing_key(_seed(n)).verkey for n in case["recipients"]], case["sender"] and signing_key(_seed(case["sender"]))),
        ([signing_key(_seed(n)) for n in case["recipients"]], case["sender"] and _seed(case["sender"]) + signing_key(_seed(case["sender"])).verkey),
    ]
    for recipients, sender in forms:
        out = pack(case["message_utf8"], recipients, sender or None, rng=_replay(case["rng_draws"]))
        assert out.decode("utf-8") == case["envelope_utf8"]


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_cases(backend: crypto.Backend, case: dict) -> None:
    error = getattr(errors, case["error"])
    with pytest.raises(error) as info:
        unpack(case["envelope_utf8"], _seed(case["open_as"][0]), backend=backend)
    assert type(info.value) is error
    if error is MalformedMessage:
        assert info.value.field == case["field"]
    if error is DecryptionError:
        assert str(info.value) == "decryption failed"


def test_vector_file_covers_what_the_issue_asks() -> None:
    flags = {flag for case in VEC["cases"] for flag in case["flags"]}
    for needed in [
        "Authcrypt", "Anoncrypt", "OneRecipient", "ThreeRecipients", "ChachaLabel", "PaddedBase64url", "NullHeaders",
        "ModifiedProtected", "ModifiedIv", "ModifiedCiphertext", "ModifiedTag", "ModifiedEncryptedKey", "ModifiedSender",
        "ModifiedRecipientIv", "WrongRecipient", "Truncated", "BadBase58", "UnknownAlg", "UnknownEnc", "MissingRecipients",
        "NonJsonProtected", "StandardAlphabet", "NonCanonicalBase64", "DuplicateKid",
    ]:
        assert needed in flags, needed
    labels = {c["expected_enc"] for c in VEC["cases"] if c["result"] == "valid"}
    assert labels == {"xchacha20poly1305_ietf", "chacha20poly1305_ietf"}


# ---------------------------------------------------------------------------
# What pack emits


def test_emitted_form(backend: crypto.Backend) -> None:
    out = pack(b"{}", [KEYS["bob"]["verkey_b58"], KEYS["carol"]["did_key"]], _seed("alice"), backend=backend)
    envelope = json.loads(out)
    assert list(envelope) == ["protected", "iv", "ciphertext", "tag"]
    for value in envelope.values():
        assert "=" not in value and "+" not in value and "/" not in value
    protected = json.loads(_d64(envelope["protected"]))
    assert list(protected) == ["enc", "typ", "alg", "recipients"]
    assert (protected["enc"], protected["typ"], protected["alg"]) == (ENC_EMITTED, "JWM/1.0", "Authcrypt")
    assert [r["header"]["kid"] for r in protected["recipients"]] == [KEYS["bob"]["verkey_b58"], KEYS["carol"]["verkey_b58"]]
    for recipient in protected["recipients"]:
        assert list(recipient["header"]) == ["kid", "iv", "sender"]
        assert len(_d64(recipient["header"]["iv"])) == 24
        assert len(_d64(recipient["encrypted_key"])) == 48
        # the sealed sender is the base58 verkey string: 48 bytes of overhead + its length
        assert len(_d64(recipient["header"]["sender"])) == 48 + len(KEYS["alice"]["verkey_b58"])
    assert len(_d64(envelope["iv"])) == 12 and len(_d64(envelope["tag"])) == 16
    assert len(_d64(envelope["ciphertext"])) == 2


def test_anoncrypt_emitted_form() -> None:
    envelope = json.loads(pack("hi", [KEYS["bob"]["verkey_b58"]]))
    protected = json.loads(_d64(envelope["protected"]))
    assert protected["alg"] == "Anoncrypt"
    assert protected["recipients"][0]["header"] == {"kid": KEYS["bob"]["verkey_b58"]}
    assert len(_d64(protected["recipients"][0]["encrypted_key"])) == 80


@pytest.mark.parametrize("authcrypt", [True, False])
def test_random_round_trip(backend: crypto.Backend, authcrypt: bool) -> None:
    sender = _seed("dave") if authcrypt else None
    one = pack(b"payload", [KEYS["eve"]["verkey_b58"]], sender, backend=backend)
    two = pack(b"payload", [KEYS["eve"]["verkey_b58"]], sender, backend=backend)
    assert one != two  # fresh CEK, nonces and ephemeral keys
    for envelope in (one, two):
        got = unpack(envelope, [_seed("alice"), _seed("eve")], backend=backend)
        assert got.message == b"payload"
        assert got.recipient_verkey == KEYS["eve"]["verkey_b58"]
        assert got.sender_verkey == (KEYS["dave"]["verkey_b58"] if authcrypt else None)


def test_pure_and_native_agree(backend: crypto.Backend) -> None:
    # whatever one backend packs (same randomness), the other reproduces and opens
    case = next(c for c in VEC["cases"] if c["tcId"] == 2)
    pure = crypto.backend("pure")
    out = pack(case["message_utf8"], [KEYS[n]["verkey_b58"] for n in case["recipients"]], _seed("alice"), backend=pure, rng=_replay(case["rng_draws"]))
    again = pack(case["message_utf8"], [KEYS[n]["verkey_b58"] for n in case["recipients"]], _seed("alice"), backend=backend, rng=_replay(case["rng_draws"]))
    assert out == again
    assert unpack(out, _seed("dave"), backend=backend).message == case["message_utf8"].encode()


# ---------------------------------------------------------------------------
# unpack inputs


def test_unpack_accepts_mapping_str_bytes_and_key_forms() -> None:
    case = VEC["cases"][0]
    text = case["envelope_utf8"]
    bob = KEYS["bob"]
    for envelope in (text, text.encode(), json.loads(text)):
        for key in (_seed("bob"), bob["sigkey_b58"], signing_key(_seed("bob")), [_seed("eve"), bob["sigkey_b58"]]):
            assert unpack(envelope, key).recipient_verkey == bob["verkey_b58"]


def test_unpack_uses_the_first_of_our_recipients() -> None:
    case = next(c for c in VEC["cases"] if c["tcId"] == 2)  # bob, carol, dave
    got = unpack(case["envelope_utf8"], [_seed("dave"), _seed("carol")])
    assert got.recipient_verkey == KEYS["carol"]["verkey_b58"]


@pytest.mark.parametrize("my_keys", [[], (), 5, None])
def test_unpack_bad_key_argument(my_keys: object) -> None:
    with pytest.raises(UsageError):
        unpack(VEC["cases"][0]["envelope_utf8"], my_keys)  # type: ignore[arg-type]


@pytest.mark.parametrize("envelope", [5, None, ["x"]])
def test_unpack_bad_envelope_argument(envelope: object) -> None:
    with pytest.raises((UsageError, MalformedMessage)):
        unpack(envelope, _seed("bob"))  # type: ignore[arg-type]


def test_recipient_kids() -> None:
    case = next(c for c in VEC["cases"] if c["tcId"] == 2)
    assert recipient_kids(case["envelope_utf8"]) == [KEYS[n]["verkey_b58"] for n in ("bob", "carol", "dave")]
    with pytest.raises(MalformedMessage):
        recipient_kids("{}")


# ---------------------------------------------------------------------------
# pack arguments


def test_pack_argument_errors() -> None:
    bob = KEYS["bob"]["verkey_b58"]
    with pytest.raises(UsageError):
        pack(b"m", [])
    with pytest.raises(UsageError):
        pack(b"m", bob)  # a str, not a sequence of keys
    with pytest.raises(UsageError):
        pack(b"m", [bob, KEYS["bob"]["did_key"]])  # the same key twice
    with pytest.raises(UsageError):
        pack(5, [bob])  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        pack("\ud800", [bob])
    with pytest.raises(UsageError):
        pack(b"m", [bob], KEYS["alice"]["verkey_b58"])  # a verkey is not a sender secret
    with pytest.raises(MalformedMessage) as info:
        pack(b"m", [bob, "0OIl"])
    assert info.value.field == "recipient_keys[1]"


@pytest.mark.parametrize("short", [0, 11, 31])
def test_pack_rng_must_return_the_requested_length(short: int) -> None:
    with pytest.raises(UsageError):
        pack(b"m", [KEYS["bob"]["verkey_b58"]], rng=lambda n: bytes(short))


def test_pack_rejects_unusable_recipient_points(backend: crypto.Backend) -> None:
    identity = bytes([1]) + bytes(31)  # the Ed25519 neutral element: small order
    with pytest.raises(InvalidKey):
        pack(b"m", [identity], backend=backend)
    noncanonical = (2**255 - 19 + 2).to_bytes(32, "little")  # y >= p
    with pytest.raises(InvalidKey):
        pack(b"m", [noncanonical], _seed("alice"), backend=backend)


def test_low_order_x25519_is_refused_not_sent(backend: crypto.Backend) -> None:
    # Whatever Ed25519 key maps to a low-order X25519 point is refused before
    # anything is encrypted to it (InvalidKey from the map, or LowOrderPointError).
    for candidate in (bytes(32), (2**255 - 20).to_bytes(32, "little")):
        with pytest.raises((InvalidKey, LowOrderPointError)):
            pack(b"m", [candidate], _seed("alice"), backend=backend)


# ---------------------------------------------------------------------------
# The RFC's own example envelopes (templates without keys)


def _rfc_examples() -> List[dict]:
    data = load_shared("aries-rfcs/rfc0019_encryption_envelope.json")
    blocks = [b for doc in data["documents"] for b in doc.get("code_blocks", [])]
    return [b["json"] for b in blocks if isinstance(b.get("json"), dict) and "protected" in b["json"] and "tag" in b["json"]]


def test_rfc0019_examples_parse_padded_and_open_for_nobody_here() -> None:
    examples = _rfc_examples()
    assert len(examples) == 2  # Authcrypt and Anoncrypt
    for example in examples:
        assert example["protected"].endswith("=") and example["tag"].endswith("==")  # padded, as indy-sdk emitted
        kids = recipient_kids(example)  # structure accepted: lengths, kids, Authcrypt headers
        assert len(kids) == 2
        with pytest.raises(DecryptionError):
            unpack(example, _seed("bob"))


def test_rfc0019_example_unknown_alg_is_unsupported() -> None:
    example = dict(_rfc_examples()[0])
    protected = json.loads(_d64(example["protected"]))
    protected["alg"] = "anoncrypt"
    example["protected"] = base64.urlsafe_b64encode(json.dumps(protected).encode()).decode()
    with pytest.raises(UnsupportedAlgorithm):
        unpack(example, _seed("bob"))


def test_authcrypt_multi_recipient_forgery_is_the_documented_behaviour(backend: crypto.Backend) -> None:
    """Security considerations (module docstring): RFC 0019 Authcrypt authenticates the CEK,
    not the content, so with several recipients Bob can re-encrypt under the shared CEK for
    Carol and Carol's unpack still names Alice. Pinned so the docs and the code agree."""
    import refdidcomm.v1._rfc0019 as rfc0019

    assert "pack one envelope per recipient" in " ".join((rfc0019.__doc__ or "").split())
    assert "Security considerations" in (pack.__doc__ or "") and "Security considerations" in (unpack.__doc__ or "")
    bob, carol = signing_key(_seed("bob")), signing_key(_seed("carol"))
    envelope = json.loads(pack(b"pay Bob 1", [bob.verkey, carol.verkey], _seed("alice"), backend=backend))
    header = json.loads(_d64(envelope["protected"]))
    # Bob, a legitimate recipient, recovers the CEK from his own entry.
    mine = next(r for r in header["recipients"] if r["header"]["kid"] == KEYS["bob"]["verkey_b58"])
    alice_x = backend.ed25519_pk_to_x25519(signing_key(_seed("alice")).verkey)
    cek = backend.box_open(_d64(mine["encrypted_key"]), _d64(mine["header"]["iv"]), alice_x, backend.ed25519_seed_to_x25519(bob.seed))
    assert len(cek) == 32
    # ... and writes new content under it, keeping `protected` (and so Carol's entry) as it is.
    iv = bytes(range(12))
    sealed = backend.chacha20poly1305_encrypt(cek, iv, b"pay Bob 1000", envelope["protected"].encode("ascii"))

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    forged = dict(envelope, iv=b64(iv), ciphertext=b64(sealed[:-16]), tag=b64(sealed[-16:]))
    opened = unpack(forged, _seed("carol"), backend=backend)
    assert opened.message == b"pay Bob 1000"
    assert opened.sender_verkey == KEYS["alice"]["verkey_b58"]  # the documented limitation
    # One envelope per recipient closes it: Bob's CEK opens nothing addressed to Carol alone.
    solo = json.loads(pack(b"pay Bob 1", [carol.verkey], _seed("alice"), backend=backend))
    solo_forged = dict(solo, iv=b64(iv), ciphertext=b64(sealed[:-16]), tag=b64(sealed[-16:]))
    with pytest.raises(DecryptionError):
        unpack(solo_forged, _seed("carol"), backend=backend)
