"""The JOSE algorithms refdidcomm implements: an immutable registry.

Each algorithm is one frozen instance (``ES256 = JWSAlgorithm("ES256", ...)``)
and the registries are read-only mappings (:class:`types.MappingProxyType`)
from the registered name to the instance. Nothing can be added at run time.
A name that is unknown, or known but not allowed where it appears, raises
:class:`~refdidcomm.errors.UnsupportedAlgorithm`; ``"none"`` is never
accepted.

Registered here (IANA "JSON Web Signature and Encryption Algorithms" names):

* JWS ``alg``: EdDSA (RFC 8037 §3.1, Ed25519 only), ES256 (RFC 7518 §3.4),
  ES256K (RFC 8812 §3.2).
* JWE ``alg`` (key management): ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW
  (RFC 7518 §4.6) and ECDH-1PU, ECDH-1PU+A128KW, ECDH-1PU+A256KW
  (draft-madden-jose-ecdh-1pu-04 §2). The 128-bit and direct variants exist
  for the published vectors (RFC 7520 §5.4/§5.5, draft-04 Appendix A/B).
* JWE ``enc``: A128CBC-HS256, A256CBC-HS512 (RFC 7518 §5.2), A128GCM,
  A256GCM (RFC 7518 §5.3), XC20P (draft-amringer-jose-chacha-02 §4:
  XChaCha20-Poly1305, 256-bit key, 192-bit nonce, 128-bit tag).

The DIDComm v2 profile is the subset in :data:`DIDCOMM_JWS_ALGORITHMS`,
:data:`DIDCOMM_KEY_MANAGEMENT` and :data:`DIDCOMM_CONTENT_ENCRYPTION`
(DIDComm Messaging v2, "Message Signing" and "Message Encryption").
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping, Optional, Tuple

from . import _rfc7518
from . import crypto
from .errors import DecryptionError, UnsupportedAlgorithm, UsageError

__all__ = [
    "JWSAlgorithm",
    "KeyManagementAlgorithm",
    "ContentEncryptionAlgorithm",
    "EdDSA",
    "ES256",
    "ES256K",
    "ECDH_ES",
    "ECDH_ES_A128KW",
    "ECDH_ES_A256KW",
    "ECDH_1PU",
    "ECDH_1PU_A128KW",
    "ECDH_1PU_A256KW",
    "A128CBC_HS256",
    "A256CBC_HS512",
    "A128GCM",
    "A256GCM",
    "XC20P",
    "JWS_ALGORITHMS",
    "KEY_MANAGEMENT_ALGORITHMS",
    "CONTENT_ENCRYPTION_ALGORITHMS",
    "DIDCOMM_JWS_ALGORITHMS",
    "DIDCOMM_KEY_MANAGEMENT",
    "DIDCOMM_CONTENT_ENCRYPTION",
    "jws_algorithm",
    "jws_algorithm_for_key",
    "key_management_algorithm",
    "content_encryption_algorithm",
]


@dataclass(frozen=True)
class JWSAlgorithm:
    """A digital signature ``alg`` and the one key type and curve it takes.

    Attributes:
        name: the registered name. kty, crv: the only key it accepts.
        hash_name: the ECDSA hash (None for EdDSA, which hashes internally).
        signature_len: the fixed signature length in bytes (R || S).
        low_s: emit low-S signatures (ES256K, see :mod:`refdidcomm._rfc7515`).
        spec: where it is defined.
    """

    name: str
    kty: str
    crv: str
    hash_name: Optional[str]
    signature_len: int
    low_s: bool
    spec: str


@dataclass(frozen=True)
class KeyManagementAlgorithm:
    """A JWE key management ``alg`` based on ECDH.

    Attributes:
        name: the registered name.
        scheme: ``"ECDH-ES"`` or ``"ECDH-1PU"``.
        kek_bits: the AES key-wrap key size (128 or 256), or None for
            Direct Key Agreement (the KDF output is the CEK).
        spec: where it is defined.
    """

    name: str
    scheme: str
    kek_bits: Optional[int]
    spec: str

    @property
    def direct(self) -> bool:
        """True for Direct Key Agreement (no JWE Encrypted Key)."""
        return self.kek_bits is None


@dataclass(frozen=True)
class ContentEncryptionAlgorithm:
    """A JWE content encryption ``enc`` (an AEAD with a separate tag).

    Attributes:
        name: the registered name.
        family: ``"AES_CBC_HMAC_SHA2"``, ``"AES_GCM"`` or ``"XC20P"``.
        key_len: CEK length in bytes. iv_len: IV length in bytes.
        tag_len: Authentication Tag length in bytes.
        spec: where it is defined.
    """

    name: str
    family: str
    key_len: int
    iv_len: int
    tag_len: int
    spec: str

    @property
    def compactly_committing(self) -> bool:
        """AES_CBC_HMAC_SHA2 is compactly committing (draft-madden-jose-ecdh-1pu-04 §2.1)."""
        return self.family == "AES_CBC_HMAC_SHA2"

    def encrypt(
        self, cek: bytes, iv: bytes, plaintext: bytes, aad: bytes, *, backend: Optional[crypto.Backend] = None
    ) -> Tuple[bytes, bytes]:
        """Encrypt and authenticate.

        Args:
            cek: ``key_len`` bytes. iv: ``iv_len`` bytes. plaintext: any length.
            aad: the JWE Additional Authenticated Data (RFC 7516 §5.1 step 14).
            backend: crypto backend (default: the active one).
        Returns:
            (ciphertext, tag).
        Raises:
            UsageError: wrong CEK or IV length.
        """
        self._check_lengths(cek, iv)
        be = backend or crypto.backend(crypto.BACKEND)
        if self.family == "AES_CBC_HMAC_SHA2":
            return _rfc7518.cbc_hmac_encrypt(cek, iv, plaintext, aad, backend=be)
        if self.family == "AES_GCM":
            sealed = be.aes_gcm_encrypt(cek, iv, plaintext, aad)
        else:
            sealed = be.xchacha20poly1305_encrypt(cek, iv, plaintext, aad)
        return sealed[: -self.tag_len], sealed[-self.tag_len :]

    def decrypt(
        self,
        cek: bytes,
        iv: bytes,
        ciphertext: bytes,
        tag: bytes,
        aad: bytes,
        *,
        backend: Optional[crypto.Backend] = None,
    ) -> bytes:
        """Check the tag and decrypt.

        Args:
            cek: ``key_len`` bytes. iv: ``iv_len`` bytes.
            ciphertext, tag: from the JWE. aad: as for :meth:`encrypt`.
            backend: crypto backend (default: the active one).
        Returns:
            the plaintext.
        Raises:
            UsageError: wrong CEK or IV length.
            DecryptionError: wrong tag length or any authentication failure.
        """
        self._check_lengths(cek, iv)
        if len(tag) != self.tag_len:
            raise DecryptionError()
        be = backend or crypto.backend(crypto.BACKEND)
        if self.family == "AES_CBC_HMAC_SHA2":
            return _rfc7518.cbc_hmac_decrypt(cek, iv, ciphertext, tag, aad, backend=be)
        if self.family == "AES_GCM":
            return be.aes_gcm_decrypt(cek, iv, ciphertext + tag, aad)
        return be.xchacha20poly1305_decrypt(cek, iv, ciphertext + tag, aad)

    def _check_lengths(self, cek: bytes, iv: bytes) -> None:
        if len(cek) != self.key_len:
            raise UsageError(f"{self.name} needs a {self.key_len}-byte CEK, got {len(cek)}")
        if len(iv) != self.iv_len:
            raise UsageError(f"{self.name} needs a {self.iv_len}-byte IV, got {len(iv)}")


# -- JWS (RFC 7518 §3.1, RFC 8037 §3.1, RFC 8812 §3.2) ----------------------
EdDSA = JWSAlgorithm("EdDSA", "OKP", "Ed25519", None, 64, False, "RFC 8037 §3.1")
ES256 = JWSAlgorithm("ES256", "EC", "P-256", "sha256", 64, False, "RFC 7518 §3.4")
ES256K = JWSAlgorithm("ES256K", "EC", "secp256k1", "sha256", 64, True, "RFC 8812 §3.2")

# -- JWE key management (RFC 7518 §4.6, draft-madden-jose-ecdh-1pu-04 §2) --
ECDH_ES = KeyManagementAlgorithm("ECDH-ES", "ECDH-ES", None, "RFC 7518 §4.6")
ECDH_ES_A128KW = KeyManagementAlgorithm("ECDH-ES+A128KW", "ECDH-ES", 128, "RFC 7518 §4.6")
ECDH_ES_A256KW = KeyManagementAlgorithm("ECDH-ES+A256KW", "ECDH-ES", 256, "RFC 7518 §4.6")
ECDH_1PU = KeyManagementAlgorithm("ECDH-1PU", "ECDH-1PU", None, "draft-madden-jose-ecdh-1pu-04 §2")
ECDH_1PU_A128KW = KeyManagementAlgorithm("ECDH-1PU+A128KW", "ECDH-1PU", 128, "draft-madden-jose-ecdh-1pu-04 §2")
ECDH_1PU_A256KW = KeyManagementAlgorithm("ECDH-1PU+A256KW", "ECDH-1PU", 256, "draft-madden-jose-ecdh-1pu-04 §2")

# -- JWE content encryption (RFC 7518 §5.2, §5.3; draft-amringer-jose-chacha-02)
A128CBC_HS256 = ContentEncryptionAlgorithm("A128CBC-HS256", "AES_CBC_HMAC_SHA2", 32, 16, 16, "RFC 7518 §5.2.3")
A256CBC_HS512 = ContentEncryptionAlgorithm("A256CBC-HS512", "AES_CBC_HMAC_SHA2", 64, 16, 32, "RFC 7518 §5.2.5")
A128GCM = ContentEncryptionAlgorithm("A128GCM", "AES_GCM", 16, 12, 16, "RFC 7518 §5.3")
A256GCM = ContentEncryptionAlgorithm("A256GCM", "AES_GCM", 32, 12, 16, "RFC 7518 §5.3")
XC20P = ContentEncryptionAlgorithm("XC20P", "XC20P", 32, 24, 16, "draft-amringer-jose-chacha-02 §4")


def _registry(items: Iterable) -> Mapping:
    return MappingProxyType({item.name: item for item in items})


#: Every JWS ``alg`` refdidcomm implements.
JWS_ALGORITHMS: Mapping[str, JWSAlgorithm] = _registry((EdDSA, ES256, ES256K))
#: Every JWE key management ``alg`` refdidcomm implements.
KEY_MANAGEMENT_ALGORITHMS: Mapping[str, KeyManagementAlgorithm] = _registry(
    (ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A256KW, ECDH_1PU, ECDH_1PU_A128KW, ECDH_1PU_A256KW)
)
#: Every JWE ``enc`` refdidcomm implements.
CONTENT_ENCRYPTION_ALGORITHMS: Mapping[str, ContentEncryptionAlgorithm] = _registry(
    (A128CBC_HS256, A256CBC_HS512, A128GCM, A256GCM, XC20P)
)

#: DIDComm v2 "Message Signing": "Implementations MUST be able to verify all
#: of the following algorithms": EdDSA (with crv=Ed25519), ES256, ES256K.
DIDCOMM_JWS_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES256K"})
#: DIDComm v2 "Key Wrapping Algorithms": ECDH-ES+A256KW and ECDH-1PU+A256KW.
DIDCOMM_KEY_MANAGEMENT = frozenset({"ECDH-ES+A256KW", "ECDH-1PU+A256KW"})
#: DIDComm v2 "Curves and Content Encryption Algorithms".
DIDCOMM_CONTENT_ENCRYPTION = frozenset({"A256CBC-HS512", "A256GCM", "XC20P"})


def _allowed_names(allowed: Optional[Iterable[str]]) -> Optional[frozenset]:
    """``allowed`` as a frozenset of names (None: no restriction).

    A single ``str`` is refused: ``name in "ES256K"`` would be a substring
    test and accept ``ES256``.

    Raises:
        UsageError: ``allowed`` is a str/bytes, or holds a non-str.
    """
    if allowed is None:
        return None
    if allowed is DIDCOMM_KEY_MANAGEMENT or allowed is DIDCOMM_CONTENT_ENCRYPTION or allowed is DIDCOMM_JWS_ALGORITHMS:
        return allowed  # this module's own frozensets of str: already in the checked form
    if isinstance(allowed, (str, bytes, bytearray)):
        raise UsageError(f"allowed algorithms must be a collection of names, not a single string ({allowed!r})")
    names = frozenset(allowed)
    if not all(isinstance(n, str) for n in names):
        raise UsageError("allowed algorithms must be str names")
    return names


def _lookup(registry: Mapping, kind: str, name: object, allowed: Optional[Iterable[str]]):
    allowed = _allowed_names(allowed)
    if not isinstance(name, str):
        raise UnsupportedAlgorithm(f"{kind} must be a string, got {type(name).__name__}")
    if name not in registry:
        raise UnsupportedAlgorithm(f"{kind} {name!r} is not supported (supported: {', '.join(sorted(registry))})")
    if allowed is not None and name not in allowed:
        raise UnsupportedAlgorithm(f"{kind} {name!r} is not allowed here (allowed: {', '.join(sorted(allowed))})")
    return registry[name]


def jws_algorithm(name: object, allowed: Optional[Iterable[str]] = None) -> JWSAlgorithm:
    """Look up a JWS ``alg``.

    Raises:
        UnsupportedAlgorithm: ``none`` (RFC 7518 §3.6 Unsecured JWS, never
            accepted), an unknown name, or one outside ``allowed``.
        UsageError: ``allowed`` is a single string, not a collection of names.
    """
    allowed = _allowed_names(allowed)
    if name == "none":
        raise UnsupportedAlgorithm('alg "none" (an Unsecured JWS, RFC 7518 §3.6) is never accepted')
    return _lookup(JWS_ALGORITHMS, "JWS alg", name, allowed)


def jws_algorithm_for_key(kty: str, crv: str) -> JWSAlgorithm:
    """The one JWS ``alg`` for a signing key's ``kty``/``crv``.

    Raises:
        UnsupportedAlgorithm: no registered signature algorithm uses this curve.
    """
    for alg in JWS_ALGORITHMS.values():
        if alg.kty == kty and alg.crv == crv:
            return alg
    raise UnsupportedAlgorithm(f"no supported JWS algorithm signs with a {kty} {crv} key")


def key_management_algorithm(name: object, allowed: Optional[Iterable[str]] = None) -> KeyManagementAlgorithm:
    """Look up a JWE key management ``alg``.

    Raises:
        UnsupportedAlgorithm: unknown, or outside ``allowed``.
        UsageError: ``allowed`` is a single string, not a collection of names.
    """
    return _lookup(KEY_MANAGEMENT_ALGORITHMS, "JWE alg", name, allowed)


def content_encryption_algorithm(name: object, allowed: Optional[Iterable[str]] = None) -> ContentEncryptionAlgorithm:
    """Look up a JWE ``enc``.

    Raises:
        UnsupportedAlgorithm: unknown, or outside ``allowed``.
        UsageError: ``allowed`` is a single string, not a collection of names.
    """
    return _lookup(CONTENT_ENCRYPTION_ALGORITHMS, "JWE enc", name, allowed)
