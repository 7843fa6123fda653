"""The facade's own checks, on both backends: the random_bytes cap, the rng
argument, the X25519 all-zero comparison, and its derived constants.

Every test here asserts something the facade does itself, before or after
calling a backend.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, List

import pytest

from refdidcomm import crypto
from refdidcomm.errors import BackendUnavailable, LowOrderPointError, UsageError


# -- random_bytes: n is capped at 2**31 - 1 ----------------------------------


@pytest.mark.parametrize("n", [2**31, 2**62, 2**64, 10**30])
def test_random_bytes_over_the_cap_is_a_usage_error(backend: crypto.Backend, n: int) -> None:
    # Without the cap: OverflowError (2**64) or MemoryError (2**62) escape.
    with pytest.raises(UsageError, match="at most 2147483647"):
        backend.random_bytes(n)


@pytest.mark.parametrize("n", [-1, 1.0, "16", None, True])
def test_random_bytes_rejects_non_counts(backend: crypto.Backend, n: Any) -> None:
    with pytest.raises(UsageError):
        backend.random_bytes(n)


def test_random_bytes_cap_value_and_small_draws(backend: crypto.Backend) -> None:
    assert crypto.RANDOM_BYTES_MAX == 2**31 - 1
    for n in (0, 1, 15, 16, 17, 63, 64, 65):
        assert len(backend.random_bytes(n)) == n


# -- rng: None or a callable returning exactly n bytes -----------------------


@pytest.mark.parametrize("rng", [5, b"\x00" * 32, "rng", [bytes(32)]])
def test_box_seal_rng_must_be_callable(backend: crypto.Backend, rng: Any) -> None:
    pk = backend.x25519_public_key(bytes(range(32)))
    # Without the check: TypeError ("'int' object is not callable").
    with pytest.raises(UsageError, match="rng must be a callable"):
        backend.box_seal(b"m", pk, rng=rng)


@pytest.mark.parametrize("out", [bytes(31), bytes(33), b"", "x" * 32, None])
def test_box_seal_rng_must_return_n_bytes(backend: crypto.Backend, out: Any) -> None:
    pk = backend.x25519_public_key(bytes(range(32)))
    with pytest.raises(UsageError, match=r"rng\(32\) must return exactly 32 bytes"):
        backend.box_seal(b"m", pk, rng=lambda n: out)


def test_box_seal_rng_is_used(backend: crypto.Backend) -> None:
    pk = backend.x25519_public_key(bytes(range(32)))
    esk = bytes(range(1, 33))
    sealed = backend.box_seal(b"m", pk, rng=lambda n: esk)
    assert sealed[:32] == backend.x25519_public_key(esk)


# -- X25519: the all-zero check compares without an early exit ---------------


def test_x25519_zero_check_uses_compare_digest(backend: crypto.Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: List[tuple] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(crypto.hmac, "compare_digest", spy)
    sk, peer = bytes(range(32)), backend.x25519_public_key(bytes(range(1, 33)))
    out = backend.x25519(sk, peer)
    assert calls == [(out, bytes(32))]
    # (libsodium already refuses a low-order point itself; the pure ladder
    # returns all zero and the facade's check raises.)
    with pytest.raises(LowOrderPointError):
        backend.x25519(sk, bytes(32))
    if backend.name == "pure":
        assert calls[-1] == (bytes(32), bytes(32))


# -- constant_time: an honest answer per function and host --------------------

FACADE = sorted(crypto._FACADE_FUNCTIONS)
AES = [name for name in FACADE if name.startswith("aes_")]


def test_facade_function_list_is_the_contract() -> None:
    assert len(FACADE) == 24
    assert {"b64url_encode", "b64url_decode"} <= set(FACADE)
    for name in FACADE:
        assert callable(getattr(crypto, name))
    assert callable(crypto.constant_time)


def test_pure_backend_is_never_constant_time() -> None:
    pure = crypto.backend("pure")
    for name in FACADE:
        assert pure.constant_time(name) is False
    for name in AES:
        for key_len in (16, 24, 32):
            assert pure.constant_time(name, key_len=key_len) is False


def native_or_fail() -> crypto.Backend:
    """The native backend (the crypto test modules share this); skipped where it does
    not load, unless REFDIDCOMM_REQUIRE_NATIVE=1 (the conftest ``backend`` rule): then a failure."""
    try:
        return crypto.backend("native")
    except BackendUnavailable as exc:
        if os.environ.get("REFDIDCOMM_REQUIRE_NATIVE") == "1":
            pytest.fail(f"native backend required but unavailable: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")


def test_native_constant_time_follows_the_hardware(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = native_or_fail()
    from refdidcomm import _native_backend

    for name in FACADE:
        if name.startswith("b64url_"):
            # Table lookups indexed by the data (public JOSE members).
            assert backend.constant_time(name) is False, name
        elif not name.startswith("aes_"):
            assert backend.constant_time(name) is True, name
    for aesni, gcm in [(True, True), (True, False), (False, False)]:
        monkeypatch.setattr(_native_backend, "_AESNI", aesni)
        monkeypatch.setattr(_native_backend, "_AES256GCM", gcm)
        for name in ("aes_cbc_encrypt", "aes_cbc_decrypt", "aes_key_wrap", "aes_key_unwrap"):
            assert backend.constant_time(name) is aesni
            assert backend.constant_time(name, key_len=16) is aesni
        for name in ("aes_gcm_encrypt", "aes_gcm_decrypt"):
            # AES-128/192-GCM always run the pure code.
            assert backend.constant_time(name) is False
            assert backend.constant_time(name, key_len=16) is False
            assert backend.constant_time(name, key_len=24) is False
            assert backend.constant_time(name, key_len=32) is gcm


def test_constant_time_of_the_active_backend() -> None:
    assert crypto.constant_time("x25519") is (crypto.BACKEND == "native")


@pytest.mark.parametrize("args", [("sha256",), ("BACKEND",), (None,), ("x25519", 32), ("aes_gcm_encrypt", 20), ("aes_gcm_encrypt", True)])
def test_constant_time_rejects_bad_questions(backend: crypto.Backend, args: tuple) -> None:
    with pytest.raises(UsageError):
        backend.constant_time(*args)


# -- derived constants ---------------------------------------------------------


def test_facade_constants_equal_rfc8032s() -> None:
    from refdidcomm import _rfc8032

    assert crypto._P == _rfc8032.p
    assert crypto._D == _rfc8032.d
    assert crypto._L == _rfc8032.L


def test_y8_is_derived_and_has_order_8() -> None:
    from refdidcomm import _rfc8032

    # The value libsodium and the literature list for the order-8 points.
    assert crypto._Y8 == 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
    assert crypto._order8_y() == crypto._Y8
    for y in (crypto._Y8, crypto._P - crypto._Y8):
        for sign in (0, 1):
            point = _rfc8032.point_decompress((y | sign << 255).to_bytes(32, "little"))
            assert point is not None
            assert _rfc8032.point_equal(_rfc8032.point_mul(8, point), _rfc8032.IDENTITY)
            assert not _rfc8032.point_equal(_rfc8032.point_mul(4, point), _rfc8032.IDENTITY)


def test_sqrt_mod_p() -> None:
    assert crypto._sqrt_mod_p(4) in (2, crypto._P - 2)
    assert crypto._sqrt_mod_p(2) is None  # 2 is not a square mod p (p = 5 mod 8)
    root = crypto._sqrt_mod_p(crypto._P - 1)  # -1 is a square: sqrt(-1)
    assert root is not None and root * root % crypto._P == crypto._P - 1
