"""The native backend: thin wrappers over the ``_refdidcomm_native`` extension.

``_refdidcomm_native`` is a cffi (API mode) extension built from ``_crypto/``
by ``setup.py``. It is a top-level module, found in site-packages even when
this package is imported from a source checkout. If it is not installed (no
compiler or no cffi at install time, or a copied ``refdidcomm/`` folder),
importing this module raises :class:`ImportError`, which
:func:`refdidcomm.crypto.backend` turns into :class:`BackendUnavailable`.

Loading (see ``_crypto/build_native.py``): the build writes a small module
``_refdidcomm_native_build`` next to the extension saying where its libsodium
comes from. When that is PyNaCl's ``nacl/_sodium*.so``, the extension has
no DT_NEEDED entry for it (PyNaCl may live in any site directory), so
:func:`preload_pynacl_sodium` first finds that file with
``importlib.util.find_spec("nacl")`` -- without importing ``nacl`` -- and
loads it with ``RTLD_GLOBAL``; the extension, linked with ``-z now``, then
binds every libsodium symbol at import or fails to import. A system
libsodium is an ordinary DT_NEEDED dependency. Either way libsodium older
than 1.0.18 is refused (:func:`check_sodium_version`).

What runs where:

* libsodium: X25519, Ed25519 and its conversions to X25519,
  ChaCha20-Poly1305 and XChaCha20-Poly1305 (IETF), crypto_box, sealed boxes
  (opening), BLAKE2b for the sealed-box nonce, the CSPRNG.
* ``_crypto/aesni.c`` (our own C, AES-NI instructions): AES-CBC with PKCS#7
  padding and RFC 3394 key wrap -- when CPUID reports AES-NI
  (:func:`aesni_available`). Without AES-NI these two fall back to the
  pure-Python modules ``_sp800_38a`` and ``_rfc3394`` (not constant time).
* AES-GCM: libsodium's ``crypto_aead_aes256gcm`` when the key is 32 bytes and
  ``crypto_aead_aes256gcm_is_available()`` (AES-NI and PCLMUL,
  :func:`aes256gcm_available`); 16- and 24-byte keys, and hosts without that
  hardware support, use the pure-Python ``_sp800_38d`` (not constant time).
* ``_crypto/b64url.c`` (our own C, plain table lookups): strict base64url
  decoding, and encoding of :data:`B64URL_ENCODE_NATIVE_MIN` bytes or more;
  shorter input is encoded by :mod:`refdidcomm.encoding` (the standard
  library), which is faster there. Not constant time (public data).

:func:`constant_time` reports exactly this per facade function, for
:meth:`refdidcomm.crypto.Backend.constant_time`.

Every function has the name and arguments of the facade method it implements
(:mod:`refdidcomm.crypto` has checked types and lengths already), except that
:func:`box_seal` receives the ephemeral secret key drawn by the facade, so its
output is reproducible. Each wrapper has one shape: check what the facade
cannot (lengths relative to library limits) -> allocate -> call -> check the
return code -> return bytes. Sizes come from the library.

Errors: every failed open, decrypt or unwrap raises the one opaque
:class:`DecryptionError`; an all-zero X25519 result (libsodium returns -1)
raises :class:`LowOrderPointError`, as does ``crypto_box`` towards a
low-order public key; an Ed25519 public key that libsodium will not convert
raises :class:`InvalidKey`.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.machinery
import importlib.metadata
import importlib.util
import os
from typing import Any, Optional, Sequence, Tuple, Union

#: libsodium 1.0.18 is library version 10.3 (its SODIUM_LIBRARY_VERSION_MAJOR
#: and _MINOR, what sodium_library_version_major/minor() return); 1.0.19 and
#: later are 26.x. Older libraries are refused.
MIN_SODIUM_LIBRARY_VERSION = (10, 3)
MIN_SODIUM_RELEASE = "1.0.18"
#: PyNaCl 1.4.0 was the first release to bundle libsodium 1.0.18 (its
#: changelog: "Update libsodium to 1.0.18").
MIN_PYNACL_FOR_SODIUM = (1, 4)


def find_pynacl_sodium(search_path: Optional[Sequence[str]] = None) -> str:
    """The path of PyNaCl's ``nacl/_sodium*.so``, found without importing ``nacl``.

    Args:
        search_path: directories to look for the ``nacl`` package in;
            ``None`` means ``sys.path`` (``importlib.util.find_spec("nacl")``).
    Returns:
        The absolute path of the shared object.
    Raises:
        ImportError: no ``nacl`` package, or no ``_sodium*.so`` in it; the
            message says where it looked.
    """
    where = "sys.path" if search_path is None else ", ".join(search_path)
    try:
        if search_path is None:
            spec = importlib.util.find_spec("nacl")
        else:
            spec = importlib.machinery.PathFinder.find_spec("nacl", list(search_path))
    except (ImportError, ValueError):  # ValueError: a sys.modules entry without __spec__
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the native extension was built against PyNaCl's libsodium (nacl/_sodium*.so), "
            f"but no 'nacl' package was found on {where}; install PyNaCl>=1.4"
        )
    directories = [os.path.abspath(d) for d in spec.submodule_search_locations]
    for directory in directories:
        found = sorted(glob.glob(os.path.join(glob.escape(directory), "_sodium*.so")))
        if found:
            return found[0]
    raise ImportError(f"PyNaCl's libsodium: no _sodium*.so in {', '.join(directories)}")


def preload_pynacl_sodium(search_path: Optional[Sequence[str]] = None) -> Tuple[str, Any]:
    """Load PyNaCl's ``nacl/_sodium*.so`` into the global symbol scope.

    The extension built on the PyNaCl route has no DT_NEEDED entry for that
    library (it may live in any site directory), so its libsodium symbols are
    resolved from the global scope when it is imported; ``RTLD_GLOBAL`` puts
    them there. Loading the file does not initialise PyNaCl's Python module.

    Args:
        search_path: as for :func:`find_pynacl_sodium`.
    Returns:
        ``(path, ctypes handle)``.
    Raises:
        ImportError: not found or cannot be loaded (the message names the file).
    """
    path = find_pynacl_sodium(search_path)
    try:
        handle = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise ImportError(f"cannot load PyNaCl's libsodium {path}: {exc}") from exc
    return path, handle


def check_sodium_version(major: int, minor: int, where: str) -> None:
    """Refuse a libsodium older than 1.0.18 (library version 10.3).

    Args:
        major, minor: ``sodium_library_version_major/minor()``.
        where: which library was asked (for the message).
    Raises:
        ImportError: too old (the facade reports BackendUnavailable).
    """
    if (major, minor) < MIN_SODIUM_LIBRARY_VERSION:
        want = ".".join(map(str, MIN_SODIUM_LIBRARY_VERSION))
        raise ImportError(
            f"{where} is libsodium library version {major}.{minor}; the native backend needs "
            f"libsodium {MIN_SODIUM_RELEASE} or later (library version {want} or later)"
        )


def _check_pynacl_sodium_version(path: str, handle: Any) -> None:
    """The version check for PyNaCl's library.

    Its bundled build does not export sodium_library_version_major/minor, so
    where they are missing the PyNaCl distribution that owns ``path`` must be
    1.4 or later (which bundles libsodium 1.0.18 or later).
    """
    try:
        major_fn, minor_fn = handle.sodium_library_version_major, handle.sodium_library_version_minor
    except AttributeError:
        pass
    else:
        check_sodium_version(major_fn(), minor_fn(), f"PyNaCl's libsodium {path}")
        return
    site_dir = os.path.dirname(os.path.dirname(path))
    versions = [d.version for d in importlib.metadata.distributions(name="PyNaCl", path=[site_dir])]
    if not versions:
        raise ImportError(
            f"cannot tell the libsodium version of {path}: it exports no version function "
            f"and {site_dir} has no PyNaCl distribution metadata"
        )
    parts = tuple(int(p) for p in versions[0].split(".")[:2] if p.isdigit())
    if parts < MIN_PYNACL_FOR_SODIUM:
        raise ImportError(
            f"{path} belongs to PyNaCl {versions[0]}, which bundles a libsodium older than "
            f"{MIN_SODIUM_RELEASE}; the native backend needs PyNaCl>=1.4 or a system libsodium>={MIN_SODIUM_RELEASE}"
        )


def _load_extension() -> Any:
    """Import ``_refdidcomm_native`` the way its build record says, and check its libsodium."""
    try:
        import _refdidcomm_native_build as build_info
    except ImportError:
        build_info = None  # an extension built before the record existed
    origin = getattr(build_info, "SODIUM_ORIGIN", None)
    preload = bool(getattr(build_info, "PRELOAD_PYNACL", False))
    if preload:
        looked_for = "PyNaCl's libsodium (nacl/_sodium*.so on sys.path)"
    elif origin is not None:
        looked_for = f"the system libsodium it was linked with ({getattr(build_info, 'SODIUM_DETAIL', '?')})"
    else:
        looked_for = "the libsodium it was linked with (no _refdidcomm_native_build record found)"
    sodium_path, handle = preload_pynacl_sodium() if preload else ("", None)
    try:
        import _refdidcomm_native
    except ImportError as exc:
        raise ImportError(
            f"the native extension _refdidcomm_native is not installed or does not load ({exc}); "
            f"it needs {looked_for}; install refdidcomm with pip on a host with a C compiler to build it"
        ) from exc
    lib = _refdidcomm_native.lib
    from_pynacl = getattr(lib, "REFDIDCOMM_SODIUM_FROM_PYNACL", None)
    if from_pynacl is None:
        raise ImportError("_refdidcomm_native was built by an older refdidcomm (no route record); reinstall refdidcomm")
    if not hasattr(lib, "refdidcomm_b64url_decode"):
        raise ImportError("_refdidcomm_native was built by an older refdidcomm (no base64url codec); reinstall refdidcomm")
    if bool(from_pynacl) != preload:
        raise ImportError(
            "_refdidcomm_native and _refdidcomm_native_build disagree about where libsodium comes from; "
            "reinstall refdidcomm"
        )
    if preload:
        _check_pynacl_sodium_version(sodium_path, handle)
    else:
        check_sodium_version(
            lib.sodium_library_version_major(), lib.sodium_library_version_minor(), "the linked libsodium"
        )
    return _refdidcomm_native


_refdidcomm_native = _load_extension()

from . import encoding as _encoding
from ._primitives import PRIMITIVES
from .errors import CryptoError, DecryptionError, InvalidKey, LowOrderPointError, MalformedMessage, UsageError

__all__ = [
    "NAME",
    "MIN_SODIUM_LIBRARY_VERSION",
    "find_pynacl_sodium",
    "preload_pynacl_sodium",
    "check_sodium_version",
    "aesni_available",
    "aes256gcm_available",
    "B64URL_ENCODE_NATIVE_MIN",
    "constant_time",
    *PRIMITIVES,
]

NAME = "native"

ffi = _refdidcomm_native.ffi
lib = _refdidcomm_native.lib

# sodium_init() returns 0 (initialized now), 1 (already initialized) or -1.
if lib.sodium_init() < 0:
    raise ImportError("libsodium's sodium_init() failed")

# The sizes the facade's contract fixes, checked against what the linked
# libsodium reports, so that a surprising library cannot be used silently.
_EXPECTED_SIZES = {
    "crypto_scalarmult_curve25519_bytes": 32,
    "crypto_scalarmult_curve25519_scalarbytes": 32,
    "crypto_sign_ed25519_bytes": 64,
    "crypto_sign_ed25519_seedbytes": 32,
    "crypto_sign_ed25519_publickeybytes": 32,
    "crypto_sign_ed25519_secretkeybytes": 64,
    "crypto_aead_chacha20poly1305_ietf_keybytes": 32,
    "crypto_aead_chacha20poly1305_ietf_npubbytes": 12,
    "crypto_aead_chacha20poly1305_ietf_abytes": 16,
    "crypto_aead_xchacha20poly1305_ietf_keybytes": 32,
    "crypto_aead_xchacha20poly1305_ietf_npubbytes": 24,
    "crypto_aead_xchacha20poly1305_ietf_abytes": 16,
    "crypto_aead_aes256gcm_keybytes": 32,
    "crypto_aead_aes256gcm_npubbytes": 12,
    "crypto_aead_aes256gcm_abytes": 16,
    "crypto_box_publickeybytes": 32,
    "crypto_box_secretkeybytes": 32,
    "crypto_box_noncebytes": 24,
    "crypto_box_macbytes": 16,
    "crypto_box_sealbytes": 48,
}
for _name, _want in _EXPECTED_SIZES.items():
    _got = getattr(lib, _name)()
    if _got != _want:
        raise ImportError(f"linked libsodium reports {_name}() = {_got}, expected {_want}")

_X25519_BYTES = lib.crypto_scalarmult_curve25519_bytes()
_SIGN_BYTES = lib.crypto_sign_ed25519_bytes()
_SIGN_PUBLICKEYBYTES = lib.crypto_sign_ed25519_publickeybytes()
_SIGN_SECRETKEYBYTES = lib.crypto_sign_ed25519_secretkeybytes()
_CHACHA_ABYTES = lib.crypto_aead_chacha20poly1305_ietf_abytes()
_CHACHA_MAX = lib.crypto_aead_chacha20poly1305_ietf_messagebytes_max()
_XCHACHA_ABYTES = lib.crypto_aead_xchacha20poly1305_ietf_abytes()
_XCHACHA_MAX = lib.crypto_aead_xchacha20poly1305_ietf_messagebytes_max()
_GCM_KEYBYTES = lib.crypto_aead_aes256gcm_keybytes()
_GCM_ABYTES = lib.crypto_aead_aes256gcm_abytes()
_GCM_MAX = lib.crypto_aead_aes256gcm_messagebytes_max()
_BOX_PUBLICKEYBYTES = lib.crypto_box_publickeybytes()
_BOX_NONCEBYTES = lib.crypto_box_noncebytes()
_BOX_MACBYTES = lib.crypto_box_macbytes()
_BOX_SEALBYTES = lib.crypto_box_sealbytes()
_BOX_MAX = lib.crypto_box_messagebytes_max()
_AES_BLOCK = lib.REFDIDCOMM_AES_BLOCK_BYTES

_AESNI = bool(lib.refdidcomm_aesni_available())
_AES256GCM = bool(lib.crypto_aead_aes256gcm_is_available())


def aesni_available() -> bool:
    """True when the CPU has AES-NI (CPUID leaf 1, ECX bit 25).

    CBC and key wrap then run in ``_crypto/aesni.c``; otherwise in pure Python.
    """
    return _AESNI


def aes256gcm_available() -> bool:
    """True when libsodium's AES-256-GCM runs here (it needs AES-NI and PCLMUL)."""
    return _AES256GCM


_AESNI_FUNCTIONS = frozenset({"aes_cbc_encrypt", "aes_cbc_decrypt", "aes_key_wrap", "aes_key_unwrap"})
_GCM_FUNCTIONS = frozenset({"aes_gcm_encrypt", "aes_gcm_decrypt"})
_B64URL_FUNCTIONS = frozenset({"b64url_encode", "b64url_decode"})


def constant_time(function: str, key_len: Optional[int] = None) -> bool:
    """Whether ``function`` (a facade name, checked there) runs constant-time code here.

    CBC and key wrap: only with AES-NI (``aesni.c``), else pure Python.
    AES-GCM: only libsodium's AES-256-GCM is, so only for ``key_len == 32``
    where :func:`aes256gcm_available`; ``key_len=None`` (every key size) is
    False because 16- and 24-byte keys always use ``_sp800_38d``.
    base64url: False (table lookups indexed by the data; public data only).
    Everything else runs in libsodium: True.
    """
    if function in _B64URL_FUNCTIONS:
        return False
    if function in _AESNI_FUNCTIONS:
        return _AESNI
    if function in _GCM_FUNCTIONS:
        return key_len == _GCM_KEYBYTES and _AES256GCM
    return True


def _unexpected(function: str, rc: int) -> CryptoError:
    """A return code the arguments (checked by the facade) cannot explain."""
    return CryptoError(f"{function} failed unexpectedly (return code {rc})")


def random_bytes(n: int) -> bytes:
    """``n`` bytes from libsodium's CSPRNG (randombytes_buf)."""
    buf = ffi.new("unsigned char[]", n)
    lib.randombytes_buf(buf, n)
    return ffi.buffer(buf, n)[:]


# -- X25519 (RFC 7748) --------------------------------------------------------


def x25519_public_key(sk: bytes) -> bytes:
    """X25519(sk, 9) with crypto_scalarmult_curve25519_base (sk: 32 bytes)."""
    q = ffi.new("unsigned char[]", _X25519_BYTES)
    rc = lib.crypto_scalarmult_curve25519_base(q, sk)
    if rc != 0:
        raise _unexpected("crypto_scalarmult_curve25519_base", rc)
    return ffi.buffer(q)[:]


def x25519(sk: bytes, pk: bytes) -> bytes:
    """X25519(sk, pk) with crypto_scalarmult_curve25519 (both 32 bytes).

    Raises:
        LowOrderPointError: libsodium returned -1: the result is all zero
            (RFC 7748 §6.1) because ``pk`` has low order.
    """
    q = ffi.new("unsigned char[]", _X25519_BYTES)
    if lib.crypto_scalarmult_curve25519(q, sk, pk) != 0:
        raise LowOrderPointError("X25519 result is all zero (low-order point)")
    return ffi.buffer(q)[:]


# -- Ed25519 (RFC 8032) -------------------------------------------------------


def _expanded_secret_key(seed: bytes, pk_out: object) -> object:
    """libsodium's 64-byte secret key seed || A for a 32-byte seed; A into pk_out.

    The caller wipes the returned buffer with sodium_memzero.
    """
    sk = ffi.new("unsigned char[]", _SIGN_SECRETKEYBYTES)
    rc = lib.crypto_sign_ed25519_seed_keypair(pk_out, sk, seed)
    if rc != 0:
        lib.sodium_memzero(sk, _SIGN_SECRETKEYBYTES)
        raise _unexpected("crypto_sign_ed25519_seed_keypair", rc)
    return sk


def ed25519_public_key(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte seed (crypto_sign_ed25519_seed_keypair)."""
    pk = ffi.new("unsigned char[]", _SIGN_PUBLICKEYBYTES)
    sk = _expanded_secret_key(seed, pk)
    lib.sodium_memzero(sk, _SIGN_SECRETKEYBYTES)
    return ffi.buffer(pk)[:]


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    """A 64-byte Ed25519 signature of ``msg`` (crypto_sign_ed25519_detached)."""
    pk = ffi.new("unsigned char[]", _SIGN_PUBLICKEYBYTES)
    sk = _expanded_secret_key(seed, pk)
    sig = ffi.new("unsigned char[]", _SIGN_BYTES)
    rc = lib.crypto_sign_ed25519_detached(sig, ffi.NULL, msg, len(msg), sk)
    lib.sodium_memzero(sk, _SIGN_SECRETKEYBYTES)
    if rc != 0:
        raise _unexpected("crypto_sign_ed25519_detached", rc)
    return ffi.buffer(sig)[:]


def ed25519_verify(pk: bytes, msg: bytes, sig: bytes) -> bool:
    """crypto_sign_ed25519_verify_detached == 0 (pk: 32 bytes, sig: 64 bytes).

    libsodium itself rejects S >= L, small-order R and A, and non-canonical A,
    and checks the cofactorless equation comparing encodings -- the rule set
    the facade documents (and also applies before calling this).
    """
    return lib.crypto_sign_ed25519_verify_detached(sig, msg, len(msg), pk) == 0


def ed25519_pk_to_x25519(pk: bytes) -> bytes:
    """crypto_sign_ed25519_pk_to_curve25519 (pk: 32 bytes).

    Raises:
        InvalidKey: libsodium refuses the key (not a point on the curve, of
            small order, non-canonical, or -- in libsodium -- not in the
            prime-order subgroup).
    """
    x = ffi.new("unsigned char[]", _X25519_BYTES)
    if lib.crypto_sign_ed25519_pk_to_curve25519(x, pk) != 0:
        raise InvalidKey("Ed25519 public key cannot be converted to X25519 (rejected by libsodium)")
    return ffi.buffer(x)[:]


def ed25519_seed_to_x25519(seed: bytes) -> bytes:
    """crypto_sign_ed25519_sk_to_curve25519 of the seed's 64-byte secret key.

    That function hashes only the first 32 bytes of libsodium's secret key
    (seed || pk): SHA-512(seed)[0:32], clamped. The public half is never
    read, so it is left zero here instead of deriving it (one Ed25519 base
    multiplication saved); the result is identical.
    """
    sk = ffi.new("unsigned char[]", _SIGN_SECRETKEYBYTES)
    ffi.memmove(sk, seed, len(seed))
    x = ffi.new("unsigned char[]", _X25519_BYTES)
    rc = lib.crypto_sign_ed25519_sk_to_curve25519(x, sk)
    lib.sodium_memzero(sk, _SIGN_SECRETKEYBYTES)
    if rc != 0:
        raise _unexpected("crypto_sign_ed25519_sk_to_curve25519", rc)
    out = ffi.buffer(x)[:]
    lib.sodium_memzero(x, _X25519_BYTES)
    return out


# -- AEADs with the libsodium calling convention -----------------------------


def _aead_encrypt(
    function: str, abytes: int, max_len: int, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes
) -> bytes:
    if len(plaintext) > max_len:
        raise UsageError(f"plaintext longer than {function} allows ({max_len} bytes)")
    c = ffi.new("unsigned char[]", len(plaintext) + abytes)
    clen = ffi.new("unsigned long long *")
    rc = getattr(lib, function)(c, clen, plaintext, len(plaintext), aad, len(aad), ffi.NULL, nonce, key)
    if rc != 0:
        raise _unexpected(function, rc)
    return ffi.buffer(c, clen[0])[:]


def _aead_decrypt(
    function: str, abytes: int, max_len: int, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes
) -> bytes:
    if len(ciphertext) < abytes or len(ciphertext) - abytes > max_len:
        raise DecryptionError()
    m = ffi.new("unsigned char[]", len(ciphertext) - abytes)
    mlen = ffi.new("unsigned long long *")
    rc = getattr(lib, function)(m, mlen, ffi.NULL, ciphertext, len(ciphertext), aad, len(aad), nonce, key)
    if rc != 0:
        raise DecryptionError()
    return ffi.buffer(m, mlen[0])[:]


def chacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8): crypto_aead_chacha20poly1305_ietf_encrypt."""
    return _aead_encrypt(
        "crypto_aead_chacha20poly1305_ietf_encrypt", _CHACHA_ABYTES, _CHACHA_MAX, key, nonce, plaintext, aad
    )


def chacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AEAD_CHACHA20_POLY1305; DecryptionError on any failure."""
    return _aead_decrypt(
        "crypto_aead_chacha20poly1305_ietf_decrypt", _CHACHA_ABYTES, _CHACHA_MAX, key, nonce, ciphertext, aad
    )


def xchacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_XChaCha20_Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3)."""
    return _aead_encrypt(
        "crypto_aead_xchacha20poly1305_ietf_encrypt", _XCHACHA_ABYTES, _XCHACHA_MAX, key, nonce, plaintext, aad
    )


def xchacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AEAD_XChaCha20_Poly1305; DecryptionError on any failure."""
    return _aead_decrypt(
        "crypto_aead_xchacha20poly1305_ietf_decrypt", _XCHACHA_ABYTES, _XCHACHA_MAX, key, nonce, ciphertext, aad
    )


# -- NaCl crypto_box and sealed boxes ----------------------------------------


def box(msg: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """crypto_box_easy: tag || ciphertext.

    Raises:
        LowOrderPointError: libsodium returned -1 because X25519(my_sk,
            their_pk) is all zero.
    """
    if len(msg) > _BOX_MAX:
        raise UsageError(f"message longer than crypto_box allows ({_BOX_MAX} bytes)")
    c = ffi.new("unsigned char[]", _BOX_MACBYTES + len(msg))
    if lib.crypto_box_easy(c, msg, len(msg), nonce, their_pk, my_sk) != 0:
        raise LowOrderPointError("crypto_box: X25519 result is all zero (low-order public key)")
    return ffi.buffer(c)[:]


def box_open(ct: bytes, nonce: bytes, their_pk: bytes, my_sk: bytes) -> bytes:
    """crypto_box_open_easy; DecryptionError on any failure (including low order)."""
    if len(ct) < _BOX_MACBYTES:
        raise DecryptionError()
    m = ffi.new("unsigned char[]", len(ct) - _BOX_MACBYTES)
    if lib.crypto_box_open_easy(m, ct, len(ct), nonce, their_pk, my_sk) != 0:
        raise DecryptionError()
    return ffi.buffer(m)[:]


def box_seal(msg: bytes, pk: bytes, esk: bytes) -> bytes:
    """Sealed box with a given ephemeral secret key, as libsodium's crypto_box_seal does it.

    epk = X25519(esk, 9); nonce = BLAKE2b-192(epk || pk) (crypto_generichash);
    output epk || crypto_box_easy(msg, nonce, pk, esk).

    Raises:
        LowOrderPointError: ``pk`` has low order.
    """
    if len(msg) > _BOX_MAX - _BOX_SEALBYTES:
        raise UsageError(f"message longer than a sealed box allows ({_BOX_MAX - _BOX_SEALBYTES} bytes)")
    epk = ffi.new("unsigned char[]", _BOX_PUBLICKEYBYTES)
    rc = lib.crypto_scalarmult_curve25519_base(epk, esk)
    if rc != 0:
        raise _unexpected("crypto_scalarmult_curve25519_base", rc)
    nonce = ffi.new("unsigned char[]", _BOX_NONCEBYTES)
    hash_input = ffi.buffer(epk)[:] + pk
    rc = lib.crypto_generichash(nonce, _BOX_NONCEBYTES, hash_input, len(hash_input), ffi.NULL, 0)
    if rc != 0:
        raise _unexpected("crypto_generichash", rc)
    c = ffi.new("unsigned char[]", _BOX_SEALBYTES + len(msg))
    ffi.memmove(c, epk, _BOX_PUBLICKEYBYTES)
    if lib.crypto_box_easy(c + _BOX_PUBLICKEYBYTES, msg, len(msg), nonce, pk, esk) != 0:
        raise LowOrderPointError("sealed box: X25519 result is all zero (low-order public key)")
    return ffi.buffer(c)[:]


def box_seal_open(ct: bytes, pk: bytes, sk: bytes) -> bytes:
    """crypto_box_seal_open; DecryptionError on any failure."""
    if len(ct) < _BOX_SEALBYTES:
        raise DecryptionError()
    m = ffi.new("unsigned char[]", len(ct) - _BOX_SEALBYTES)
    if lib.crypto_box_seal_open(m, ct, len(ct), pk, sk) != 0:
        raise DecryptionError()
    return ffi.buffer(m)[:]


# -- AES: our AES-NI code, libsodium's AES-256-GCM, or the pure modules -----


def _aes_check(function: str, rc: int) -> None:
    """Map an aesni.c return code: FAIL is the opaque decryption failure."""
    if rc == lib.REFDIDCOMM_AES_OK:
        return
    if rc == lib.REFDIDCOMM_AES_FAIL:
        raise DecryptionError()
    raise _unexpected(function, rc)


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-CBC with PKCS#7 padding (SP 800-38A §6.2), AES-NI or pure Python."""
    if not _AESNI:
        from . import _sp800_38a

        return _sp800_38a.cbc_encrypt(key, iv, plaintext)
    n = len(plaintext) - len(plaintext) % _AES_BLOCK + _AES_BLOCK
    ct = ffi.new("uint8_t[]", n)
    _aes_check(
        "refdidcomm_aes_cbc_encrypt",
        lib.refdidcomm_aes_cbc_encrypt(key, len(key), iv, plaintext, len(plaintext), ct),
    )
    return ffi.buffer(ct)[:]


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Invert :func:`aes_cbc_encrypt`; DecryptionError for a bad length or padding."""
    if not _AESNI:
        from . import _sp800_38a

        return _sp800_38a.cbc_decrypt(key, iv, ciphertext)
    pt = ffi.new("uint8_t[]", len(ciphertext))
    pt_len = ffi.new("size_t *")
    _aes_check(
        "refdidcomm_aes_cbc_decrypt",
        lib.refdidcomm_aes_cbc_decrypt(key, len(key), iv, ciphertext, len(ciphertext), pt, pt_len),
    )
    return ffi.buffer(pt, pt_len[0])[:]


def aes_key_wrap(kek: bytes, key: bytes) -> bytes:
    """RFC 3394 §2.2.1 key wrap, AES-NI or pure Python (key: multiple of 8, >= 16)."""
    if not _AESNI:
        from . import _rfc3394

        return _rfc3394.wrap(kek, key)
    out = ffi.new("uint8_t[]", len(key) + 8)
    _aes_check("refdidcomm_aes_key_wrap", lib.refdidcomm_aes_key_wrap(kek, len(kek), key, len(key), out))
    return ffi.buffer(out)[:]


def aes_key_unwrap(kek: bytes, wrapped: bytes) -> bytes:
    """RFC 3394 §2.2.2 unwrap; DecryptionError for a bad length or integrity check."""
    if not _AESNI:
        from . import _rfc3394

        return _rfc3394.unwrap(kek, wrapped)
    # RFC 3394 §2: n >= 2 blocks of key data plus the 8-byte A.
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise DecryptionError()
    out = ffi.new("uint8_t[]", len(wrapped) - 8)
    _aes_check(
        "refdidcomm_aes_key_unwrap", lib.refdidcomm_aes_key_unwrap(kek, len(kek), wrapped, len(wrapped), out)
    )
    return ffi.buffer(out)[:]


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM: libsodium for 32-byte keys where available, else pure ``_sp800_38d``."""
    if len(key) != _GCM_KEYBYTES or not _AES256GCM:
        from . import _sp800_38d

        return _sp800_38d.gcm_encrypt(key, nonce, plaintext, aad)
    return _aead_encrypt("crypto_aead_aes256gcm_encrypt", _GCM_ABYTES, _GCM_MAX, key, nonce, plaintext, aad)


def aes_gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Open AES-GCM (same dispatch as :func:`aes_gcm_encrypt`); DecryptionError on failure."""
    if len(key) != _GCM_KEYBYTES or not _AES256GCM:
        from . import _sp800_38d

        return _sp800_38d.gcm_decrypt(key, nonce, ciphertext, aad)
    return _aead_decrypt("crypto_aead_aes256gcm_decrypt", _GCM_ABYTES, _GCM_MAX, key, nonce, ciphertext, aad)


# -- base64url (RFC 4648 §5 without padding, RFC 7515 §2): _crypto/b64url.c ---

#: Encoding of fewer bytes than this goes to :mod:`refdidcomm.encoding` (the
#: standard library's ``binascii``) instead of the C codec: for short input
#: the cffi call (it releases and retakes the GIL), the output allocation and
#: the copy out cost more than the whole standard-library encode. Measured
#: on an AMD EPYC with CPython 3.11 (best of 40 x 2000 calls): 43 bytes
#: 0.24 µs stdlib vs 0.59 µs C; 256 bytes 0.58 vs 0.68; 384 bytes 0.77 vs
#: 0.73; 1 KiB 1.57 vs 1.06; 1 MiB 1.19 ms vs 0.27 ms. Decoding has no
#: threshold: the strict stdlib decode makes several passes (translate,
#: checks, padding, binascii) and was slower than the C path at every length
#: measured, 0 characters included (0.65 vs 0.53 µs; 58 characters 1.00 vs
#: 0.57 µs). Both paths give the same result and the same error for every
#: input (tests/test_b64url_backends.py), so this only affects speed.
B64URL_ENCODE_NATIVE_MIN = 384

# b64url.c's error codes -> refdidcomm.encoding.b64url_decode's reasons.
_B64URL_REASONS = {
    lib.REFDIDCOMM_B64URL_PADDING: "padding not allowed",
    lib.REFDIDCOMM_B64URL_INVALID_CHAR: "invalid character",
    lib.REFDIDCOMM_B64URL_BAD_LENGTH: "impossible length",
    lib.REFDIDCOMM_B64URL_NONCANONICAL: "non-canonical trailing bits",
}
_B64URL_OK = lib.REFDIDCOMM_B64URL_OK

# The C functions write every byte of their output buffer, so it need not be
# zeroed first (ffi.new would memset up to 1.4 MB per call for nothing).
# Both outputs are allocated as char arrays (cffi passes them to the C
# function's ``uint8_t *`` as well): ffi.unpack turns a char array into bytes
# with one copy, cheaper per call than ffi.buffer(out)[:] for the decoder.
_new_unzeroed = ffi.new_allocator(should_clear_after_alloc=False)
_CHARS = ffi.typeof("char[]")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2): ``b64url.c``, or encoding's for short input.

    ``data`` is bytes (checked by the facade).
    """
    n = len(data)
    if n < B64URL_ENCODE_NATIVE_MIN:
        return _encoding.b64url_encode(data)
    # RFC 4648 §4: 4 characters per 3-byte group, 2 or 3 for a final 1 or 2
    # bytes (refdidcomm_b64url_encoded_length; no overflow for a Python bytes).
    size = n // 3 * 4 + (n % 3 + 1 if n % 3 else 0)
    out = _new_unzeroed(_CHARS, size)
    rc = lib.refdidcomm_b64url_encode(data, n, out, size)
    if rc != _B64URL_OK:
        raise _unexpected("refdidcomm_b64url_encode", rc)
    # str() decodes straight from the buffer: one copy and one new object
    # (ffi.unpack(...).decode() makes two, which costs page faults at 1 MiB).
    return str(ffi.buffer(out, size), "ascii")


def b64url_decode(text: Union[str, bytes]) -> bytes:
    """Strict base64url decoding (RFC 7515 §2, RFC 4648 §3.5) in ``b64url.c``.

    ``text`` is an ASCII-only str or bytes (checked by the facade). The C
    decoder applies the rules of :func:`refdidcomm.encoding.b64url_decode`
    in the same order, and its error code becomes the same
    MalformedMessage reason.
    """
    raw = text.encode("ascii") if isinstance(text, str) else text
    n = len(raw)  # the length of the very buffer C reads
    # 3 bytes per 4 characters, 1 or 2 for a final 2 or 3 (0 for a final
    # single character, which the decoder rejects): refdidcomm_b64url_decoded_length.
    size = n // 4 * 3 + (n % 4 - 1 if n % 4 > 1 else 0)
    out = _new_unzeroed(_CHARS, size)
    rc = lib.refdidcomm_b64url_decode(raw, n, out, size)
    if rc != _B64URL_OK:
        reason = _B64URL_REASONS.get(rc)
        if reason is None:
            raise _unexpected("refdidcomm_b64url_decode", rc)
        raise MalformedMessage(reason)
    return ffi.unpack(out, size)
