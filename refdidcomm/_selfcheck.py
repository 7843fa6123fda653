"""A self-check of every crypto primitive against one published known answer.

Run by ``python -m refdidcomm`` (the main job) on the active backend, or on a
named one. Each check cites where its value was published; the full vector
sets are in ``vectors/`` and run in the test suite.
"""

from __future__ import annotations

from typing import Callable, List, NamedTuple, Optional

from . import crypto

__all__ = ["CheckResult", "run"]

_H = bytes.fromhex

# RFC 8439 §2.8.2 / draft-irtf-cfrg-xchacha-03 §A.3.1 share key, AAD and plaintext.
_SUNSCREEN = (
    b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
    b"for the future, sunscreen would be it."
)
_K80 = bytes(range(0x80, 0xA0))
_AAD = _H("50515253c0c1c2c3c4c5c6c7")


class CheckResult(NamedTuple):
    name: str
    source: str
    ok: bool
    detail: str


def _x25519(be: crypto.Backend) -> bool:
    # RFC 7748 §6.1 Diffie-Hellman.
    a = _H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b_pub = _H("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    return (
        be.x25519_public_key(a).hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        and be.x25519(a, b_pub).hex() == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    )


def _ed25519(be: crypto.Backend) -> bool:
    # RFC 8032 §7.1 TEST 1 (empty message).
    seed = _H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    pk = _H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = _H(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    return (
        be.ed25519_public_key(seed) == pk
        and be.ed25519_sign(seed, b"") == sig
        and be.ed25519_verify(pk, b"", sig)
        and not be.ed25519_verify(pk, b"x", sig)
    )


def _ed25519_to_x25519(be: crypto.Backend) -> bool:
    # The birational map agrees with the seed conversion (RFC 7748 §4.1).
    seed = _H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    return be.ed25519_pk_to_x25519(be.ed25519_public_key(seed)) == be.x25519_public_key(
        be.ed25519_seed_to_x25519(seed)
    )


def _chacha(be: crypto.Backend) -> bool:
    # RFC 8439 §2.8.2: the tag authenticates the ciphertext, so it pins both.
    out = be.chacha20poly1305_encrypt(_K80, _H("070000004041424344454647"), _SUNSCREEN, _AAD)
    return (
        out[-16:].hex() == "1ae10b594f09e26a7e902ecbd0600691"
        and out[:8].hex() == "d31a8d34648e60db"
        and be.chacha20poly1305_decrypt(_K80, _H("070000004041424344454647"), out, _AAD) == _SUNSCREEN
    )


def _xchacha(be: crypto.Backend) -> bool:
    # draft-irtf-cfrg-xchacha-03 §A.3.1.
    nonce = _H("404142434445464748494a4b4c4d4e4f5051525354555657")
    out = be.xchacha20poly1305_encrypt(_K80, nonce, _SUNSCREEN, _AAD)
    return (
        out[-16:].hex() == "c0875924c1c7987947deafd8780acf49"
        and out[:8].hex() == "bd6d179d3e83d43b"
        and be.xchacha20poly1305_decrypt(_K80, nonce, out, _AAD) == _SUNSCREEN
    )


def _box(be: crypto.Backend) -> bool:
    # "Cryptography in NaCl" (Bernstein, 2009) §§ box example: the Poly1305
    # tag of Alice's box to Bob over the 131-byte message; RFC 7748 §6.1 keys.
    alice_sk = _H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob_sk = _H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    nonce = _H("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
    msg = _H(
        "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc"
        "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31"
        "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
        "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864"
        "5e0705"
    )
    ct = be.box(msg, nonce, be.x25519_public_key(bob_sk), alice_sk)
    return (
        ct[:16].hex() == "f3ffc7703f9400e52a7dfb4b3d3305d9"
        and be.box_open(ct, nonce, be.x25519_public_key(alice_sk), bob_sk) == msg
    )


def _seal(be: crypto.Backend) -> bool:
    # Sealed box with a fixed ephemeral key: the epk is X25519(esk, 9) and the
    # box opens with the recipient's keys (libsodium crypto_box_seal layout).
    bob_sk = _H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    bob_pk = be.x25519_public_key(bob_sk)
    esk = _H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    ct = be.box_seal(b"sealed", bob_pk, rng=lambda n: esk[:n])
    return ct[:32] == be.x25519_public_key(esk) and be.box_seal_open(ct, bob_pk, bob_sk) == b"sealed"


def _aes_cbc(be: crypto.Backend) -> bool:
    # NIST SP 800-38A F.2.5 CBC-AES256.Encrypt, block #1 (PKCS#7 adds a block).
    key = _H("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
    iv = bytes(range(16))
    pt = _H("6bc1bee22e409f96e93d7e117393172a")
    ct = be.aes_cbc_encrypt(key, iv, pt)
    return ct[:16].hex() == "f58c4c04d6e5f1ba779eabfb5f7bfbd6" and be.aes_cbc_decrypt(key, iv, ct) == pt


def _aes_kw(be: crypto.Backend) -> bool:
    # RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
    kek = bytes(range(32))
    key = _H("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f")
    wrapped = _H("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21")
    return be.aes_key_wrap(kek, key) == wrapped and be.aes_key_unwrap(kek, wrapped) == key


def _aes_gcm(be: crypto.Backend) -> bool:
    # McGrew & Viega, "The Galois/Counter Mode of Operation", Test Case 16
    # (AES-256, 96-bit IV, 60-byte plaintext, 20-byte AAD).
    key = _H("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    iv = _H("cafebabefacedbaddecaf888")
    pt = _H(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    aad = _H("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    out = be.aes_gcm_encrypt(key, iv, pt, aad)
    return out[-16:].hex() == "76fc6ece0f4e1768cddf8853bb2d551b" and be.aes_gcm_decrypt(key, iv, out, aad) == pt


_CHECKS: List = [
    ("x25519", "RFC 7748 §6.1", _x25519),
    ("ed25519", "RFC 8032 §7.1 TEST 1", _ed25519),
    ("ed25519->x25519", "RFC 7748 §4.1 map vs. seed conversion", _ed25519_to_x25519),
    ("chacha20poly1305", "RFC 8439 §2.8.2", _chacha),
    ("xchacha20poly1305", "draft-irtf-cfrg-xchacha-03 §A.3.1", _xchacha),
    ("box", "Cryptography in NaCl, box example", _box),
    ("box_seal", "libsodium sealed-box layout, fixed esk", _seal),
    ("aes_cbc", "SP 800-38A F.2.5", _aes_cbc),
    ("aes_key_wrap", "RFC 3394 §4.6", _aes_kw),
    ("aes_gcm", "GCM spec Test Case 16", _aes_gcm),
]


def run(backend: Optional[crypto.Backend] = None) -> List[CheckResult]:
    """Run every check on ``backend`` (default: the active one).

    Returns:
        one :class:`CheckResult` per primitive; a check that raises a
        refdidcomm error is reported as failed with the error text.
    """
    from .errors import RefDIDCommError

    be = backend or crypto.backend(crypto.BACKEND)
    results = []
    for name, source, fn in _CHECKS:
        check: Callable[[crypto.Backend], bool] = fn
        try:
            ok = check(be)
            detail = "ok" if ok else "MISMATCH"
        except RefDIDCommError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append(CheckResult(name, source, ok, detail))
    return results
