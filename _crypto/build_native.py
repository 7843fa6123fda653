"""cffi (API mode) build script for ``_refdidcomm_native``, the native crypto core.

The extension is a top-level module (not inside ``refdidcomm/``) so that it is
found in site-packages even when ``refdidcomm`` itself is imported from a
source checkout. It contains:

* thin declarations of the libsodium functions refdidcomm uses (X25519,
  Ed25519 and its conversions to X25519, ChaCha20-/XChaCha20-Poly1305 IETF,
  crypto_box, sealed boxes, BLAKE2b, AES-256-GCM, randombytes);
* ``aesni.c``, our own AES-NI code (key expansion, blocks, CBC, RFC 3394);
* ``b64url.c``, our own base64url codec (RFC 4648 §5 without padding, with
  the strict decoder of ``refdidcomm.encoding``), for large JOSE members.

Where libsodium comes from (decided by :func:`locate_sodium`):

1. ``SODIUM_INSTALL=system``, or unset and ``pkg-config --exists libsodium``:
   the system library. Link flags come from pkg-config when it knows
   libsodium; otherwise from ``ctypes.util.find_library("sodium")``: a
   versioned runtime name such as ``libsodium.so.23`` (no ``-dev`` symlink) is
   linked as ``-l:libsodium.so.23``, a bare ``libsodium.so`` as ``-lsodium``.
2. Otherwise (``SODIUM_INSTALL`` unset or ``pynacl``): the libsodium compiled
   into the PyNaCl wheel. Its ``nacl/_sodium*.so`` exports the libsodium
   symbols but has no SONAME and lives wherever PyNaCl was installed (the
   same site-packages, another one of a ``--system-site-packages`` venv, a
   ``--user`` or ``--target`` directory). So the extension records no
   DT_NEEDED entry and no run path for it at all: the libsodium symbols stay
   undefined in ``_refdidcomm_native`` (allowed in ELF shared objects), and
   ``refdidcomm._native_backend`` first locates ``nacl/_sodium*.so`` with
   ``importlib.util.find_spec("nacl")`` (nacl itself is not imported) and
   loads it with ``RTLD_GLOBAL``, so that the extension's symbols resolve
   when it is imported. ELF platforms only: on macOS and Windows the native
   core needs a system libsodium.
3. Unset and no PyNaCl: a system runtime library found by ``find_library``.

Every route links with ``-Wl,-z,now``: all symbols are bound when the
extension is loaded, so a missing libsodium symbol is an ImportError at
import time, never a crash at the first call.

The route taken is recorded twice: in the generated top-level module
``_refdidcomm_native_build`` (:func:`build_info_source`; ``setup.py`` writes
it next to the extension), which the loader reads *before* importing the
extension to know whether to preload PyNaCl's library, and in the extension
itself as ``REFDIDCOMM_SODIUM_FROM_PYNACL``, which the loader cross-checks.

No libsodium header is needed: the prototypes are declared below (they are
the documented libsodium API, 1.0.12 and later; the native backend refuses
libsodium older than 1.0.18). When nothing is found,
``SODIUM`` is ``None``, ``SODIUM_REASON`` says why, ``ffibuilder`` is ``None``
and ``setup.py`` installs the pure-Python package only.

Run directly (``python _crypto/build_native.py``) to build the extension
and ``_refdidcomm_native_build.py`` into the current directory.
"""


import ctypes.util
import glob
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "MODULE_NAME",
    "BUILD_INFO_MODULE",
    "Sodium",
    "locate_sodium",
    "make_ffibuilder",
    "build_info_source",
    "write_build_info",
    "SODIUM",
    "SODIUM_REASON",
    "ffibuilder",
]

MODULE_NAME = "_refdidcomm_native"
BUILD_INFO_MODULE = "_refdidcomm_native_build"
HERE = os.path.dirname(os.path.abspath(__file__))

# Compiler flags for the generated module, aesni.c and b64url.c. No -maes:
# the AES-NI functions carry their own target attribute and are dispatched
# by CPUID.
EXTRA_COMPILE_ARGS = ["-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"]
# Bind every symbol at load time (ELF): an unresolved libsodium symbol makes
# the import fail loudly instead of the first call that needs it.
EXTRA_LINK_ARGS = ["-Wl,-z,now"] if sys.platform not in ("darwin", "win32", "cygwin") else []

# The libsodium functions we call, declared by us with their documented
# signatures (libsodium 1.0.12 and later), so that no sodium.h is needed.
# They go both into the cdef (what Python sees) and into the C source (what
# the compiler sees); no header is available to check them against, so the
# tests exercise every one of them.
SODIUM_API = """
int sodium_init(void);
void sodium_memzero(void *pnt, size_t len);
void randombytes_buf(void *buf, size_t size);

size_t crypto_scalarmult_curve25519_bytes(void);
size_t crypto_scalarmult_curve25519_scalarbytes(void);
int crypto_scalarmult_curve25519(unsigned char *q, const unsigned char *n, const unsigned char *p);
int crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n);

size_t crypto_sign_ed25519_bytes(void);
size_t crypto_sign_ed25519_seedbytes(void);
size_t crypto_sign_ed25519_publickeybytes(void);
size_t crypto_sign_ed25519_secretkeybytes(void);
int crypto_sign_ed25519_seed_keypair(unsigned char *pk, unsigned char *sk, const unsigned char *seed);
int crypto_sign_ed25519_detached(unsigned char *sig, unsigned long long *siglen_p,
                                 const unsigned char *m, unsigned long long mlen,
                                 const unsigned char *sk);
int crypto_sign_ed25519_verify_detached(const unsigned char *sig, const unsigned char *m,
                                        unsigned long long mlen, const unsigned char *pk);
int crypto_sign_ed25519_pk_to_curve25519(unsigned char *curve25519_pk, const unsigned char *ed25519_pk);
int crypto_sign_ed25519_sk_to_curve25519(unsigned char *curve25519_sk, const unsigned char *ed25519_sk);

size_t crypto_aead_chacha20poly1305_ietf_keybytes(void);
size_t crypto_aead_chacha20poly1305_ietf_npubbytes(void);
size_t crypto_aead_chacha20poly1305_ietf_abytes(void);
size_t crypto_aead_chacha20poly1305_ietf_messagebytes_max(void);
int crypto_aead_chacha20poly1305_ietf_encrypt(unsigned char *c, unsigned long long *clen_p,
    const unsigned char *m, unsigned long long mlen, const unsigned char *ad, unsigned long long adlen,
    const unsigned char *nsec, const unsigned char *npub, const unsigned char *k);
int crypto_aead_chacha20poly1305_ietf_decrypt(unsigned char *m, unsigned long long *mlen_p,
    unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    const unsigned char *ad, unsigned long long adlen, const unsigned char *npub, const unsigned char *k);

size_t crypto_aead_xchacha20poly1305_ietf_keybytes(void);
size_t crypto_aead_xchacha20poly1305_ietf_npubbytes(void);
size_t crypto_aead_xchacha20poly1305_ietf_abytes(void);
size_t crypto_aead_xchacha20poly1305_ietf_messagebytes_max(void);
int crypto_aead_xchacha20poly1305_ietf_encrypt(unsigned char *c, unsigned long long *clen_p,
    const unsigned char *m, unsigned long long mlen, const unsigned char *ad, unsigned long long adlen,
    const unsigned char *nsec, const unsigned char *npub, const unsigned char *k);
int crypto_aead_xchacha20poly1305_ietf_decrypt(unsigned char *m, unsigned long long *mlen_p,
    unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    const unsigned char *ad, unsigned long long adlen, const unsigned char *npub, const unsigned char *k);

int crypto_aead_aes256gcm_is_available(void);
size_t crypto_aead_aes256gcm_keybytes(void);
size_t crypto_aead_aes256gcm_npubbytes(void);
size_t crypto_aead_aes256gcm_abytes(void);
size_t crypto_aead_aes256gcm_messagebytes_max(void);
int crypto_aead_aes256gcm_encrypt(unsigned char *c, unsigned long long *clen_p,
    const unsigned char *m, unsigned long long mlen, const unsigned char *ad, unsigned long long adlen,
    const unsigned char *nsec, const unsigned char *npub, const unsigned char *k);
int crypto_aead_aes256gcm_decrypt(unsigned char *m, unsigned long long *mlen_p,
    unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    const unsigned char *ad, unsigned long long adlen, const unsigned char *npub, const unsigned char *k);

size_t crypto_box_publickeybytes(void);
size_t crypto_box_secretkeybytes(void);
size_t crypto_box_noncebytes(void);
size_t crypto_box_macbytes(void);
size_t crypto_box_sealbytes(void);
size_t crypto_box_messagebytes_max(void);
int crypto_box_easy(unsigned char *c, const unsigned char *m, unsigned long long mlen,
                    const unsigned char *n, const unsigned char *pk, const unsigned char *sk);
int crypto_box_open_easy(unsigned char *m, const unsigned char *c, unsigned long long clen,
                         const unsigned char *n, const unsigned char *pk, const unsigned char *sk);
int crypto_box_seal_open(unsigned char *m, const unsigned char *c, unsigned long long clen,
                         const unsigned char *pk, const unsigned char *sk);

size_t crypto_generichash_bytes_max(void);
int crypto_generichash(unsigned char *out, size_t outlen, const unsigned char *in,
                       unsigned long long inlen, const unsigned char *key, size_t keylen);
"""

# Our AES-NI functions (aesni.h declares them for the compiler).
AES_API = """
#define REFDIDCOMM_AES_BLOCK_BYTES ...
#define REFDIDCOMM_AES_OK ...
#define REFDIDCOMM_AES_FAIL ...
#define REFDIDCOMM_AES_MISUSE ...
int refdidcomm_aesni_available(void);
int refdidcomm_aes_encrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in, uint8_t *out);
int refdidcomm_aes_decrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in, uint8_t *out);
int refdidcomm_aes_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *pt, size_t pt_len, uint8_t *ct);
int refdidcomm_aes_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *ct, size_t ct_len, uint8_t *pt, size_t *pt_len);
int refdidcomm_aes_key_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key,
                            size_t key_len, uint8_t *out);
int refdidcomm_aes_key_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in,
                              size_t in_len, uint8_t *out);
"""

# Our base64url codec (b64url.h declares it for the compiler).
B64URL_API = """
#define REFDIDCOMM_B64URL_OK ...
#define REFDIDCOMM_B64URL_PADDING ...
#define REFDIDCOMM_B64URL_INVALID_CHAR ...
#define REFDIDCOMM_B64URL_BAD_LENGTH ...
#define REFDIDCOMM_B64URL_NONCANONICAL ...
#define REFDIDCOMM_B64URL_MISUSE ...
size_t refdidcomm_b64url_encoded_length(size_t n);
size_t refdidcomm_b64url_decoded_length(size_t n);
int refdidcomm_b64url_encode(const uint8_t *in, size_t in_len, char *out, size_t out_cap);
int refdidcomm_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);
"""

# libsodium's version functions. PyNaCl's bundled build does not export them
# (it exports only what PyNaCl binds), so they are declared only on the
# system routes; on the PyNaCl route the loader checks the version itself.
SODIUM_VERSION_API = """
const char *sodium_version_string(void);
int sodium_library_version_major(void);
int sodium_library_version_minor(void);
"""

# Which route the extension was built for (1: PyNaCl's _sodium, 0: system).
ROUTE_API = """
#define REFDIDCOMM_SODIUM_FROM_PYNACL ...
"""


def _cdef_and_source(sodium: "Sodium") -> Tuple[str, str]:
    """The cdef and the C source for ``sodium``'s route."""
    from_pynacl = sodium.origin == "pynacl"
    sodium_api = SODIUM_API if from_pynacl else SODIUM_API + SODIUM_VERSION_API
    source = (
        "#include <stddef.h>\n#include <stdint.h>\n#include \"aesni.h\"\n#include \"b64url.h\"\n\n"
        f"#define REFDIDCOMM_SODIUM_FROM_PYNACL {int(from_pynacl)}\n\n"
        "/* libsodium API, declared by refdidcomm (no sodium.h needed) */\n" + sodium_api
    )
    return sodium_api + AES_API + B64URL_API + ROUTE_API, source


@dataclass(frozen=True)
class Sodium:
    """Where libsodium was found and how to link it.

    Attributes:
        origin: ``"pkg-config"``, ``"system"`` or ``"pynacl"``.
        detail: human-readable location (library path or name).
        link_args: extra linker arguments (none for ``pynacl``).
        libraries, library_dirs: for the Extension.
        pynacl_dir: the ``nacl`` package directory found at build time
            (origin ``pynacl``); not recorded in the extension.
    """

    origin: str
    detail: str
    link_args: List[str] = field(default_factory=list)
    libraries: List[str] = field(default_factory=list)
    library_dirs: List[str] = field(default_factory=list)
    pynacl_dir: Optional[str] = None


def _pkg_config() -> Optional[Sodium]:
    exe = shutil.which("pkg-config")
    if exe is None:
        return None
    try:
        if subprocess.run([exe, "--exists", "libsodium"], check=False).returncode != 0:
            return None
        libs = subprocess.run([exe, "--libs", "libsodium"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return Sodium("pkg-config", f"pkg-config libsodium: {libs.strip()}", link_args=shlex.split(libs))


def _system_runtime() -> Optional[Sodium]:
    name = ctypes.util.find_library("sodium")
    if not name:
        return None
    if name in ("libsodium.so", "libsodium.dylib"):
        return Sodium("system", name, libraries=["sodium"])
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        # Only the runtime library (e.g. libsodium.so.23) is installed: name
        # the file itself; the recorded dependency is its SONAME as usual.
        return Sodium("system", name, link_args=[f"-l:{name}"])
    return Sodium("system", name, libraries=["sodium"])


def _pynacl() -> Tuple[Optional[Sodium], str]:
    if sys.platform in ("darwin", "win32", "cygwin"):
        return None, f"linking against PyNaCl's libsodium is not supported on {sys.platform}"
    try:
        spec = importlib.util.find_spec("nacl")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None, "PyNaCl is not installed"
    nacl_dir = os.path.abspath(list(spec.submodule_search_locations)[0])
    candidates = sorted(glob.glob(os.path.join(glob.escape(nacl_dir), "_sodium*.so")))  # a "[" in the path is not a pattern
    if not candidates:
        return None, f"no _sodium*.so in {nacl_dir}"
    # Nothing to link: the symbols stay undefined and are resolved at import
    # time from the library the loader preloads with RTLD_GLOBAL.
    return Sodium("pynacl", candidates[0], pynacl_dir=nacl_dir), ""


def locate_sodium() -> Tuple[Optional[Sodium], str]:
    """Find libsodium as described in the module docstring. Never raises.

    Returns:
        ``(Sodium, "")`` when found, ``(None, reason)`` otherwise.
    """
    mode = os.environ.get("SODIUM_INSTALL", "").strip().lower()
    if mode not in ("", "system", "pynacl"):
        return None, f"SODIUM_INSTALL={mode!r}: expected 'system' or 'pynacl'"
    if mode == "system":
        found = _pkg_config() or _system_runtime()
        return (found, "") if found else (None, "SODIUM_INSTALL=system but no system libsodium was found")
    if mode == "":
        found = _pkg_config()
        if found:
            return found, ""
    from_pynacl, why = _pynacl()
    if from_pynacl or mode == "pynacl":
        return from_pynacl, why
    found = _system_runtime()
    if found:
        return found, ""
    return None, f"libsodium not found (no pkg-config entry; {why}; no system runtime library)"


def make_ffibuilder(sodium: Sodium) -> Any:
    """The cffi FFI builder for ``_refdidcomm_native`` linked as ``sodium`` says.

    Args:
        sodium: the result of :func:`locate_sodium`.
    """
    import cffi

    cdef, source = _cdef_and_source(sodium)
    builder = cffi.FFI()
    builder.cdef(cdef)
    kwargs: Dict[str, Any] = {
        # Absolute paths: cffi's standalone compile() changes directory.
        "sources": [os.path.join(HERE, "aesni.c"), os.path.join(HERE, "b64url.c")],
        "include_dirs": [HERE],
        "depends": [os.path.join(HERE, "aesni.h"), os.path.join(HERE, "b64url.h")],
        "extra_compile_args": list(EXTRA_COMPILE_ARGS),
        "extra_link_args": list(sodium.link_args) + list(EXTRA_LINK_ARGS),
        "libraries": list(sodium.libraries),
        "library_dirs": list(sodium.library_dirs),
    }
    builder.set_source(MODULE_NAME, source, **kwargs)
    return builder


def build_info_source(sodium: Sodium) -> str:
    """The text of ``_refdidcomm_native_build.py`` for an extension built as ``sodium`` says."""
    return (
        f'"""Generated when {MODULE_NAME} was built: where its libsodium comes from.\n\n'
        "Read by refdidcomm._native_backend before it imports the extension. Do not edit.\n"
        '"""\n\n'
        f"SODIUM_ORIGIN = {sodium.origin!r}  # 'pkg-config', 'system' or 'pynacl'\n"
        "# Where it was found at build time (informational: a PyNaCl build\n"
        "# environment may be gone; the loader searches sys.path afresh).\n"
        f"SODIUM_DETAIL = {sodium.detail!r}\n"
        f"PRELOAD_PYNACL = {sodium.origin == 'pynacl'!r}\n"
    )


def write_build_info(sodium: Sodium, directory: str) -> str:
    """Write ``_refdidcomm_native_build.py`` into ``directory``; return its path."""
    path = os.path.join(directory, BUILD_INFO_MODULE + ".py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(build_info_source(sodium))
    return path


SODIUM, SODIUM_REASON = locate_sodium()
ffibuilder = make_ffibuilder(SODIUM) if SODIUM is not None else None


if __name__ == "__main__":
    if ffibuilder is None:
        sys.exit(f"cannot build {MODULE_NAME}: {SODIUM_REASON}")
    print(f"libsodium: {SODIUM.origin}: {SODIUM.detail}")
    ffibuilder.compile(verbose=True)
    print("wrote", write_build_info(SODIUM, os.getcwd()))
