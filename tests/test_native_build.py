"""The native core: that it is built and loads, that refdidcomm works without
it, that the packaging never fails because of it, and that it computes
exactly what the pure backend computes.

* Loading: ``_refdidcomm_native`` imports and reports AES-NI as the CPU does.
  Skipped (with the reason) where the extension is not built, unless
  ``REFDIDCOMM_REQUIRE_NATIVE=1``, which turns that into a failure.
* Linking and loading: on the PyNaCl route the extension records no
  DT_NEEDED entry for ``_sodium`` (readelf), binds symbols at load (BIND_NOW),
  and loads with PyNaCl in a directory unrelated to its own (a child
  interpreter without site-packages); without PyNaCl the import fails
  loudly, naming what it looked for. libsodium older than 1.0.18 is refused.
* Fallback: child interpreters in which ``_refdidcomm_native``, ``cffi`` and
  ``_cffi_backend`` cannot be imported still import ``refdidcomm.crypto``
  and run on the pure backend; ``REFDIDCOMM_BACKEND=native`` there is a clear
  :class:`BackendUnavailable`.
* Packaging: ``setup.py`` reads the version without importing the package,
  and a failing compiler, a bad ``SODIUM_INSTALL`` or a missing cffi leave a
  warning and a successful (pure) build.
* Differential: for random inputs (hypothesis), every facade function gives
  the same bytes, the same verdict or the same exception class on both
  backends, including tampered, truncated and low-order inputs.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import textwrap
from typing import Any, Callable, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_vectors
import refdidcomm
from refdidcomm import crypto
from refdidcomm.errors import BackendUnavailable, CryptoError, RefDIDCommError

ROOT = pathlib.Path(__file__).resolve().parent.parent
REQUIRE_NATIVE = os.environ.get("REFDIDCOMM_REQUIRE_NATIVE") == "1"


def _native_or_skip() -> crypto.Backend:
    try:
        return crypto.backend("native")
    except BackendUnavailable as exc:
        if REQUIRE_NATIVE:
            pytest.fail(f"native backend required but unavailable: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")


@pytest.fixture(scope="module")
def native() -> crypto.Backend:
    return _native_or_skip()


@pytest.fixture(scope="module")
def pure() -> crypto.Backend:
    return crypto.backend("pure")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _cpu_has_aes() -> Any:
    """The 'aes' flag from /proc/cpuinfo, or None where that file does not say."""
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags = re.search(r"^flags\s*:(.*)$", text, re.MULTILINE)
    return None if flags is None else "aes" in flags.group(1).split()


def test_native_backend_loads_and_reports_aesni(native: crypto.Backend) -> None:
    from refdidcomm import _native_backend

    assert native.name == "native"
    assert _native_backend.NAME == "native"
    aesni = _native_backend.aesni_available()
    gcm = _native_backend.aes256gcm_available()
    assert isinstance(aesni, bool) and isinstance(gcm, bool)
    if platform.machine().lower() in ("x86_64", "amd64", "i386", "i686"):
        expected = _cpu_has_aes()
        if expected is not None:
            assert aesni is expected, "CPUID and /proc/cpuinfo disagree about AES-NI"
    else:
        assert aesni is False
    # libsodium's AES-256-GCM needs AES-NI (and PCLMUL).
    assert not (gcm and not aesni)


def test_extension_is_a_top_level_module(native: crypto.Backend) -> None:
    import _refdidcomm_native

    assert _refdidcomm_native.__name__ == "_refdidcomm_native"
    assert "." not in _refdidcomm_native.__name__
    assert _refdidcomm_native.lib.sodium_init() in (0, 1)  # 1: already initialized


def _readelf_dynamic(path: str) -> str:
    exe = shutil.which("readelf")
    if exe is None:
        pytest.skip("readelf is not installed")
    return subprocess.run([exe, "-d", path], check=True, capture_output=True, text=True).stdout


def _build_record() -> Any:
    """The generated _refdidcomm_native_build module of the loaded extension."""
    import _refdidcomm_native_build

    return _refdidcomm_native_build


def test_extension_binds_symbols_at_load_and_records_no_pynacl_dependency(native: crypto.Backend) -> None:
    """PyNaCl route: no DT_NEEDED on _sodium and no nacl run path; any route: BIND_NOW."""
    import _refdidcomm_native

    if not sys.platform.startswith("linux"):
        pytest.skip("ELF dynamic sections are checked on Linux only")
    dynamic = _readelf_dynamic(_refdidcomm_native.__file__)
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", dynamic)
    # -Wl,-z,now: an unresolved libsodium symbol fails the import, not a later call.
    assert re.search(r"\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*\bNOW\b", dynamic), dynamic
    record = _build_record()
    assert bool(_refdidcomm_native.lib.REFDIDCOMM_SODIUM_FROM_PYNACL) == record.PRELOAD_PYNACL
    if record.SODIUM_ORIGIN != "pynacl":
        assert any("sodium" in name for name in needed), needed
        pytest.skip(f"linked against a system libsodium ({needed}); the PyNaCl checks do not apply")
    assert not any(name.startswith("_sodium") for name in needed), needed
    for runpath in re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic):
        assert not any(part.rstrip("/").endswith("nacl") for part in runpath.split(":")), runpath


def _pynacl_sodium_file() -> pathlib.Path:
    from refdidcomm import _native_backend

    return pathlib.Path(_native_backend.find_pynacl_sodium())


def _fake_site_with_nacl(root: pathlib.Path) -> pathlib.Path:
    """A site directory holding only nacl/__init__.py and a copy of PyNaCl's _sodium*.so."""
    source = _pynacl_sodium_file()
    (root / "nacl").mkdir(parents=True)
    (root / "nacl" / "__init__.py").write_text("raise ImportError('nacl must not be imported')\n")
    shutil.copy2(source, root / "nacl" / source.name)
    # PyNaCl's bundled library exports no version function: the loader reads
    # the version of the PyNaCl distribution that owns it.
    import importlib.metadata

    version = importlib.metadata.version("PyNaCl")
    info = root / f"PyNaCl-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: PyNaCl\nVersion: {version}\n")
    return root / "nacl" / source.name


def test_loader_preloads_pynacl_sodium_from_any_site_dir(native: crypto.Backend, tmp_path: pathlib.Path) -> None:
    """The loader finds nacl/_sodium*.so in a directory unrelated to $ORIGIN and loads it globally."""
    from refdidcomm import _native_backend

    if not _build_record().PRELOAD_PYNACL:
        pytest.skip("the extension links a system libsodium; nothing to preload")
    copy = _fake_site_with_nacl(tmp_path / "elsewhere")
    assert _native_backend.find_pynacl_sodium([str(tmp_path / "elsewhere")]) == str(copy)
    path, handle = _native_backend.preload_pynacl_sodium([str(tmp_path / "elsewhere")])
    assert path == str(copy)
    assert handle.sodium_init() in (0, 1)
    maps = pathlib.Path("/proc/self/maps")
    if maps.is_file():
        assert str(copy) in maps.read_text()
    with pytest.raises(ImportError, match="no 'nacl' package was found on " + re.escape(str(tmp_path))):
        _native_backend.find_pynacl_sodium([str(tmp_path)])
    (tmp_path / "empty" / "nacl").mkdir(parents=True)
    (tmp_path / "empty" / "nacl" / "__init__.py").write_text("")
    with pytest.raises(ImportError, match="no _sodium\\*\\.so in"):
        _native_backend.find_pynacl_sodium([str(tmp_path / "empty")])


def _isolated_extension(tmp_path: pathlib.Path) -> pathlib.Path:
    """Copy the extension, its build record and cffi's backend into one directory (no nacl)."""
    import importlib.util

    if not _build_record().PRELOAD_PYNACL:
        pytest.skip("the extension links a system libsodium; the PyNaCl route is not built here")
    ext = tmp_path / "ext"
    ext.mkdir()
    for name in ("_refdidcomm_native", "_refdidcomm_native_build", "_cffi_backend"):
        origin = importlib.util.find_spec(name).origin
        shutil.copy2(origin, ext / os.path.basename(origin))
    return ext


def _isolated_child(code: str, path: list, backend_env: str = "") -> subprocess.CompletedProcess:
    """A child with -S (no site-packages): sys.path is ``path`` plus the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("REFDIDCOMM_BACKEND", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(p) for p in path] + [str(ROOT)])
    if backend_env:
        env["REFDIDCOMM_BACKEND"] = backend_env
    return subprocess.run(
        [sys.executable, "-S", "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, cwd=str(ROOT / "tests"), timeout=120,
    )


def test_native_loads_with_pynacl_in_another_site_dir(native: crypto.Backend, tmp_path: pathlib.Path) -> None:
    """As in a --system-site-packages venv: the extension and PyNaCl in different directories."""
    ext = _isolated_extension(tmp_path)
    copy = _fake_site_with_nacl(tmp_path / "other-site")
    proc = _isolated_child(
        """
        import sys
        import refdidcomm.crypto as c
        print("BACKEND", c.BACKEND)
        if c.BACKEND != "native":
            c.backend("native")  # raises, with the reason, into stderr
        print("nacl imported", "nacl" in sys.modules)
        print("maps", %r in open("/proc/self/maps").read())
        sk = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        print("x25519", c.x25519_public_key(sk).hex())
        """ % str(copy),
        [ext, tmp_path / "other-site"],
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "BACKEND native" in lines
    assert "nacl imported False" in lines
    assert "maps True" in lines
    assert "x25519 8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" in lines


def test_native_without_pynacl_fails_loudly_at_import(native: crypto.Backend, tmp_path: pathlib.Path) -> None:
    """No nacl anywhere: the bare extension does not import (-z now), and the error says what was looked for."""
    ext = _isolated_extension(tmp_path)
    bare = _isolated_child("import _refdidcomm_native\n", [ext])
    assert bare.returncode != 0
    assert "undefined symbol" in bare.stderr
    proc = _isolated_child("import refdidcomm.crypto\n", [ext], backend_env="native")
    assert proc.returncode != 0
    assert "BackendUnavailable" in proc.stderr
    assert "PyNaCl's libsodium (nacl/_sodium*.so)" in proc.stderr
    assert "no 'nacl' package was found on sys.path" in proc.stderr
    fallback = _isolated_child("import refdidcomm.crypto as c\nprint(c.BACKEND)\n", [ext])
    assert fallback.returncode == 0, fallback.stderr
    assert fallback.stdout.strip() == "pure"


@pytest.mark.parametrize("major, minor, ok", [(9, 6, False), (10, 2, False), (10, 3, True), (26, 1, True)])
def test_libsodium_older_than_1_0_18_is_refused(native: crypto.Backend, major: int, minor: int, ok: bool) -> None:
    from refdidcomm import _native_backend

    if ok:
        _native_backend.check_sodium_version(major, minor, "test library")
    else:
        with pytest.raises(ImportError, match=r"test library is libsodium library version .*needs libsodium 1\.0\.18 or later"):
            _native_backend.check_sodium_version(major, minor, "test library")


class _NoVersionHandle:
    """Like PyNaCl's bundled library: no sodium_library_version_* exported."""


class _VersionHandle:
    def __init__(self, major: int, minor: int) -> None:
        self.sodium_library_version_major = lambda: major
        self.sodium_library_version_minor = lambda: minor


@pytest.mark.parametrize("version, ok", [("1.3.0", False), ("1.4.0", True), ("1.6.2", True)])
def test_pynacl_sodium_version_from_distribution(native: crypto.Backend, tmp_path: pathlib.Path, version: str, ok: bool) -> None:
    from refdidcomm import _native_backend

    lib = tmp_path / "nacl" / "_sodium.abi3.so"
    lib.parent.mkdir()
    info = tmp_path / f"PyNaCl-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: PyNaCl\nVersion: {version}\n")
    if ok:
        _native_backend._check_pynacl_sodium_version(str(lib), _NoVersionHandle())
    else:
        with pytest.raises(ImportError, match="PyNaCl 1.3.0, which bundles a libsodium older than 1.0.18"):
            _native_backend._check_pynacl_sodium_version(str(lib), _NoVersionHandle())
    # Where the library does export its version, that decides.
    with pytest.raises(ImportError, match="library version 10.2"):
        _native_backend._check_pynacl_sodium_version(str(lib), _VersionHandle(10, 2))
    (info / "METADATA").unlink()
    info.rmdir()
    with pytest.raises(ImportError, match="cannot tell the libsodium version"):
        _native_backend._check_pynacl_sodium_version(str(lib), _NoVersionHandle())


# -- the C AES core, directly (the facade has no single-block function) -----

FIPS = load_vectors("fips197_aes")
BLOCK_CASES = [pytest.param(c, id=f"tc{c['tcId']}") for c in FIPS["cases"] if c.get("operation") == "block"]


def _aesni_lib() -> Any:
    _native_or_skip()
    from refdidcomm import _native_backend

    if not _native_backend.aesni_available():
        pytest.skip("the CPU has no AES-NI: the native backend uses the pure AES code")
    return _native_backend.ffi, _native_backend.lib


@pytest.mark.parametrize("case", BLOCK_CASES)
def test_aesni_block_known_answers(case: dict) -> None:
    ffi, lib = _aesni_lib()
    key, pt, ct = (bytes.fromhex(case[k]) for k in ("key", "plaintext", "ciphertext"))
    out = ffi.new("uint8_t[16]")
    assert lib.refdidcomm_aes_encrypt_block(key, len(key), pt, out) == lib.REFDIDCOMM_AES_OK
    assert ffi.buffer(out)[:] == ct
    assert lib.refdidcomm_aes_decrypt_block(key, len(key), ct, out) == lib.REFDIDCOMM_AES_OK
    assert ffi.buffer(out)[:] == pt


@pytest.mark.parametrize("key_len", [0, 8, 15, 17, 20, 31, 33, 64])
def test_aesni_rejects_other_key_lengths(key_len: int) -> None:
    ffi, lib = _aesni_lib()
    out = ffi.new("uint8_t[16]")
    key = bytes(range(key_len))
    assert lib.refdidcomm_aes_encrypt_block(key, key_len, bytes(16), out) == lib.REFDIDCOMM_AES_MISUSE
    ct = ffi.new("uint8_t[]", 32)
    assert lib.refdidcomm_aes_cbc_encrypt(key, key_len, bytes(16), b"x", 1, ct) == lib.REFDIDCOMM_AES_MISUSE
    wrapped = ffi.new("uint8_t[]", 24)
    assert lib.refdidcomm_aes_key_wrap(key, key_len, bytes(16), 16, wrapped) == lib.REFDIDCOMM_AES_MISUSE


# Stack buffers in aesni.c that only ever hold ciphertext or the IV (public).
_PUBLIC_C_BUFFERS = {"cbc_decrypt_worker": {"c"}}


def test_aesni_workers_wipe_every_secret_stack_buffer() -> None:
    """A source check (no C-level way to read a returned function's stack):
    every local array and key schedule of each AES-NI worker is wiped."""
    source = (ROOT / "_crypto" / "aesni.c").read_text(encoding="utf-8")
    workers = re.findall(r"AESNI_(?:FN|INLINE) (?:static )?\w+ (\w+)\([^)]*\)\s*\{(.*?)\n\}", source, re.S)
    names = [name for name, _ in workers]
    for expected in ("expand_key", "block_worker", "cbc_encrypt_worker", "cbc_decrypt_worker", "wrap_worker", "unwrap_worker"):
        assert expected in names
    for name, body in workers:
        declared = set()
        for decl in re.findall(r"^\s+(?:aes_key|uint8_t|uint32_t|__m128i)\s+([^;=]+?)\s*(?:=[^;]*)?;", body, re.M):
            for var in decl.split(","):
                var = var.strip()
                if var.startswith("*"):
                    continue
                if "[" in var:
                    declared.add(var.split("[")[0])
        declared |= set(re.findall(r"^\s+aes_key (\w+);", body, re.M))
        for var in declared - _PUBLIC_C_BUFFERS.get(name, set()):
            assert re.search(r"wipe\(&?%s, sizeof %s\)" % (var, var), body), f"{name}: {var} is not wiped"


def test_aesni_misuse_code_becomes_crypto_error() -> None:
    _aesni_lib()
    from refdidcomm import _native_backend

    # Bypassing the facade: a 20-byte key reaches the C code, which refuses it.
    with pytest.raises(CryptoError, match="refdidcomm_aes_cbc_encrypt failed unexpectedly"):
        _native_backend.aes_cbc_encrypt(bytes(20), bytes(16), b"")


def test_native_refuses_over_long_aead_input_instead_of_aborting(monkeypatch: pytest.MonkeyPatch) -> None:
    """libsodium aborts the process beyond *_messagebytes_max(); we raise first."""
    _native_or_skip()
    from refdidcomm import _native_backend
    from refdidcomm.errors import DecryptionError, UsageError

    monkeypatch.setattr(_native_backend, "_CHACHA_MAX", 3)
    with pytest.raises(UsageError):
        _native_backend.chacha20poly1305_encrypt(bytes(32), bytes(12), b"four", b"")
    with pytest.raises(DecryptionError):
        _native_backend.chacha20poly1305_decrypt(bytes(32), bytes(12), bytes(20), b"")


# ---------------------------------------------------------------------------
# Without the extension and without cffi
# ---------------------------------------------------------------------------

_HIDE = textwrap.dedent(
    """
    import sys

    HIDDEN = {"_refdidcomm_native", "cffi", "_cffi_backend"}

    class HideNative:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)
            return None

    sys.meta_path.insert(0, HideNative())
    """
)


def _child(code: str, hide: bool, backend_env: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REFDIDCOMM_BACKEND", "PYTHONPATH")}
    env["PYTHONPATH"] = str(ROOT)  # import refdidcomm from this checkout
    if backend_env:
        env["REFDIDCOMM_BACKEND"] = backend_env
    program = (_HIDE if hide else "") + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=str(ROOT / "tests"), timeout=120
    )


def test_import_without_extension_and_cffi_runs_pure() -> None:
    proc = _child(
        """
        import refdidcomm, refdidcomm.crypto as c
        from refdidcomm.errors import BackendUnavailable
        for name in ("_refdidcomm_native", "cffi", "_cffi_backend"):
            assert name not in sys.modules, name
        try:
            c.backend("native")
        except BackendUnavailable as exc:
            print("native:", exc)
        else:
            raise SystemExit("native backend loaded although hidden")
        print("available:", c.available_backends())
        # RFC 7748 §6.1: Alice's public key, computed by the pure backend.
        sk = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        print("x25519:", c.x25519_public_key(sk).hex())
        print("BACKEND:", c.BACKEND)
        """,
        hide=True,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "BACKEND: pure"
    assert "available: ['pure']" in lines
    assert "x25519: 8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" in lines
    assert any(line.startswith("native:") and "_refdidcomm_native" in line for line in lines)


def test_backend_native_without_extension_is_a_clear_error() -> None:
    proc = _child("import refdidcomm.crypto\n", hide=True, backend_env="native")
    assert proc.returncode != 0
    assert "refdidcomm.errors.BackendUnavailable" in proc.stderr
    assert "native crypto backend cannot be loaded" in proc.stderr
    assert "_refdidcomm_native" in proc.stderr


def test_backend_pure_is_honoured() -> None:
    proc = _child("import refdidcomm.crypto as c\nprint(c.BACKEND)\n", hide=False, backend_env="pure")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "pure"


def test_default_backend_is_native_when_built(native: crypto.Backend) -> None:
    proc = _child("import refdidcomm.crypto as c\nprint(c.BACKEND)\n", hide=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "native"


# ---------------------------------------------------------------------------
# Packaging
# ---------------------------------------------------------------------------


def _setup_py(args: list, env_extra: dict, prelude: str = "", cwd: pathlib.Path = ROOT) -> subprocess.CompletedProcess:
    """Run setup.py in a child interpreter (needs setuptools >= 61, as pyproject.toml says)."""
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 61:
        pytest.skip(f"setuptools {setuptools.__version__} is older than the 61 that pyproject.toml requires")
    env = dict(os.environ)
    env.update(env_extra)
    program = prelude + textwrap.dedent(
        f"""
        import runpy, sys
        sys.argv = ["setup.py"] + {args!r}
        runpy.run_path("setup.py", run_name="__main__")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=str(cwd), timeout=300
    )


def test_setup_reads_version_without_importing() -> None:
    proc = _setup_py(["--version"], {})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == refdidcomm.__version__


def test_setup_without_cffi_warns_and_succeeds() -> None:
    proc = _setup_py(["--version"], {}, prelude=_HIDE)
    assert proc.returncode == 0, proc.stderr
    assert "native crypto core was not built (cffi is not installed)" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == refdidcomm.__version__


def test_bad_sodium_install_warns_and_succeeds() -> None:
    proc = _setup_py(["--version"], {"SODIUM_INSTALL": "bogus"})
    assert proc.returncode == 0, proc.stderr
    assert "SODIUM_INSTALL='bogus'" in proc.stderr


def test_cffi_is_a_run_requirement_when_the_extension_is_built(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("cffi")
    proc = _setup_py(["-q", "egg_info", "--egg-base", str(tmp_path)], {})
    assert proc.returncode == 0, proc.stderr
    if "native crypto core was not built" in proc.stderr:
        pytest.skip("no libsodium found here, so the extension is not built")
    requires = (tmp_path / "refdidcomm.egg-info" / "requires.txt").read_text().splitlines()
    assert "cffi>=1.15" in requires
    assert "PyNaCl>=1.4" in requires


def test_failing_compiler_leaves_a_warning_not_an_error(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("cffi")
    build_temp, build_lib = tmp_path / "temp", tmp_path / "lib"
    proc = _setup_py(
        ["build_ext", "--build-temp", str(build_temp), "--build-lib", str(build_lib)],
        {"CC": "false", "LDSHARED": "false -shared"},
    )
    assert proc.returncode == 0, proc.stderr
    if "native crypto core was not built (libsodium" in proc.stderr:
        pytest.skip("no libsodium found here, so nothing was compiled")
    assert "WARNING: the native crypto core was not built" in proc.stderr
    assert not list(build_lib.glob("_refdidcomm_native*"))


# ---------------------------------------------------------------------------
# Differential tests: native == pure
# ---------------------------------------------------------------------------

DIFF = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
B32 = st.binary(min_size=32, max_size=32)
MSG = st.one_of(st.sampled_from([0, 1, 15, 16, 17, 63, 64, 65]).map(lambda n: bytes(range(n))), st.binary(max_size=100))
AAD = st.binary(max_size=40)
AES_KEY = st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))

P = 2**255 - 19
# X25519 inputs whose result is all zero: u = 0, 1, p-1, p, p+1, the two
# points of order 8 (RFC 7748 §7 / libsodium's list) and their encodings with
# the top bit set (the bit is masked, RFC 7748 §5).
_LOW_ORDER_U = [
    (0).to_bytes(32, "little"),
    (1).to_bytes(32, "little"),
    (P - 1).to_bytes(32, "little"),
    P.to_bytes(32, "little"),
    (P + 1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
]
LOW_ORDER_U = _LOW_ORDER_U + [u[:31] + bytes([u[31] | 0x80]) for u in _LOW_ORDER_U]

Outcome = Tuple[str, Any]


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
    """("ok", value) or ("error", exception class name) -- to compare backends."""
    try:
        return ("ok", fn(*args, **kwargs))
    except RefDIDCommError as exc:
        return ("error", type(exc).__name__)


def same(native: crypto.Backend, pure: crypto.Backend, name: str, *args: Any, **kwargs: Any) -> Outcome:
    got = outcome(getattr(native, name), *args, **kwargs)
    want = outcome(getattr(pure, name), *args, **kwargs)
    assert got == want, f"{name}: native {got!r} != pure {want!r}"
    return got


def flip(data: bytes, bit: int) -> bytes:
    """``data`` with one bit flipped (position taken modulo its length)."""
    if not data:
        return b"\x00"
    i = bit % (8 * len(data))
    out = bytearray(data)
    out[i // 8] ^= 1 << (i % 8)
    return bytes(out)


def test_low_order_points_agree(native: crypto.Backend, pure: crypto.Backend) -> None:
    for u in LOW_ORDER_U:
        assert same(native, pure, "x25519", bytes(range(32)), u) == ("error", "LowOrderPointError"), u.hex()
        assert same(native, pure, "box", b"m", bytes(24), u, bytes(range(32))) == ("error", "LowOrderPointError")
        assert same(native, pure, "box_open", bytes(17), bytes(24), u, bytes(range(32))) == ("error", "DecryptionError")
        assert same(native, pure, "box_seal", b"m", u, rng=lambda n: bytes(range(n))) == ("error", "LowOrderPointError")


@DIFF
@given(sk=B32, pk=B32)
def test_x25519_same(native: crypto.Backend, pure: crypto.Backend, sk: bytes, pk: bytes) -> None:
    same(native, pure, "x25519_public_key", sk)
    same(native, pure, "x25519", sk, pk)
    kind, public = same(native, pure, "x25519_public_key", pk)
    # Diffie-Hellman agreement across backends.
    assert native.x25519(sk, public) == pure.x25519(pk, native.x25519_public_key(sk))


@DIFF
@given(seed=B32, msg=MSG, bit=st.integers(min_value=0))
def test_ed25519_same(native: crypto.Backend, pure: crypto.Backend, seed: bytes, msg: bytes, bit: int) -> None:
    _, pk = same(native, pure, "ed25519_public_key", seed)
    _, sig = same(native, pure, "ed25519_sign", seed, msg)
    assert same(native, pure, "ed25519_verify", pk, msg, sig) == ("ok", True)
    assert same(native, pure, "ed25519_verify", pk, msg, flip(sig, bit)) == ("ok", False)
    assert same(native, pure, "ed25519_verify", flip(pk, bit), msg, sig) == ("ok", False)
    assert same(native, pure, "ed25519_verify", pk, flip(msg, bit), sig) == ("ok", False)
    # S + L: same R, non-canonical S (RFC 8032 §5.1.7 requires S < L).
    s_plus_l = (int.from_bytes(sig[32:], "little") + crypto._L).to_bytes(32, "little")
    assert same(native, pure, "ed25519_verify", pk, msg, sig[:32] + s_plus_l) == ("ok", False)


@DIFF
@given(seed=B32, msg=MSG)
def test_ed25519_mixed_order_public_key_same(native: crypto.Backend, pure: crypto.Backend, seed: bytes, msg: bytes) -> None:
    """A' = A + T (T of order 8) passes the canonical and small-order checks.

    Signing with a for A' passes the cofactorless equation only when
    [k mod L]T = O; both backends must agree each time (about 1 in 8 verify).
    """
    from refdidcomm import _rfc8032

    # A point of order 8: y = crypto._Y8 with x even (the facade's constant).
    t8 = _rfc8032.point_decompress(crypto._Y8.to_bytes(32, "little"))
    assert t8 is not None
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little") & ((1 << 254) - 8) | (1 << 254)
    A_prime = _rfc8032.point_add(_rfc8032.point_mul(a, _rfc8032.B), t8)
    pk = _rfc8032.point_compress(A_prime)
    r = _rfc8032.sha512_modq(h[32:] + msg)
    R = _rfc8032.point_compress(_rfc8032.point_mul(r, _rfc8032.B))
    k = _rfc8032.sha512_modq(R + pk + msg)
    sig = R + ((r + k * a) % _rfc8032.L).to_bytes(32, "little")
    same(native, pure, "ed25519_verify", pk, msg, sig)


@DIFF
@given(seed=B32)
def test_ed25519_to_x25519_same(native: crypto.Backend, pure: crypto.Backend, seed: bytes) -> None:
    _, x_sk = same(native, pure, "ed25519_seed_to_x25519", seed)
    _, ed_pk = same(native, pure, "ed25519_public_key", seed)
    _, x_pk = same(native, pure, "ed25519_pk_to_x25519", ed_pk)
    # The two conversions are consistent: X25519(sk_x, 9) == map(A).
    assert native.x25519_public_key(x_sk) == x_pk


@DIFF
@given(pk=B32)
def test_ed25519_pk_to_x25519_arbitrary_input_same(native: crypto.Backend, pure: crypto.Backend, pk: bytes) -> None:
    same(native, pure, "ed25519_pk_to_x25519", pk)


@pytest.mark.parametrize("name, nonce_len", [("chacha20poly1305", 12), ("xchacha20poly1305", 24), ("aes_gcm", 12)])
@DIFF
@given(data=st.data())
def test_aead_same(native: crypto.Backend, pure: crypto.Backend, name: str, nonce_len: int, data: st.DataObject) -> None:
    key = data.draw(AES_KEY if name == "aes_gcm" else B32, label="key")
    nonce = data.draw(st.binary(min_size=nonce_len, max_size=nonce_len), label="nonce")
    pt, aad = data.draw(MSG, label="plaintext"), data.draw(AAD, label="aad")
    bit = data.draw(st.integers(min_value=0), label="bit")
    _, ct = same(native, pure, f"{name}_encrypt", key, nonce, pt, aad)
    assert len(ct) == len(pt) + 16
    assert same(native, pure, f"{name}_decrypt", key, nonce, ct, aad) == ("ok", pt)
    failed = ("error", "DecryptionError")
    assert same(native, pure, f"{name}_decrypt", key, nonce, flip(ct, bit), aad) == failed
    assert same(native, pure, f"{name}_decrypt", key, nonce, ct, flip(aad, bit)) == failed
    assert same(native, pure, f"{name}_decrypt", key, flip(nonce, bit), ct, aad) == failed
    assert same(native, pure, f"{name}_decrypt", key, nonce, ct[: bit % len(ct)], aad) == failed


@DIFF
@given(sk_a=B32, sk_b=B32, nonce=st.binary(min_size=24, max_size=24), msg=MSG, bit=st.integers(min_value=0))
def test_box_same(
    native: crypto.Backend, pure: crypto.Backend, sk_a: bytes, sk_b: bytes, nonce: bytes, msg: bytes, bit: int
) -> None:
    pk_a, pk_b = native.x25519_public_key(sk_a), native.x25519_public_key(sk_b)
    _, ct = same(native, pure, "box", msg, nonce, pk_b, sk_a)
    assert same(native, pure, "box_open", ct, nonce, pk_a, sk_b) == ("ok", msg)
    failed = ("error", "DecryptionError")
    assert same(native, pure, "box_open", flip(ct, bit), nonce, pk_a, sk_b) == failed
    assert same(native, pure, "box_open", ct, flip(nonce, bit), pk_a, sk_b) == failed
    assert same(native, pure, "box_open", ct[: bit % len(ct)], nonce, pk_a, sk_b) == failed


@DIFF
@given(sk=B32, esk=B32, msg=MSG, bit=st.integers(min_value=0))
def test_box_seal_same(native: crypto.Backend, pure: crypto.Backend, sk: bytes, esk: bytes, msg: bytes, bit: int) -> None:
    pk = native.x25519_public_key(sk)
    _, ct = same(native, pure, "box_seal", msg, pk, rng=lambda n: esk)
    assert ct[:32] == native.x25519_public_key(esk)
    assert same(native, pure, "box_seal_open", ct, pk, sk) == ("ok", msg)
    failed = ("error", "DecryptionError")
    assert same(native, pure, "box_seal_open", flip(ct, bit), pk, sk) == failed
    assert same(native, pure, "box_seal_open", ct[: bit % len(ct)], pk, sk) == failed
    # A flipped bit of sk may be one that X25519 clamping ignores: compare only.
    same(native, pure, "box_seal_open", ct, pk, flip(sk, bit))


@DIFF
@given(key=AES_KEY, iv=st.binary(min_size=16, max_size=16), pt=MSG, junk=st.binary(max_size=80))
def test_cbc_same(native: crypto.Backend, pure: crypto.Backend, key: bytes, iv: bytes, pt: bytes, junk: bytes) -> None:
    _, ct = same(native, pure, "aes_cbc_encrypt", key, iv, pt)
    assert len(ct) == len(pt) - len(pt) % 16 + 16
    assert same(native, pure, "aes_cbc_decrypt", key, iv, ct) == ("ok", pt)
    # Arbitrary ciphertexts: any length, mostly bad padding.
    same(native, pure, "aes_cbc_decrypt", key, iv, junk)


@DIFF
@given(
    key=AES_KEY,
    iv=st.binary(min_size=16, max_size=16),
    prefix=st.binary(max_size=32).map(lambda b: b[: len(b) - len(b) % 16]),
    body=st.binary(min_size=16, max_size=16),
    pad_value=st.integers(min_value=0, max_value=20),
    pad_count=st.integers(min_value=0, max_value=16),
)
def test_cbc_padding_check_same(
    native: crypto.Backend, pure: crypto.Backend, key: bytes, iv: bytes, prefix: bytes, body: bytes, pad_value: int, pad_count: int
) -> None:
    """Last blocks that look like padding, nearly right or wrong (RFC 5652 §6.3)."""
    from refdidcomm import _sp800_38a

    last = body[: 16 - pad_count] + bytes([pad_value]) * pad_count
    ct = _sp800_38a.cbc_encrypt_raw(key, iv, prefix + last)
    got = same(native, pure, "aes_cbc_decrypt", key, iv, ct)
    valid = 1 <= last[-1] <= 16 and last[-last[-1]:] == bytes([last[-1]]) * last[-1]
    assert got == (("ok", (prefix + last)[: -last[-1]]) if valid else ("error", "DecryptionError"))


@DIFF
@given(
    kek=AES_KEY,
    key=st.integers(min_value=2, max_value=8).flatmap(lambda n: st.binary(min_size=8 * n, max_size=8 * n)),
    bit=st.integers(min_value=0),
    junk=st.binary(max_size=72),
)
def test_key_wrap_same(native: crypto.Backend, pure: crypto.Backend, kek: bytes, key: bytes, bit: int, junk: bytes) -> None:
    _, wrapped = same(native, pure, "aes_key_wrap", kek, key)
    assert len(wrapped) == len(key) + 8
    assert same(native, pure, "aes_key_unwrap", kek, wrapped) == ("ok", key)
    failed = ("error", "DecryptionError")
    assert same(native, pure, "aes_key_unwrap", kek, flip(wrapped, bit)) == failed
    assert same(native, pure, "aes_key_unwrap", flip(kek, bit), wrapped) == failed
    assert same(native, pure, "aes_key_unwrap", kek, wrapped[: bit % len(wrapped)]) == failed
    same(native, pure, "aes_key_unwrap", kek, junk)


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 63, 64, 65])
def test_random_bytes_lengths(native: crypto.Backend, n: int) -> None:
    out = native.random_bytes(n)
    assert isinstance(out, bytes) and len(out) == n
    if n >= 16:
        assert out != native.random_bytes(n)
