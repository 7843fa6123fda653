"""The pure-Python backend: standard library only, reads like the RFCs.

NOT CONSTANT TIME. See each module's header. Argument types and lengths are
checked by :mod:`refdidcomm.crypto` before these functions are called.

Each function here is the raw implementation behind the facade method of the
same name; ``box_seal`` takes the ephemeral secret key drawn by the facade.
"""

from __future__ import annotations

import hashlib
import os
from typing import Optional

from . import _nacl_box, _rfc3394, _rfc7748, _rfc8032, _rfc8439, _sp800_38a, _sp800_38d, _xchacha

NAME = "pure"


def constant_time(function: str, key_len: Optional[int] = None) -> bool:
    """Nothing in pure Python is constant time: always False."""
    return False


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def x25519_public_key(sk: bytes) -> bytes:
    return _rfc7748.x25519_base(sk)


def x25519(sk: bytes, pk: bytes) -> bytes:
    return _rfc7748.x25519(sk, pk)


def ed25519_public_key(seed: bytes) -> bytes:
    return _rfc8032.public_key(seed)


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    return _rfc8032.sign(seed, msg)


def ed25519_verify(pk: bytes, msg: bytes, sig: bytes) -> bool:
    return _rfc8032.verify(pk, msg, sig)


def ed25519_pk_to_x25519(pk: bytes) -> bytes:
    return _rfc8032.pk_to_x25519(pk)


def ed25519_seed_to_x25519(seed: bytes) -> bytes:
    # libsodium crypto_sign_ed25519_sk_to_curve25519: SHA-512(seed)[0:32], clamped.
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return bytes(h)


def chacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return _rfc8439.aead_encrypt(key, nonce, plaintext, aad)


def chacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    return _rfc8439.aead_decrypt(key, nonce, ciphertext, aad)


def xchacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return _xchacha.aead_encrypt(key, nonce, plaintext, aad)


def xchacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    return _xchacha.aead_decrypt(key, nonce, ciphertext, aad)


def box(msg: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    return _nacl_box.box(msg, nonce, their_pk, my_sk)


def box_open(ct: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    return _nacl_box.box_open(ct, nonce, their_pk, my_sk)


def box_seal(msg: bytes, pk: bytes, esk: bytes) -> bytes:
    return _nacl_box.seal(msg, pk, esk)


def box_seal_open(ct: bytes, pk: bytes, sk: bytes) -> bytes:
    return _nacl_box.seal_open(ct, pk, sk)


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    return _sp800_38a.cbc_encrypt(key, iv, plaintext)


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    return _sp800_38a.cbc_decrypt(key, iv, ciphertext)


def aes_key_wrap(kek: bytes, key: bytes) -> bytes:
    return _rfc3394.wrap(kek, key)


def aes_key_unwrap(kek: bytes, wrapped: bytes) -> bytes:
    return _rfc3394.unwrap(kek, wrapped)


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return _sp800_38d.gcm_encrypt(key, nonce, plaintext, aad)


def aes_gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    return _sp800_38d.gcm_decrypt(key, nonce, ciphertext, aad)
