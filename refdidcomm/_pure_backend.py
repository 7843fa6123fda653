"""The pure-Python backend: standard library only, reads like the RFCs.

NOT CONSTANT TIME. See each module's header. Argument types and lengths are
checked by :mod:`refdidcomm.crypto` before these functions are called.

Each function here is the raw implementation behind the facade method of the
same name; ``box_seal`` takes the ephemeral secret key drawn by the facade.
"""

from __future__ import annotations

import hashlib
import os
from typing import Optional, Union

from . import _nacl_box, _rfc3394, _rfc7748, _rfc8032, _rfc8439, _sp800_38a, _sp800_38d, _xchacha, encoding
from ._primitives import PRIMITIVES

__all__ = ["NAME", "constant_time", *PRIMITIVES]

NAME = "pure"


def constant_time(function: str, key_len: Optional[int] = None) -> bool:
    """Nothing in pure Python is constant time: always False."""
    return False


def random_bytes(n: int) -> bytes:
    """``n`` bytes from :func:`os.urandom`."""
    return os.urandom(n)


def x25519_public_key(sk: bytes) -> bytes:
    """X25519(sk, 9) by the RFC 7748 §5 ladder (``_rfc7748``)."""
    return _rfc7748.x25519_base(sk)


def x25519(sk: bytes, pk: bytes) -> bytes:
    """X25519(sk, pk) by the RFC 7748 §5 ladder; all zero for a low-order ``pk``."""
    return _rfc7748.x25519(sk, pk)


def ed25519_public_key(seed: bytes) -> bytes:
    """The Ed25519 public key of a seed (RFC 8032 §5.1.5, ``_rfc8032``)."""
    return _rfc8032.public_key(seed)


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    """A 64-byte Ed25519 signature (RFC 8032 §5.1.6)."""
    return _rfc8032.sign(seed, msg)


def ed25519_verify(pk: bytes, msg: bytes, sig: bytes) -> bool:
    """The cofactorless Ed25519 equation check (RFC 8032 §5.1.7); the facade applies the strict rules first."""
    return _rfc8032.verify(pk, msg, sig)


def ed25519_pk_to_x25519(pk: bytes) -> bytes:
    """u = (1 + y) / (1 - y) of an Ed25519 public key (RFC 7748 §4.1), refusing what libsodium refuses."""
    return _rfc8032.pk_to_x25519(pk)


def ed25519_seed_to_x25519(seed: bytes) -> bytes:
    """SHA-512(seed)[0:32], clamped (RFC 8032 §5.1.5 step 2), as crypto_sign_ed25519_sk_to_curve25519 returns it."""
    # libsodium crypto_sign_ed25519_sk_to_curve25519: SHA-512(seed)[0:32],
    # clamped as RFC 7748 §5 decodeScalar25519 clamps.
    return _rfc7748.decode_scalar25519(hashlib.sha512(seed).digest()[:32]).to_bytes(32, "little")


def chacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8): ciphertext || tag."""
    return _rfc8439.aead_encrypt(key, nonce, plaintext, aad)


def chacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8); DecryptionError on failure."""
    return _rfc8439.aead_decrypt(key, nonce, ciphertext, aad)


def xchacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_XChaCha20_Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3): ciphertext || tag."""
    return _xchacha.aead_encrypt(key, nonce, plaintext, aad)


def xchacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AEAD_XChaCha20_Poly1305; DecryptionError on failure."""
    return _xchacha.aead_decrypt(key, nonce, ciphertext, aad)


def box(msg: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """NaCl crypto_box (easy layout: tag || ciphertext), ``_nacl_box``."""
    return _nacl_box.box(msg, nonce, their_pk, my_sk)


def box_open(ct: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """Open a crypto_box; DecryptionError on failure."""
    return _nacl_box.box_open(ct, nonce, their_pk, my_sk)


def box_seal(msg: bytes, pk: bytes, esk: bytes) -> bytes:
    """Sealed box with the ephemeral secret key ``esk`` drawn by the facade."""
    return _nacl_box.seal(msg, pk, esk)


def box_seal_open(ct: bytes, pk: bytes, sk: bytes) -> bytes:
    """Open a sealed box; DecryptionError on failure."""
    return _nacl_box.seal_open(ct, pk, sk)


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-CBC with PKCS#7 padding (SP 800-38A §6.2, RFC 5652 §6.3)."""
    return _sp800_38a.cbc_encrypt(key, iv, plaintext)


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Invert :func:`aes_cbc_encrypt`; DecryptionError for a bad length or padding."""
    return _sp800_38a.cbc_decrypt(key, iv, ciphertext)


def aes_key_wrap(kek: bytes, key: bytes) -> bytes:
    """AES key wrap (RFC 3394 §2.2.1)."""
    return _rfc3394.wrap(kek, key)


def aes_key_unwrap(kek: bytes, wrapped: bytes) -> bytes:
    """AES key unwrap (RFC 3394 §2.2.2); DecryptionError on failure."""
    return _rfc3394.unwrap(kek, wrapped)


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM (SP 800-38D) with a 96-bit nonce: ciphertext || 16-byte tag."""
    return _sp800_38d.gcm_encrypt(key, nonce, plaintext, aad)


def aes_gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AES-GCM (SP 800-38D); DecryptionError on failure."""
    return _sp800_38d.gcm_decrypt(key, nonce, ciphertext, aad)


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2): :func:`refdidcomm.encoding.b64url_encode`."""
    return encoding.b64url_encode(data)


def b64url_decode(text: Union[str, bytes]) -> bytes:
    """Strict base64url decoding: :func:`refdidcomm.encoding.b64url_decode` (its rules and reasons)."""
    return encoding.b64url_decode(text)
