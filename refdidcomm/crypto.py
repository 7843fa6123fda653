"""The crypto facade: one API over two backends.

Every later layer (JWS, JWE, DIDComm v1 envelopes, DIDs) calls these names and
nothing else. Two backends implement them with the same signatures and the
same errors:

* ``"native"`` -- the cffi extension ``_refdidcomm_native`` built from
  ``_crypto/``: libsodium for the Curve25519 family, ChaCha20-/XChaCha20-
  Poly1305, crypto_box and sealed boxes, and AES-256-GCM where the CPU has it;
  a small C file of our own with the AES-NI instructions for AES key
  schedules, CBC and RFC 3394. Constant time *where that code runs*, which
  is not everywhere: AES-128-GCM and AES-192-GCM always run the pure-Python
  code, AES-256-GCM does too without AES-NI and PCLMUL, and CBC and key wrap
  do without AES-NI. :meth:`Backend.constant_time` (and the module-level
  :func:`constant_time` for the active backend) answers per function for
  this host.
* ``"pure"`` -- standard-library Python that reads like the RFCs
  (``_rfc7748``, ``_rfc8032``, ``_rfc8439``, ``_xchacha``, ``_salsa20``,
  ``_nacl_box``, ``_fips197``, ``_sp800_38a``, ``_rfc3394``, ``_sp800_38d``).
  **Not constant time**: for reference, test vectors and hosts without the
  native core.

Both also offer the strict base64url codec of JOSE (:meth:`Backend.b64url_encode`,
:meth:`Backend.b64url_decode`): the pure backend is :mod:`refdidcomm.encoding`'s
(the standard library), the native one ``_crypto/b64url.c``, several times
faster on large members (a 1 MiB JWE ciphertext); same results, same errors.

Choice of backend (made once, here): the environment variable
``REFDIDCOMM_BACKEND=pure|native`` forces one; asking for ``native`` where it
cannot be loaded raises :class:`BackendUnavailable` (never a silent fallback).
Unset, the native backend is used when it loads and the pure one otherwise.
:data:`BACKEND` names the active one; :func:`backend` returns either one
explicitly (the tests run every vector through both).

This module checks types and lengths once (:class:`UsageError`), applies the
shared Ed25519 verification rules and the X25519 all-zero check, and then calls
the backend. Backends only ever see well-formed arguments.

Hashes and HMAC come from :mod:`hashlib` and :mod:`hmac`.
"""

from __future__ import annotations

import hmac
import importlib
import os
from types import ModuleType
from typing import Callable, Dict, List, Optional, Union

from ._primitives import PRIMITIVES
from .errors import BackendUnavailable, DecryptionError, InvalidKey, LowOrderPointError, MalformedMessage, UsageError

__all__ = [
    "BACKEND",
    "Backend",
    "backend",
    "available_backends",
    "constant_time",
    "Rng",
    "draw",
    "RANDOM_BYTES_MAX",
    *PRIMITIVES,
]

#: A source of randomness: ``rng(n)`` returns ``n`` bytes. Every randomized API
#: in refdidcomm takes one (``rng=None`` means the backend's CSPRNG), so that
#: any output can be reproduced byte for byte from a seeded generator.
Rng = Callable[[int], bytes]

_ENV = "REFDIDCOMM_BACKEND"

#: The most bytes one :func:`random_bytes` call returns: 2**31 - 1, the
#: largest signed 32-bit count. refdidcomm draws keys, nonces and IVs (tens of
#: bytes); the cap turns an absurd request into a UsageError instead of an
#: OverflowError (beyond what C's size types hold) or a MemoryError from the
#: backend, and keeps the count valid for every C API a backend passes it to.
RANDOM_BYTES_MAX = 2**31 - 1

# ---------------------------------------------------------------------------
# Ed25519 verification rules shared by both backends (RFC 8032 §5.1.7 plus the
# strictness the issue asks for). They run here, in the facade, before either
# backend's equation check, so that the rule set is identical on both:
#
#   1. len(pk) == 32 and len(sig) == 64 (else UsageError);
#   2. S = sig[32:64] as a little-endian integer satisfies S < L
#      (RFC 8032 §5.1.7 step 1: "If any of the decodings fail (including S
#      being out of range), the signature is invalid");
#   3. A (= pk) and R (= sig[0:32]) are canonical encodings: the y coordinate
#      (the low 255 bits) is < p (RFC 8032 §5.1.3 step 1: "If the resulting
#      value is >= p, decoding fails");
#   4. neither A nor R is one of the eight points of small order (their y
#      coordinates are 0, 1, p-1 and the two order-8 values y8, p - y8,
#      derived below); this also
#      rejects the non-canonical "negative zero" encodings of (0, 1), (0, -1);
#   5. A decodes to a point on the curve, and encode([S]B - [k]A) == R with
#      k = SHA-512(R || A || M) mod L: the cofactorless equation, comparing
#      encodings (the backend's part; for libsodium this is
#      crypto_sign_verify_detached, which also applies rules 2-4 itself).
# ---------------------------------------------------------------------------

# RFC 8032 §5.1: p = 2^255 - 19, d = -121665/121666 mod p, and the group
# order L, written as the RFC (and ``_rfc8032.L``) writes it. They are
# derived here rather than imported because importing ``_rfc8032`` builds its
# fixed-base table (about 17 ms); the tests check both equal ``_rfc8032``'s.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_L = 2**252 + 27742317777372353535851937790883648493


def _sqrt_mod_p(a: int) -> Optional[int]:
    """A square root of ``a`` mod p (p = 5 mod 8, as in RFC 8032 §5.1.3), or None."""
    x = pow(a, (_P + 3) // 8, _P)
    if x * x % _P == a % _P:
        return x
    x = x * pow(2, (_P - 1) // 4, _P) % _P  # times sqrt(-1)
    return x if x * x % _P == a % _P else None


def _order8_y() -> int:
    """The y coordinate y8 (the larger of y8, p - y8) of the points of order 8.

    P has order 8 iff [2]P has order 4, i.e. y([2]P) = 0 (the order-4 points
    are (+-sqrt(-1), 0)). For -x^2 + y^2 = 1 + d x^2 y^2 the doubling formula
    gives y([2]P) = (x^2 + y^2) / (2 + x^2 - y^2) (RFC 8032 §5.1.4), so
    x^2 = -y^2; on the curve that is d y^4 + 2 y^2 - 1 = 0, whence
    y^2 = (-1 + s) / d with s^2 = 1 + d -- the sign of s for which y^2 is a
    square.
    """
    s = _sqrt_mod_p(1 + _D)
    if s is None:  # cannot happen for Curve25519's d; a load-time sanity check
        raise ImportError("1 + d has no square root mod p")
    for root in (s, _P - s):
        y = _sqrt_mod_p((root - 1) * pow(_D, _P - 2, _P) % _P)
        if y is not None:
            return max(y, _P - y)
    raise ImportError("no point of order 8 found")


# The y coordinates of the points of order 8 are y8 and p - y8; the test
# suite also checks y8 against the published constant and _rfc8032's points.
_Y8 = _order8_y()
_SMALL_ORDER_Y = frozenset({0, 1, _P - 1, _Y8, _P - _Y8})


def _ed25519_point_acceptable(enc: bytes) -> bool:
    """Rules 3 and 4 for one 32-byte point encoding (public data only)."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    return y < _P and y not in _SMALL_ORDER_Y


def _exact_bytes(value: object) -> bytes:
    """The octets of a bytes-like ``value`` as an exact ``bytes`` object.

    Read through :class:`memoryview`, never through the object's own
    ``__bytes__`` or ``__len__``: a subclass overriding them must not make a
    native function read a length other than the buffer's (the C code is
    given ``len()`` of what this returns).
    """
    return value if type(value) is bytes else bytes(memoryview(value))  # type: ignore[arg-type]


def _check_bytes(name: str, value: object, *lengths: int) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise UsageError(f"{name} must be bytes, not {type(value).__name__}")
    value = _exact_bytes(value)
    if lengths and len(value) not in lengths:
        want = " or ".join(str(n) for n in lengths)
        raise UsageError(f"{name} must be {want} bytes, got {len(value)}")
    return value


def _check_min(name: str, value: bytes, minimum: int) -> None:
    if len(value) < minimum:
        raise UsageError(f"{name} must be at least {minimum} bytes, got {len(value)}")


class Backend:
    """One backend's implementation of the facade, with argument checks.

    Obtain instances through :func:`backend`; the module-level functions are
    the bound methods of the active one.
    """

    def __init__(self, name: str, impl: ModuleType) -> None:
        self.name = name
        self._impl = impl

    def __repr__(self) -> str:
        return f"<refdidcomm.crypto.Backend {self.name!r}>"

    # -- timing -----------------------------------------------------------
    def constant_time(self, function: str, key_len: Optional[int] = None) -> bool:
        """Whether ``function`` runs constant-time code on this backend and host.

        True means: every call of that facade function (or, with
        ``key_len``, every call with a key of that many bytes) runs code with
        no secret-dependent branches or memory indices -- libsodium or
        ``_crypto/aesni.c``. The facade's own checks look only at lengths
        and public values (signatures, public keys), except the X25519
        all-zero check, which uses :func:`hmac.compare_digest`.

        The pure backend answers False for everything. The native backend
        answers False for ``aes_cbc_*`` and ``aes_key_*`` when the CPU has
        no AES-NI, and for ``aes_gcm_*`` unless ``key_len`` is 32 and
        libsodium's AES-256-GCM runs here (AES-NI and PCLMUL): 16- and
        24-byte GCM keys always use the pure code; and for ``b64url_*``
        (table lookups indexed by the data, which is public: JOSE members
        on the wire). Everything else is True.

        Args:
            function: a facade function name, e.g. ``"aes_gcm_encrypt"``.
            key_len: optional AES key length (16, 24 or 32 bytes) to ask
                about one key size of an ``aes_*`` function; ``None`` asks
                about every key size.
        Returns:
            True if constant time as described, else False.
        Raises:
            UsageError: unknown function name, or a ``key_len`` that is not
                16, 24, 32 or None (or given for a non-AES function).
        """
        if not isinstance(function, str) or function not in _FACADE_FUNCTIONS:
            raise UsageError(f"{function!r} is not a refdidcomm.crypto function")
        if key_len is not None:
            if not function.startswith("aes_"):
                raise UsageError("key_len applies to the aes_* functions only")
            if isinstance(key_len, bool) or key_len not in (16, 24, 32):
                raise UsageError("key_len must be 16, 24 or 32")
        return bool(self._impl.constant_time(function, key_len))

    # -- randomness -------------------------------------------------------
    def random_bytes(self, n: int) -> bytes:
        """Return ``n`` bytes from a CSPRNG.

        The native backend uses libsodium's ``randombytes_buf``, the pure one
        :func:`os.urandom`.

        Args:
            n: number of bytes, 0 <= n <= :data:`RANDOM_BYTES_MAX` (2**31 - 1).
        Returns:
            ``n`` random bytes.
        Raises:
            UsageError: ``n`` is not an int, is negative, or exceeds
                :data:`RANDOM_BYTES_MAX`.
        Spec: none (operating-system / libsodium CSPRNG).
        """
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise UsageError("n must be a non-negative int")
        if n > RANDOM_BYTES_MAX:
            raise UsageError(f"n must be at most {RANDOM_BYTES_MAX} (2**31 - 1), got {n}")
        return self._impl.random_bytes(n)

    # -- X25519 (RFC 7748) ------------------------------------------------
    def x25519_public_key(self, sk: bytes) -> bytes:
        """X25519(sk, 9): the public key of a 32-byte private key.

        Args:
            sk: 32-byte private key (clamped internally, RFC 7748 §5).
        Returns:
            32-byte public key.
        Raises:
            UsageError: wrong type or length.
        Spec: RFC 7748 §5, §6.1.
        """
        sk = _check_bytes("sk", sk, 32)
        return self._impl.x25519_public_key(sk)

    def x25519(self, sk: bytes, pk: bytes) -> bytes:
        """X25519(sk, pk): the raw shared secret.

        Args:
            sk: 32-byte private key.
            pk: 32-byte peer public key (u-coordinate; the top bit is masked).
        Returns:
            32-byte shared secret.
        Raises:
            UsageError: wrong type or length.
            LowOrderPointError: the result is all zero (RFC 7748 §6.1).
        Spec: RFC 7748 §5, §6.1.
        Security: raw X25519 output is not a key; it only enters a KDF.
        """
        sk = _check_bytes("sk", sk, 32)
        pk = _check_bytes("pk", pk, 32)
        out = self._impl.x25519(sk, pk)
        # RFC 7748 §6.1: "implementations MAY check whether the result is the
        # all-zero value and abort if so". We always do, comparing without an
        # early exit (the shared secret is secret).
        if hmac.compare_digest(out, bytes(32)):
            raise LowOrderPointError("X25519 result is all zero (low-order point)")
        return out

    # -- Ed25519 (RFC 8032) -----------------------------------------------
    def ed25519_public_key(self, seed: bytes) -> bytes:
        """The Ed25519 public key A of a 32-byte seed (RFC 8032 §5.1.5).

        Args:
            seed: 32-byte private key ("seed" in libsodium's terms).
        Returns:
            32-byte public key A (its encoding, RFC 8032 §5.1.2).
        Raises:
            UsageError: wrong type or length.
        Spec: RFC 8032 §5.1.5.
        """
        seed = _check_bytes("seed", seed, 32)
        return self._impl.ed25519_public_key(seed)

    def ed25519_sign(self, seed: bytes, msg: bytes) -> bytes:
        """Sign ``msg`` with pure Ed25519 (RFC 8032 §5.1.6).

        Args:
            seed: 32-byte private key.
            msg: the message, any length.
        Returns:
            64-byte signature R || S (deterministic: the same for the same
            seed and message on both backends).
        Raises:
            UsageError: wrong type or length.
        Spec: RFC 8032 §5.1.6.
        """
        seed = _check_bytes("seed", seed, 32)
        msg = _check_bytes("msg", msg)
        return self._impl.ed25519_sign(seed, msg)

    def ed25519_verify(self, pk: bytes, msg: bytes, sig: bytes) -> bool:
        """Strictly verify a pure Ed25519 signature.

        The rule set, identical on both backends (see the module comment):
        S < L; A and R canonical (y < p); neither A nor R of small order;
        A on the curve; cofactorless ``encode([S]B - [k]A) == R``.

        Args:
            pk: 32-byte public key A.
            msg: the message.
            sig: 64-byte signature R || S.
        Returns:
            True if valid, False otherwise.
        Raises:
            UsageError: wrong type or length of an argument.
        Spec: RFC 8032 §5.1.7, with the stricter checks above.
        """
        pk = _check_bytes("pk", pk, 32)
        msg = _check_bytes("msg", msg)
        sig = _check_bytes("sig", sig, 64)
        if int.from_bytes(sig[32:], "little") >= _L:
            return False
        if not (_ed25519_point_acceptable(pk) and _ed25519_point_acceptable(sig[:32])):
            return False
        return bool(self._impl.ed25519_verify(pk, msg, sig))

    def ed25519_pk_to_x25519(self, pk: bytes) -> bytes:
        """Map an Ed25519 public key to its X25519 public key, u = (1+y)/(1-y).

        Args:
            pk: 32-byte Ed25519 public key.
        Returns:
            32-byte X25519 public key.
        Raises:
            UsageError: wrong type or length.
            InvalidKey: ``pk`` is non-canonical, of small order, not on the
                curve, or not in the prime-order subgroup (libsodium's rule,
                applied by both backends).
        Spec: RFC 7748 §4.1 (the birational map).
        """
        pk = _check_bytes("pk", pk, 32)
        if not _ed25519_point_acceptable(pk):
            raise InvalidKey("Ed25519 public key is non-canonical or of small order")
        return self._impl.ed25519_pk_to_x25519(pk)

    def ed25519_seed_to_x25519(self, seed: bytes) -> bytes:
        """The X25519 private key of an Ed25519 seed: SHA-512(seed)[0:32], clamped.

        Args:
            seed: 32-byte Ed25519 private key.
        Returns:
            32-byte X25519 private key (clamped, as libsodium returns it).
        Raises:
            UsageError: wrong type or length.
        Spec: RFC 8032 §5.1.5 steps 1-2 (the hash and the pruning, the same
        as RFC 7748 §5 decodeScalar25519's clamping); the X25519 public key
        of the result is :meth:`ed25519_pk_to_x25519` of the Ed25519 public
        key (RFC 7748 §4.1).
        """
        seed = _check_bytes("seed", seed, 32)
        return self._impl.ed25519_seed_to_x25519(seed)

    # -- ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 --------------
    def chacha20poly1305_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        """AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8).

        Args:
            key: 32 bytes. nonce: 12 bytes. plaintext, aad: any length.
        Returns:
            ciphertext || 16-byte tag.
        Raises:
            UsageError: wrong type or length.
        """
        key = _check_bytes("key", key, 32)
        nonce = _check_bytes("nonce", nonce, 12)
        return self._impl.chacha20poly1305_encrypt(key, nonce, _check_bytes("plaintext", plaintext), _check_bytes("aad", aad))

    def chacha20poly1305_decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        """Open AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8).

        Args:
            key: 32 bytes. nonce: 12 bytes. ciphertext: ciphertext || 16-byte tag.
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong type or length of key or nonce.
            DecryptionError: the tag does not verify (or the input is shorter than a tag).
        """
        key = _check_bytes("key", key, 32)
        nonce = _check_bytes("nonce", nonce, 12)
        ciphertext = _check_bytes("ciphertext", ciphertext)
        aad = _check_bytes("aad", aad)
        if len(ciphertext) < 16:
            raise DecryptionError()
        return self._impl.chacha20poly1305_decrypt(key, nonce, ciphertext, aad)

    def xchacha20poly1305_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        """AEAD_XChaCha20_Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3).

        Args:
            key: 32 bytes. nonce: 24 bytes.
        Returns:
            ciphertext || 16-byte tag.
        Raises:
            UsageError: wrong type or length.
        """
        key = _check_bytes("key", key, 32)
        nonce = _check_bytes("nonce", nonce, 24)
        return self._impl.xchacha20poly1305_encrypt(key, nonce, _check_bytes("plaintext", plaintext), _check_bytes("aad", aad))

    def xchacha20poly1305_decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        """Open AEAD_XChaCha20_Poly1305.

        Args:
            key: 32 bytes. nonce: 24 bytes. ciphertext: ciphertext || 16-byte tag.
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong type or length of key or nonce.
            DecryptionError: the tag does not verify.
        """
        key = _check_bytes("key", key, 32)
        nonce = _check_bytes("nonce", nonce, 24)
        ciphertext = _check_bytes("ciphertext", ciphertext)
        aad = _check_bytes("aad", aad)
        if len(ciphertext) < 16:
            raise DecryptionError()
        return self._impl.xchacha20poly1305_decrypt(key, nonce, ciphertext, aad)

    # -- NaCl crypto_box and sealed boxes ---------------------------------
    def box(self, msg: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
        """NaCl crypto_box (libsodium crypto_box_easy): X25519 + HSalsa20 + XSalsa20-Poly1305.

        Args:
            msg: plaintext. nonce: 24 bytes. their_pk: 32-byte X25519 public key.
            my_sk: 32-byte X25519 private key.
        Returns:
            16-byte Poly1305 tag || ciphertext (the "easy" layout).
        Raises:
            UsageError: wrong type or length.
            LowOrderPointError: ``their_pk`` has low order.
        """
        msg = _check_bytes("msg", msg)
        nonce = _check_bytes("nonce", nonce, 24)
        their_pk = _check_bytes("their_pk", their_pk, 32)
        my_sk = _check_bytes("my_sk", my_sk, 32)
        return self._impl.box(msg, nonce, their_pk, my_sk)

    def box_open(self, ct: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
        """Open a crypto_box.

        Args:
            ct: tag || ciphertext. nonce: 24 bytes. their_pk: 32 bytes. my_sk: 32 bytes.
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong type or length of nonce or keys.
            DecryptionError: the tag does not verify, the input is too short,
                or ``their_pk`` has low order.
        """
        ct = _check_bytes("ct", ct)
        nonce = _check_bytes("nonce", nonce, 24)
        their_pk = _check_bytes("their_pk", their_pk, 32)
        my_sk = _check_bytes("my_sk", my_sk, 32)
        return self._impl.box_open(ct, nonce, their_pk, my_sk)

    def box_seal(self, msg: bytes, pk: bytes, *, rng: Optional[Rng] = None) -> bytes:
        """Sealed box (libsodium crypto_box_seal): anonymous encryption to ``pk``.

        An ephemeral key pair (esk from ``rng(32)``) is drawn; the nonce is
        BLAKE2b-192(epk || pk); the output is epk || crypto_box(msg, nonce, pk, esk).

        Args:
            msg: plaintext. pk: 32-byte X25519 public key of the recipient.
            rng: optional randomness source (for reproducible output).
        Returns:
            32-byte epk || 16-byte tag || ciphertext.
        Raises:
            UsageError: wrong type or length.
            LowOrderPointError: ``pk`` has low order.
        """
        msg = _check_bytes("msg", msg)
        pk = _check_bytes("pk", pk, 32)
        esk = draw(rng, 32, self)
        return self._impl.box_seal(msg, pk, esk)

    def box_seal_open(self, ct: bytes, pk: bytes, sk: bytes) -> bytes:
        """Open a sealed box.

        Args:
            ct: epk || tag || ciphertext. pk: our 32-byte public key. sk: our 32-byte private key.
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong type or length of the keys.
            DecryptionError: anything else (too short, bad tag, low-order epk).
        """
        ct = _check_bytes("ct", ct)
        pk = _check_bytes("pk", pk, 32)
        sk = _check_bytes("sk", sk, 32)
        return self._impl.box_seal_open(ct, pk, sk)

    # -- AES (FIPS-197, SP 800-38A/D, RFC 3394) ---------------------------
    def aes_cbc_encrypt(self, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
        """AES-CBC with PKCS#7 padding (SP 800-38A §6.2; RFC 5652 §6.3 padding).

        Args:
            key: 16, 24 or 32 bytes. iv: 16 bytes. plaintext: any length.
        Returns:
            ciphertext, a multiple of 16 bytes (always at least one block).
        Raises:
            UsageError: wrong type or length.
        """
        key = _check_bytes("key", key, 16, 24, 32)
        iv = _check_bytes("iv", iv, 16)
        return self._impl.aes_cbc_encrypt(key, iv, _check_bytes("plaintext", plaintext))

    def aes_cbc_decrypt(self, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        """Invert :meth:`aes_cbc_encrypt`: AES-CBC decryption, then remove PKCS#7 padding.

        Args:
            key: 16, 24 or 32 bytes. iv: 16 bytes. ciphertext: a positive
                multiple of 16 bytes.
        Returns:
            the plaintext (the padding removed).
        Raises:
            UsageError: wrong type or length of key or iv.
            DecryptionError: length not a positive multiple of 16, or bad padding.
        Spec: SP 800-38A §6.2; RFC 5652 §6.3 padding.
        Security: unauthenticated; callers (A256CBC-HS512) check the MAC first.
        """
        key = _check_bytes("key", key, 16, 24, 32)
        iv = _check_bytes("iv", iv, 16)
        return self._impl.aes_cbc_decrypt(key, iv, _check_bytes("ciphertext", ciphertext))

    def aes_key_wrap(self, kek: bytes, key: bytes) -> bytes:
        """AES Key Wrap (RFC 3394 §2.2.1) with the default IV A6A6A6A6A6A6A6A6.

        Args:
            kek: 16, 24 or 32 bytes. key: a multiple of 8 bytes, at least 16.
        Returns:
            len(key) + 8 bytes.
        Raises:
            UsageError: wrong type or length.
        Spec: RFC 3394 §2.2.1, §2.2.3.1.
        """
        kek = _check_bytes("kek", kek, 16, 24, 32)
        key = _check_bytes("key", key)
        if len(key) < 16 or len(key) % 8:
            raise UsageError("key to wrap must be a multiple of 8 bytes, at least 16")
        return self._impl.aes_key_wrap(kek, key)

    def aes_key_unwrap(self, kek: bytes, wrapped: bytes) -> bytes:
        """AES Key Unwrap (RFC 3394 §2.2.2) checking the default IV.

        Args:
            kek: 16, 24 or 32 bytes. wrapped: a multiple of 8 bytes, at least 24.
        Returns:
            the key, ``len(wrapped) - 8`` bytes.
        Raises:
            UsageError: wrong type or length of the KEK, or ``wrapped`` not bytes.
            DecryptionError: bad length or integrity check failure.
        Spec: RFC 3394 §2.2.2, §2.2.3 (the default initial value A6A6A6A6A6A6A6A6).
        """
        kek = _check_bytes("kek", kek, 16, 24, 32)
        return self._impl.aes_key_unwrap(kek, _check_bytes("wrapped", wrapped))

    def aes_gcm_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        """AES-GCM (SP 800-38D) with a 96-bit nonce and a 128-bit tag.

        Args:
            key: 16, 24 or 32 bytes. nonce: 12 bytes. plaintext, aad: any length.
        Returns:
            ciphertext || 16-byte tag.
        Raises:
            UsageError: wrong type or length.
        Spec: NIST SP 800-38D §7.1 (GCM-AE).
        """
        key = _check_bytes("key", key, 16, 24, 32)
        nonce = _check_bytes("nonce", nonce, 12)
        return self._impl.aes_gcm_encrypt(key, nonce, _check_bytes("plaintext", plaintext), _check_bytes("aad", aad))

    def aes_gcm_decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
        """Open AES-GCM (SP 800-38D §7.2, GCM-AD) with a 96-bit nonce and a 128-bit tag.

        Args:
            key: 16, 24 or 32 bytes. nonce: 12 bytes. ciphertext:
                ciphertext || 16-byte tag. aad: any length.
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong type or length of key or nonce.
            DecryptionError: the tag does not verify (or the input is shorter than a tag).
        Spec: NIST SP 800-38D §7.2.
        """
        key = _check_bytes("key", key, 16, 24, 32)
        nonce = _check_bytes("nonce", nonce, 12)
        ciphertext = _check_bytes("ciphertext", ciphertext)
        aad = _check_bytes("aad", aad)
        if len(ciphertext) < 16:
            raise DecryptionError()
        return self._impl.aes_gcm_decrypt(key, nonce, ciphertext, aad)

    # -- base64url (RFC 4648 §5 without padding, RFC 7515 §2) -------------
    # The same argument checks, results and errors as refdidcomm.encoding's
    # b64url_encode / b64url_decode, on either backend.
    def b64url_encode(self, data: bytes) -> str:
        """Encode bytes as base64url without padding.

        Args:
            data: any number of bytes (bytes, bytearray or memoryview).
        Returns:
            ``ceil(4 * len(data) / 3)`` characters of the URL-safe alphabet,
            no ``=``.
        Raises:
            UsageError: ``data`` is not bytes-like.
        Spec: RFC 7515 §2 (RFC 4648 §5 "with all trailing '=' characters
        omitted").
        """
        if type(data) is not bytes:  # the common case skips the general check
            data = _check_bytes("data", data)
        return self._impl.b64url_encode(data)

    def b64url_decode(self, text: Union[str, bytes]) -> bytes:
        """Decode JOSE base64url strictly, exactly as :func:`refdidcomm.encoding.b64url_decode`.

        Accepted: only the URL-safe alphabet, no padding, no whitespace, a
        length that is not 1 mod 4, and zero pad bits in the last character.
        When several rules are broken, the reason is the first of: a
        non-ASCII ``str`` ("invalid character"), an ``=`` anywhere
        ("padding not allowed"), any other character outside the alphabet
        ("invalid character"), the length ("impossible length"), the pad
        bits ("non-canonical trailing bits").

        Args:
            text: the encoded text, as ``str`` or bytes-like (ASCII bytes).
        Returns:
            The decoded bytes (``3 * len(text) // 4`` of them).
        Raises:
            MalformedMessage: with one of the reasons above; ``field`` is None.
            UsageError: ``text`` is neither ``str`` nor bytes-like.
        Spec: RFC 7515 §2 and Appendix C; RFC 4648 §5; RFC 4648 §3.5.
        """
        if isinstance(text, str):
            # An exact str (str.__str__ copies a subclass's characters without
            # calling its overrides). A non-ASCII character cannot be base64 of
            # anything (encoding's _ascii_arg): the backends only see ASCII.
            text = str.__str__(text)
            if not text.isascii():
                raise MalformedMessage("invalid character")
        elif isinstance(text, (bytes, bytearray, memoryview)):
            text = _exact_bytes(text)
        else:
            raise UsageError(f"expected str or bytes, not {type(text).__name__}")
        return self._impl.b64url_decode(text)


def draw(rng: Optional[Rng], n: int, backend: Optional[Backend] = None) -> bytes:
    """Draw ``n`` bytes from ``rng`` (or the backend's CSPRNG), checking the length.

    The one place every randomized API of refdidcomm draws its randomness
    (keys, CEKs, IVs, nonces, ids), so that a seeded ``rng`` reproduces any
    output byte for byte.

    Args:
        rng: ``rng(n) -> n bytes``, or None for the CSPRNG.
        n: how many bytes.
        backend: whose CSPRNG serves ``rng=None`` (default: the active one).
    Returns:
        exactly ``n`` bytes.
    Raises:
        UsageError: ``rng`` is neither None nor callable, or does not return
            exactly ``n`` bytes.
    """
    if rng is None:
        return (backend or _active).random_bytes(n)
    if not callable(rng):
        raise UsageError(f"rng must be a callable rng(n) -> bytes or None, not {type(rng).__name__}")
    out = rng(n)
    if not isinstance(out, (bytes, bytearray)) or len(out) != n:
        raise UsageError(f"rng({n}) must return exactly {n} bytes")
    return bytes(out)


#: The facade functions (those :meth:`Backend.constant_time` answers for).
_FACADE_FUNCTIONS = frozenset(PRIMITIVES)

_IMPLS = {"pure": "refdidcomm._pure_backend", "native": "refdidcomm._native_backend"}
_loaded: Dict[str, Backend] = {}


def backend(name: str) -> Backend:
    """Return the named backend (``"pure"`` or ``"native"``).

    Args:
        name: ``"pure"`` or ``"native"``.
    Returns:
        the :class:`Backend` (loaded once, then cached).
    Raises:
        UsageError: unknown name.
        BackendUnavailable: the native extension cannot be loaded here.
    """
    if name not in _IMPLS:
        raise UsageError(f"unknown backend {name!r} (expected 'pure' or 'native')")
    if name not in _loaded:
        try:
            impl = importlib.import_module(_IMPLS[name])
        except ImportError as exc:
            raise BackendUnavailable(f"the {name} crypto backend cannot be loaded: {exc}") from exc
        _loaded[name] = Backend(name, impl)
    return _loaded[name]


def available_backends() -> List[str]:
    """The names of the backends that load on this host, native first.

    Loads each backend (once) to find out; never raises.

    Returns:
        ``["native", "pure"]`` or ``["pure"]``.
    Spec: none (refdidcomm's backend choice, see the module docstring).
    """
    names = []
    for name in ("native", "pure"):
        try:
            backend(name)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


def _choose() -> Backend:
    wanted = os.environ.get(_ENV, "").strip().lower()
    if wanted:
        if wanted not in _IMPLS:
            raise BackendUnavailable(f"{_ENV}={wanted!r}: expected 'pure' or 'native'")
        return backend(wanted)
    try:
        return backend("native")
    except BackendUnavailable:
        return backend("pure")


_active = _choose()

#: The active backend's name: ``"native"`` or ``"pure"``.
BACKEND: str = _active.name

constant_time = _active.constant_time
random_bytes = _active.random_bytes
x25519_public_key = _active.x25519_public_key
x25519 = _active.x25519
ed25519_public_key = _active.ed25519_public_key
ed25519_sign = _active.ed25519_sign
ed25519_verify = _active.ed25519_verify
ed25519_pk_to_x25519 = _active.ed25519_pk_to_x25519
ed25519_seed_to_x25519 = _active.ed25519_seed_to_x25519
chacha20poly1305_encrypt = _active.chacha20poly1305_encrypt
chacha20poly1305_decrypt = _active.chacha20poly1305_decrypt
xchacha20poly1305_encrypt = _active.xchacha20poly1305_encrypt
xchacha20poly1305_decrypt = _active.xchacha20poly1305_decrypt
box = _active.box
box_open = _active.box_open
box_seal = _active.box_seal
box_seal_open = _active.box_seal_open
aes_cbc_encrypt = _active.aes_cbc_encrypt
aes_cbc_decrypt = _active.aes_cbc_decrypt
aes_key_wrap = _active.aes_key_wrap
aes_key_unwrap = _active.aes_key_unwrap
aes_gcm_encrypt = _active.aes_gcm_encrypt
aes_gcm_decrypt = _active.aes_gcm_decrypt
b64url_encode = _active.b64url_encode
b64url_decode = _active.b64url_decode
