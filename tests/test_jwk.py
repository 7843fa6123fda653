"""JWK parse / validate / serialize and RFC 7638 thumbprints (``vectors/jose_jwk.json``).

JWK validation uses the active backend (``crypto.BACKEND``) for the OKP
checks; the vector tests switch it to each backend in turn (``on_backend``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from types import MappingProxyType

import pytest

from conftest import load_vectors
from refdidcomm._counter_rng import shake256_counter_rng
from refdidcomm import _rfc7517 as jwk_module
from refdidcomm import _json, crypto, errors, jwk
from refdidcomm.encoding import b64url_encode
from refdidcomm.jwk import JWK

JWKS = load_vectors("jose_jwk")
CURVES = ("Ed25519", "X25519", "P-256", "P-384", "P-521", "secp256k1")


def _cases(result: str):
    return [pytest.param(c, id=f"tc{c['tcId']}") for c in JWKS["cases"] if c["result"] == result]


def _seeded(seed: bytes):
    return shake256_counter_rng(seed, first=1)


@pytest.fixture
def on_backend(backend, monkeypatch):
    """Make ``backend`` the active one (JWK validation has no backend argument)."""
    monkeypatch.setattr(crypto, "BACKEND", backend.name)
    return backend


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_keys(case: dict, on_backend) -> None:
    key = JWK.from_dict(case["jwk"])
    assert key.to_dict() == case["public_jwk"]
    assert key.is_private == ("d" in case["jwk"])
    if "expected_kid" in case:
        assert key.kid == case["expected_kid"]
    else:
        assert key.kid == case["jwk"].get("kid")
    if "thumbprint_b64u" in case:
        assert key.thumbprint() == case["thumbprint_b64u"]
    # The public key parses back to the same key and thumbprint.
    public = JWK.from_dict(case["public_jwk"])
    assert public == key.public()
    assert public.thumbprint() == key.thumbprint()
    if key.is_private:
        assert JWK.from_dict(key.to_dict(private=True)) == key


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_keys(case: dict, on_backend) -> None:
    # Not only the class: the message must name the rule that failed.
    with pytest.raises(getattr(errors, case["error"])) as excinfo:
        JWK.from_dict(case["jwk"])
    assert case["reason"] in str(excinfo.value)
    if "field" in case:
        assert excinfo.value.field == case["field"]


def test_the_spec_kid_erratum_is_visible() -> None:
    erratum = next(c for c in JWKS["cases"] if "Erratum" in c["flags"])
    assert "kid " in erratum["jwk"]
    key = JWK.from_dict(erratum["jwk"])
    assert key.kid is None  # "kid " is an unknown member, ignored (RFC 7517 §4)


def test_thumbprint_is_sha256_of_the_sorted_required_members() -> None:
    # RFC 7638 §3: EC uses crv, kty, x, y; other members (kid, d) do not count.
    case = next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("crv") == "P-256" and "kid" in c["jwk"])
    key = JWK.from_dict(case["jwk"])
    members = {name: case["jwk"][name] for name in ("crv", "kty", "x", "y")}
    text = '{"crv":"%(crv)s","kty":"%(kty)s","x":"%(x)s","y":"%(y)s"}' % members
    assert key.thumbprint() == b64url_encode(hashlib.sha256(text.encode()).digest())
    assert key.with_kid("other").thumbprint() == key.thumbprint()
    assert key.public().thumbprint() == key.thumbprint()


def test_private_export_round_trips_and_public_export_omits_d() -> None:
    case = next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("crv") == "P-521")
    key = JWK.from_dict(case["jwk"])
    assert "d" not in key.to_dict()
    assert key.to_dict(private=True)["d"] == case["jwk"]["d"]
    assert "kid" not in key.to_dict(include_kid=False)
    with pytest.raises(errors.UsageError):
        key.public().to_dict(private=True)
    assert key.d is not None and repr(key.d) not in repr(key)  # the private part is kept out of repr


def test_unknown_members_are_ignored() -> None:
    case = next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("crv") == "X25519")
    extended = dict(case["jwk"], use="enc", key_ops=["deriveKey"], alg="ECDH-ES+A256KW", ext=True)
    assert JWK.from_dict(extended) == JWK.from_dict(case["jwk"])


def test_from_json_rejects_duplicate_members() -> None:
    case = next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("crv") == "X25519")
    text = _json.dumps(case["jwk"])
    assert JWK.from_json(text) == JWK.from_dict(case["jwk"])
    with pytest.raises(errors.MalformedMessage):
        JWK.from_json(text[:-1] + ',"kty":"OKP"}')


def test_direct_construction_validates_and_checks_types() -> None:
    case = next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("crv") == "X25519" and "d" in c["jwk"])
    key = JWK.from_dict(case["jwk"])
    with pytest.raises(errors.UsageError):
        JWK(kty="OKP", crv="X25519", x=b64url_encode(key.x))  # type: ignore[arg-type]
    with pytest.raises(errors.UsageError):
        JWK(kty="OKP", crv="X25519", x=key.x, kid=5)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidKey):
        JWK(kty="OKP", crv="X25519", x=key.x, d=bytes(32))
    with pytest.raises(errors.InvalidKey):
        JWK(kty="OKP", crv="X25519", x=key.x, y=key.x)
    with pytest.raises(errors.InvalidKey):
        JWK(kty="EC", crv="P-256", x=bytes(32))
    assert JWK(kty="OKP", crv="X25519", x=bytearray(key.x)).x == key.x


def test_the_curve_table_is_read_only() -> None:
    assert isinstance(jwk_module.CURVES_BY_KTY, MappingProxyType)
    with pytest.raises(TypeError):
        jwk_module.CURVES_BY_KTY["RSA"] = frozenset({"RS256"})  # type: ignore[index]
    assert all(isinstance(curves, frozenset) for curves in jwk_module.CURVES_BY_KTY.values())
    assert set(jwk_module.CURVES_BY_KTY) == {"OKP", "EC"}


def test_keys_are_immutable() -> None:
    key = JWK.from_dict(JWKS["cases"][0]["jwk"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.kid = "x"  # type: ignore[misc]


def test_ec_accessors_refuse_the_wrong_key_type() -> None:
    okp = JWK.from_dict(JWKS["cases"][0]["jwk"])
    with pytest.raises(errors.UsageError):
        okp.ec_public_point()
    ec_public = JWK.from_dict(next(c for c in JWKS["cases"] if c["result"] == "valid" and c["jwk"].get("kty") == "EC")["public_jwk"])
    with pytest.raises(errors.UsageError):
        ec_public.ec_private_scalar()


@pytest.mark.parametrize("crv", CURVES)
def test_generate_is_valid_and_reproducible(crv: str, backend) -> None:
    key = jwk.generate(crv, _seeded(crv.encode()), "k1", backend=backend)
    assert key.crv == crv and key.kid == "k1" and key.is_private
    assert JWK.from_dict(key.to_dict(private=True)) == key
    again = jwk.generate(crv, _seeded(crv.encode()), "k1", backend=backend)
    assert again == key
    assert jwk.generate(crv, backend=backend) != key  # the default rng is the CSPRNG


def test_generate_rejects_bad_curves_and_bad_rng() -> None:
    with pytest.raises(errors.UnsupportedAlgorithm):
        jwk.generate("X448")
    with pytest.raises(errors.UsageError):
        jwk.generate("X25519", lambda n: bytes(n - 1))
    with pytest.raises(errors.UsageError):
        jwk.generate("P-256", lambda n: bytes(n + 1))


# -- the content-keyed cache of parsed public JWKs (refdidcomm._rfc7517._PUBLIC_KEYS) --


def test_public_key_cache_returns_the_same_validated_key_and_never_caches_failures_or_secrets() -> None:
    from refdidcomm import _rfc7517, crypto

    seed = bytes(range(32))
    public = crypto.x25519_public_key(seed)
    obj = {"kty": "OKP", "crv": "X25519", "x": b64url_encode(public), "kid": "did:example:c#1"}
    first = JWK.from_dict(dict(obj))
    assert JWK.from_dict(dict(obj)) is first
    # Another kid is another key object; the material is the same.
    other = JWK.from_dict({**obj, "kid": "did:example:c#2"})
    assert other is not first and other.x == first.x and other.kid == "did:example:c#2"
    # A private JWK is parsed every time and never stored.
    private = {**obj, "d": b64url_encode(seed)}
    assert JWK.from_dict(private).d == seed
    assert all(key.d is None for key in _rfc7517._PUBLIC_KEYS.values())
    # A low-order key is refused every time (nothing was stored for it).
    low = {"kty": "OKP", "crv": "X25519", "x": b64url_encode(b"\x01" + b"\x00" * 31)}
    for _ in range(2):
        with pytest.raises(errors.InvalidKey):
            JWK.from_dict(dict(low))
    # Member values of other types are not cache keys: parsed (and refused) as before.
    for bad in ({**obj, "x": ["list"]}, {**obj, "kid": {"a": 1}}):
        with pytest.raises(errors.MalformedMessage):
            JWK.from_dict(bad)


def test_public_key_cache_is_bounded() -> None:
    from refdidcomm import _rfc7517, crypto

    for i in range(_rfc7517._PUBLIC_KEYS_MAX + 5):
        x = crypto.x25519_public_key(hashlib.sha256(i.to_bytes(4, "big")).digest())
        JWK.from_dict({"kty": "OKP", "crv": "X25519", "x": b64url_encode(x), "kid": f"k{i}"})
        assert len(_rfc7517._PUBLIC_KEYS) <= _rfc7517._PUBLIC_KEYS_MAX


def test_generated_x25519_key_passes_the_full_constructor_checks(backend) -> None:
    key = jwk.generate("X25519", rng=lambda n: bytes(range(n)), kid="k", backend=backend)
    rebuilt = JWK(kty="OKP", crv="X25519", x=key.x, d=key.d, kid="k")  # full validation: x matches d
    assert rebuilt == key and key.public() == JWK(kty="OKP", crv="X25519", x=key.x, kid="k")
    assert key.public().d is None and key.public().kid == "k"


def test_public_key_cache_tells_absent_from_null_and_ignores_str_subclasses() -> None:
    from refdidcomm import crypto

    x = b64url_encode(crypto.x25519_public_key(b"\x05" * 32))
    plain = {"kty": "OKP", "crv": "X25519", "x": x}
    JWK.from_dict(dict(plain))  # warm the cache with the kid-less key
    with pytest.raises(errors.MalformedMessage) as err:
        JWK.from_dict({**plain, "kid": None})
    assert (err.value.reason, err.value.field) == ("must be a string", "jwk.kid")

    class Sneaky(str):
        def __eq__(self, other):  # equal to everything: must never match a cache entry
            return True

        def __hash__(self):
            return hash("did:example:v#k")

    victim = {"kty": "OKP", "crv": "X25519", "x": x, "kid": "did:example:v#k"}
    other_x = b64url_encode(crypto.x25519_public_key(b"\x06" * 32))
    JWK.from_dict({"kty": "OKP", "crv": "X25519", "x": Sneaky(other_x), "kid": "did:example:v#k"})
    assert JWK.from_dict(dict(victim)).x == b64url_decode_bytes(x)


def b64url_decode_bytes(text: str) -> bytes:
    from refdidcomm.encoding import b64url_decode

    return b64url_decode(text)
