"""Packaging for refdidcomm: the pure-Python package plus the optional native core.

The native core is the top-level cffi extension ``_refdidcomm_native``, built
from ``_crypto/`` (see ``_crypto/build_native.py`` for how libsodium is found).
It never fails the installation: when cffi is missing, libsodium cannot be
located, there is no C compiler, or compiling or linking fails, a warning is
printed and the package installs without it; ``refdidcomm.crypto.BACKEND``
is then ``"pure"`` (``python -m refdidcomm`` says which backend is active).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from typing import List

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError, ExecError, LinkError, PlatformError

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_SCRIPT = os.path.join("_crypto", "build_native.py")
NATIVE_WARNING = "refdidcomm: WARNING: the native crypto core was not built ({}); installing the pure-Python backend only."


def read_version() -> str:
    """``__version__`` from refdidcomm/__init__.py, read with a regex (no import)."""
    with open(os.path.join(HERE, "refdidcomm", "__init__.py"), encoding="utf-8") as fh:
        found = re.search(r'^__version__\s*=\s*"([^"]+)"', fh.read(), re.MULTILINE)
    if not found:
        raise RuntimeError("no __version__ = \"...\" line in refdidcomm/__init__.py")
    return found.group(1)


def read_readme() -> str:
    path = os.path.join(HERE, "README.md")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _load_build_script():
    """Import _crypto/build_native.py as a module (it never raises for a missing libsodium)."""
    spec = importlib.util.spec_from_file_location("_refdidcomm_build_native", os.path.join(HERE, BUILD_SCRIPT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The loaded _crypto/build_native.py, once native_modules() has decided to build.
_build_native = None


def native_modules() -> List[str]:
    """The ``cffi_modules`` to build: the native core, or none (with a warning)."""
    global _build_native
    try:
        import cffi  # noqa: F401 - only to learn whether it is there
    except ImportError:
        print(NATIVE_WARNING.format("cffi is not installed"), file=sys.stderr)
        return []
    build_native = _load_build_script()
    _build_native = build_native
    if build_native.SODIUM is None:
        print(NATIVE_WARNING.format(build_native.SODIUM_REASON), file=sys.stderr)
        return []
    print(f"refdidcomm: libsodium from {build_native.SODIUM.origin}: {build_native.SODIUM.detail}", file=sys.stderr)
    return [f"{BUILD_SCRIPT}:ffibuilder"]


class OptionalBuildExt(build_ext):
    """build_ext that turns a failed native build into a warning.

    After a successful build it writes ``_refdidcomm_native_build.py`` (where
    libsodium comes from: ``_crypto/build_native.py``'s ``build_info_source``)
    next to the extension -- into the build directory, and into the checkout
    for in-place and editable builds -- so that the loader knows, before
    importing the extension, whether to preload PyNaCl's libsodium.
    """

    _FAILURES = (CCompilerError, CompileError, ExecError, LinkError, PlatformError, OSError)

    def run(self) -> None:
        # setuptools builds into build_lib with inplace switched off and then
        # copies to the source tree, so remember the caller's intent here.
        self._into_checkout = bool(self.inplace or getattr(self, "editable_mode", False))
        self._native_failed = False
        try:
            super().run()
        except self._FAILURES as exc:
            self._warn(exc)
        if not self._native_failed and _build_native is not None and _build_native.SODIUM is not None:
            targets = {self.build_lib}
            if self._into_checkout:
                targets.add(HERE)
            for directory in sorted(targets):
                os.makedirs(directory, exist_ok=True)
                _build_native.write_build_info(_build_native.SODIUM, directory)

    def _warn(self, exc: BaseException) -> None:
        self._native_failed = True
        print(NATIVE_WARNING.format(f"{type(exc).__name__}: {exc}"), file=sys.stderr)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except self._FAILURES as exc:
            self._warn(exc)

    def copy_extensions_to_source(self) -> None:
        # In-place and editable builds copy the built extension into the
        # checkout; there is nothing to copy when the build was skipped.
        if not getattr(self, "_native_failed", False):
            super().copy_extensions_to_source()


_cffi_modules = native_modules()
_native_kwargs = {"cffi_modules": _cffi_modules} if _cffi_modules else {}
# The built extension imports cffi's _cffi_backend at run time, so cffi is a
# run requirement whenever the extension is built. PyNaCl stays one either
# way: its libsodium is what the extension uses on the PyNaCl route.
_requires = ["PyNaCl>=1.4"] + (["cffi>=1.15"] if _cffi_modules else [])

setup(
    name="refdidcomm",
    version=read_version(),
    description="A minimal, standard-library-only reference implementation of DIDComm, "
    "with an optional libsodium/AES-NI native crypto core",
    long_description=read_readme(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["refdidcomm", "refdidcomm.*"]),
    package_data={"refdidcomm": ["py.typed"]},
    python_requires=">=3.9",
    install_requires=_requires,
    extras_require={"test": ["pytest", "hypothesis"]},
    cmdclass={"build_ext": OptionalBuildExt},
    zip_safe=False,
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: C",
        "Topic :: Security :: Cryptography",
    ],
    **_native_kwargs,
)
