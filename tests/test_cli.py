"""The main job: ``python -m refdidcomm`` prints version and backend and passes its self-check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from refdidcomm import __version__, _selfcheck, crypto
from refdidcomm.errors import UsageError

from conftest import ROOT


def _run(*args: str, env_extra: dict = {}) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "refdidcomm", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_main_job_reports_version_backend_and_passes() -> None:
    proc = _run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"refdidcomm {__version__}" in proc.stdout
    assert f"crypto backend: {crypto.BACKEND}" in proc.stdout
    assert "self-check: all passed" in proc.stdout


def test_main_job_on_forced_pure_backend() -> None:
    proc = _run("selfcheck", env_extra={"REFDIDCOMM_BACKEND": "pure"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "crypto backend: pure" in proc.stdout


def test_selfcheck_each_check_passes_on_each_backend(backend: crypto.Backend) -> None:
    results = _selfcheck.run(backend)
    assert len(results) == 10
    assert [r.name for r in results if not r.ok] == []


class _Broken:
    """A backend whose ChaCha20 output is off by one bit: the self-check must notice."""

    def __init__(self, inner: crypto.Backend) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def chacha20poly1305_encrypt(self, key: bytes, nonce: bytes, pt: bytes, aad: bytes = b"") -> bytes:
        out = bytearray(self._inner.chacha20poly1305_encrypt(key, nonce, pt, aad))
        out[0] ^= 1
        return bytes(out)


def test_selfcheck_detects_a_wrong_answer() -> None:
    results = {r.name: r for r in _selfcheck.run(_Broken(crypto.backend("pure")))}  # type: ignore[arg-type]
    assert not results["chacha20poly1305"].ok
    assert results["x25519"].ok


def test_unknown_backend_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        crypto.backend("openssl")


def test_bad_backend_env_value_fails_clearly() -> None:
    proc = _run("selfcheck", env_extra={"REFDIDCOMM_BACKEND": "fast"})
    assert proc.returncode != 0
    assert "REFDIDCOMM_BACKEND" in proc.stderr


def test_coprotocol_demo_prints_the_walkthrough() -> None:
    proc = _run("coprotocol", "demo", "--shape", "v2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("bind", "attach", "input", "output", "detach"):
        assert f"coprotocol/0.5/{name}" in proc.stdout
    assert "@type" not in proc.stdout


def test_coprotocol_demo_rejects_unknown_shape() -> None:
    proc = _run("coprotocol", "demo", "--shape", "v3")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_did_and_v1_subcommands_are_wired() -> None:
    proc = _run("did", "resolve", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"' in proc.stdout
    proc = _run("v1", "--help")
    assert proc.returncode == 0
    for verb in ("pack", "unpack", "forward"):
        assert verb in proc.stdout


def test_bad_did_is_a_clear_error_not_a_traceback() -> None:
    proc = _run("did", "resolve", "did:key:zNOTBASE58!")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr


def test_oob_subcommand_is_wired() -> None:
    url = "https://example.com/path?oob=" + "eyJAdHlwZSI6Imh0dHBzOi8vZGlkY29tbS5vcmcvb3V0LW9mLWJhbmQvMS4xL2ludml0YXRpb24iLCJAaWQiOiI2OTIxMmEzYS1kMDY4LTRmOWQtYTJkZC00NzQxYmNhODlhZjMiLCJoYW5kc2hha2VfcHJvdG9jb2xzIjpbImh0dHBzOi8vZGlkY29tbS5vcmcvZGlkZXhjaGFuZ2UvMS4wIl0sInNlcnZpY2VzIjpbImRpZDpzb3Y6THpjdzNwVldHSkVxclpjYlhSWnVEVSJdfQ"
    proc = _run("oob", "decode", url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "69212a3a-d068-4f9d-a2dd-4741bca89af3" in proc.stdout
    proc = _run("oob", "decode", "https://example.com/?oob=not-an-invitation")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_every_area_has_its_subcommands() -> None:
    proc = _run("--help")
    assert proc.returncode == 0
    for name in ("selfcheck", "coprotocol", "did", "oob", "pack", "unpack", "forward", "v1", "vectors", "demo"):
        assert name in proc.stdout
    proc = _run("unpack", "--secrets", "/nonexistent.jwks", "{}")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
