"""The names of the crypto facade's primitives: one list for the facade and both backends.

:mod:`refdidcomm.crypto` exposes each of these as a :class:`~refdidcomm.crypto.Backend`
method and a module-level function (the ones :meth:`Backend.constant_time`
answers for); :mod:`refdidcomm._pure_backend` and
:mod:`refdidcomm._native_backend` each implement every one under the same
name. No imports, so that any of the three can read it.
"""

__all__ = ["PRIMITIVES"]

#: The facade contract's primitive functions, in the facade's order.
PRIMITIVES = (
    "random_bytes",
    "x25519_public_key",
    "x25519",
    "ed25519_public_key",
    "ed25519_sign",
    "ed25519_verify",
    "ed25519_pk_to_x25519",
    "ed25519_seed_to_x25519",
    "chacha20poly1305_encrypt",
    "chacha20poly1305_decrypt",
    "xchacha20poly1305_encrypt",
    "xchacha20poly1305_decrypt",
    "box",
    "box_open",
    "box_seal",
    "box_seal_open",
    "aes_cbc_encrypt",
    "aes_cbc_decrypt",
    "aes_key_wrap",
    "aes_key_unwrap",
    "aes_gcm_encrypt",
    "aes_gcm_decrypt",
    "b64url_encode",
    "b64url_decode",
)
