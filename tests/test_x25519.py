"""X25519 (RFC 7748): every vector of vectors/rfc7748_x25519.json on both backends.

Also re-derives the low-order u-coordinates listed in the vectors from the
curve equation, so that the list cannot silently be wrong or incomplete.
"""

from __future__ import annotations

import os
import random

import pytest

from conftest import load_vectors
from test_crypto_facade import native_or_fail
from refdidcomm import _rfc7748, crypto
from refdidcomm.errors import LowOrderPointError, UsageError

VEC = load_vectors("rfc7748_x25519")
P = 2**255 - 19
A = 486662
SLOW = os.environ.get("REFDIDCOMM_SLOW_TESTS") == "1"


def _cases(kind: str, result: str = ""):
    return [
        pytest.param(c, id=f"tc{c['tcId']}", marks=[pytest.mark.slow] if "Slow" in c["flags"] else [])
        for c in VEC["cases"]
        if c["kind"] == kind and (not result or c["result"] == result)
    ]


def _h(s: str) -> bytes:
    return bytes.fromhex(s)


def _u_int(hex_u: str) -> int:
    """The u-coordinate as X25519 reads it: bit 255 masked, then reduced mod p."""
    return (int.from_bytes(_h(hex_u), "little") & ((1 << 255) - 1)) % P


@pytest.mark.parametrize("case", _cases("function", "valid"))
def test_function_valid(backend: crypto.Backend, case: dict) -> None:
    assert backend.x25519(_h(case["private"]), _h(case["public"])).hex() == case["shared"]


@pytest.mark.parametrize("case", _cases("function", "invalid"))
def test_function_low_order(backend: crypto.Backend, case: dict) -> None:
    assert case["error"] == "LowOrderPointError"
    with pytest.raises(LowOrderPointError):
        backend.x25519(_h(case["private"]), _h(case["public"]))


@pytest.mark.parametrize("case", _cases("function", "invalid"))
def test_raw_ladder_gives_all_zero_for_low_order(case: dict) -> None:
    # The facade's all-zero check (RFC 7748 §6.1) is what raises; the ladder
    # itself returns 0 for these inputs, whatever the clamped scalar.
    for sk in (_h(case["private"]), bytes(32), b"\xff" * 32):
        assert _rfc7748.x25519(sk, _h(case["public"])) == bytes(32)


@pytest.mark.parametrize("case", _cases("iterated"))
def test_iterated(backend: crypto.Backend, case: dict) -> None:
    if "Slow" in case["flags"] and not SLOW:
        pytest.skip("1,000,000 iterations: set REFDIDCOMM_SLOW_TESTS=1 to run")
    k = u = _h(case["k"])
    assert case["u"] == case["k"]
    for _ in range(case["iterations"]):
        k, u = backend.x25519(k, u), k
    assert k.hex() == case["result_k"]


@pytest.mark.parametrize("case", _cases("dh"))
def test_rfc7748_6_1_diffie_hellman(backend: crypto.Backend, case: dict) -> None:
    a_sk, b_sk = _h(case["alice_private"]), _h(case["bob_private"])
    a_pk, b_pk = _h(case["alice_public"]), _h(case["bob_public"])
    assert backend.x25519_public_key(a_sk) == a_pk
    assert backend.x25519_public_key(b_sk) == b_pk
    assert backend.x25519(a_sk, b_pk).hex() == case["shared"]
    assert backend.x25519(b_sk, a_pk).hex() == case["shared"]
    assert backend.x25519(a_sk, a_pk).hex() != case["shared"]


def test_vector_file_shape() -> None:
    kinds = [c["kind"] for c in VEC["cases"]]
    assert kinds.count("iterated") == 3 and kinds.count("dh") == 1
    ids = [c["tcId"] for c in VEC["cases"]]
    assert ids == list(range(1, len(ids) + 1))
    assert sum(1 for c in VEC["cases"] if "TopBitOfU" in c["flags"]) >= 4
    for c in VEC["cases"]:
        assert c["result"] in ("valid", "invalid")


# -- the low-order list, re-derived -------------------------------------------


def _is_square(a: int) -> bool:
    return a % P == 0 or pow(a, (P - 1) // 2, P) == 1


def _xdbl(X: int, Z: int) -> tuple:
    """x-only doubling on v^2 = u^3 + A u^2 + u in projective (X : Z)."""
    return (X * X - Z * Z) ** 2 % P, 4 * X * Z * (X * X + A * X * Z + Z * Z) % P


def _order_dividing_8(u: int) -> int:
    """The order of a point with u-coordinate u, if it divides 8 (else 0).

    Doubling is well defined on the x-line of the curve and of its twist, so
    this needs no knowledge of which one the point lies on.
    """
    X, Z = u, 1
    for n in (1, 2, 4, 8):
        if Z == 0:
            return n
        X, Z = _xdbl(X, Z)
    return 0


def _order8_u_values() -> set:
    """u = (1 + y)/(1 - y) (RFC 7748 §4.1) for the Edwards order-8 ordinates.

    The facade's _Y8 is itself checked against the curve in test_ed25519.py.
    """
    y8 = crypto._Y8
    return {(1 + y) * pow(1 - y, P - 2, P) % P for y in (y8, P - y8)}


def test_low_order_list_is_complete_and_correct() -> None:
    u8 = _order8_u_values()
    assert u8 == {
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
    }
    a, b = sorted(u8)
    assert a * b % P == 1  # reciprocals
    expected = {0, 1, P - 1} | u8
    listed = {_u_int(c["public"]) for c in VEC["cases"] if "LowOrderPoint" in c["flags"]}
    assert listed == expected
    # Every u < 2^255 reducing to a low-order value: the canonical ones plus p, p + 1.
    raw = {int.from_bytes(_h(c["public"]), "little") & ((1 << 255) - 1) for c in VEC["cases"] if "LowOrderPoint" in c["flags"]}
    assert raw == expected | {P, P + 1}
    assert {v for v in range(P, 2**255) if v % P in expected} == {P, P + 1}


def test_low_order_orders() -> None:
    u8 = _order8_u_values()
    assert _order_dividing_8(0) == 2
    assert _order_dividing_8(1) == 4
    assert _order_dividing_8(P - 1) == 4  # not 2: [2](-1) = (0, 0)
    for u in u8:
        assert _order_dividing_8(u) == 8
        assert _xdbl(u, 1)[0] * pow(_xdbl(u, 1)[1], P - 2, P) % P == 1
    # u = 1 is on the curve (A + 2 square), u = -1 on the twist (A - 2 not),
    # (0, 0) is the only 2-torsion point (A^2 - 4 not square).
    assert _is_square(A + 2) and not _is_square(A - 2) and not _is_square(A * A - 4)
    # A point that is not of low order: the base point u = 9.
    assert _order_dividing_8(9) == 0


# -- lengths, types, agreement -------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 31, 33, 64])
def test_wrong_lengths(backend: crypto.Backend, n: int) -> None:
    good = bytes(range(32))
    with pytest.raises(UsageError):
        backend.x25519(bytes(n), good)
    with pytest.raises(UsageError):
        backend.x25519(good, bytes(n))
    with pytest.raises(UsageError):
        backend.x25519_public_key(bytes(n))


def test_wrong_types(backend: crypto.Backend) -> None:
    with pytest.raises(UsageError):
        backend.x25519("00" * 32, bytes(32))  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        backend.x25519_public_key(list(range(32)))  # type: ignore[arg-type]


def test_public_key_is_x25519_of_nine_and_agreement(backend: crypto.Backend) -> None:
    rnd = random.Random(7748)
    nine = (9).to_bytes(32, "little")
    for _ in range(8):
        a, b = rnd.randbytes(32), rnd.randbytes(32)
        a_pk, b_pk = backend.x25519_public_key(a), backend.x25519_public_key(b)
        assert a_pk == backend.x25519(a, nine)
        assert backend.x25519(a, b_pk) == backend.x25519(b, a_pk)


def test_backends_agree_on_random_inputs() -> None:
    bes = [native_or_fail(), crypto.backend("pure")]
    rnd = random.Random(25519)
    for _ in range(32):
        sk, pk = rnd.randbytes(32), rnd.randbytes(32)
        outs = []
        for be in bes:
            try:
                outs.append(be.x25519(sk, pk))
            except LowOrderPointError:
                outs.append(None)
        assert all(o == outs[0] for o in outs)


@pytest.mark.parametrize("n", [0, 1, 31, 33, 64])
def test_module_checks_lengths_on_its_own(n: int) -> None:
    """_rfc7748 used directly (not through the facade): UsageError, not IndexError."""
    good = bytes(range(32))
    with pytest.raises(UsageError, match="must be 32 bytes"):
        _rfc7748.x25519(bytes(n), good)
    with pytest.raises(UsageError, match="must be 32 bytes"):
        _rfc7748.x25519(good, bytes(n))
    with pytest.raises(UsageError, match="must be 32 bytes"):
        _rfc7748.x25519_base(bytes(n))


def test_module_checks_types_on_its_own() -> None:
    with pytest.raises(UsageError, match="must be bytes"):
        _rfc7748.x25519("k" * 32, bytes(32))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="must be bytes"):
        _rfc7748.x25519(bytes(32), None)  # type: ignore[arg-type]
