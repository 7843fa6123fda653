"""The called side's registry: RFC 0482 bind matching and preference ordering."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import pytest

from refdidcomm.coprotocol import (
    Bind,
    Cast,
    Implementation,
    Prefer,
    Registry,
    parse_interface,
    payment_interface,
    payment_registry,
    piuri_matches,
)
from refdidcomm.errors import UsageError

GOAL = "aries.buy.make-payment"
CAST = (Cast("payee", None), Cast("payer", "did:peer:abc123"))
BIND_ID = "4d116a88-1314-4af5-9b3c-848456b8b3dd"


def bind(prefer: Optional[Sequence[Prefer]] = None, *, goal: str = GOAL, cast: Sequence[Cast] = CAST, pat: Optional[str] = None) -> Bind:
    return Bind(id=BIND_ID, goal_code=goal, cast=tuple(cast), piuri_pat=pat, prefer=None if prefer is None else tuple(prefer))


def impl(name: str, **attributes: Any) -> Implementation:
    return Implementation(f"https://didcomm.org/{name}/1.0", (payment_interface(),), ("payee", "payer"), attributes)


def order(registry: Registry, b: Bind) -> List[str]:
    return [c.implementation.piuri.split("/")[3] for c in registry.rank(b)]


# -- piuri_pat wildcards (D10)


@pytest.mark.parametrize(
    "pattern,piuri,expected",
    [
        ("*/pay*", "https://didcomm.org/pay-with-venmo/1.3", True),  # RFC 0482 §Reference example
        ("*/pay*", "https://didcomm.org/lightning-payment/0.9", False),
        ("*", "https://didcomm.org/anything/1.0", True),
        ("https://didcomm.org/pay-with-venmo/1.*", "https://didcomm.org/pay-with-venmo/1.3", True),
        ("https://didcomm.org/pay-with-venmo/1.*", "https://didcomm.org/pay-with-venmo/2.0", False),
        ("pay*", "https://didcomm.org/pay-with-venmo/1.3", False),  # the whole PIURI must match
        ("*venmo*", "https://didcomm.org/pay-with-venmo/1.3", True),
        ("*Venmo*", "https://didcomm.org/pay-with-venmo/1.3", False),  # case-sensitive
        ("https://didcomm.org/pay-with-venmo/1.3", "https://didcomm.org/pay-with-venmo/1x3", False),  # '.' is literal
        ("*/pay?with*", "https://didcomm.org/pay-with-venmo/1.3", False),  # '?' is literal
        ("*/pay[-]with*", "https://didcomm.org/pay-with-venmo/1.3", False),  # '[' is literal
        ("*/pay?with*", "https://didcomm.org/pay?with-venmo/1.3", True),
        ("**", "", True),
        ("", "https://didcomm.org/x/1.0", False),
    ],
)
def test_piuri_matches(pattern: str, piuri: str, expected: bool) -> None:
    assert piuri_matches(pattern, piuri) is expected


# -- filtering


def test_payment_registry_selects_venmo_as_in_the_rfc() -> None:
    registry = payment_registry()
    rfc_prefer = [Prefer("success_ratio", "d"), Prefer("last_run_date", "d"), Prefer("release_date", "d"), Prefer("running", "d")]
    best = registry.select(bind(rfc_prefer, pat="*/pay*"))
    assert best is not None
    assert best.implementation.piuri == "https://didcomm.org/pay-with-venmo/1.3"
    assert best.interface.goal == GOAL and best.role.role == "payee"
    # Without the pattern, the lightning implementation's better success ratio wins.
    best = registry.select(bind(rfc_prefer))
    assert best is not None and best.implementation.piuri == "https://didcomm.org/lightning-payment/0.9"


def test_goal_code_must_match_exactly() -> None:
    registry = payment_registry()
    assert len(registry.candidates(bind())) == 3
    assert registry.candidates(bind(goal="aries.buy")) == []
    assert registry.candidates(bind(goal="aries.buy.make-payment.fast")) == []
    assert registry.select(bind(goal="aries.sell")) is None


def test_roles_filter() -> None:
    registry = payment_registry()
    # The recipient must play a role the interface declares (payer has no partition).
    assert registry.candidates(bind(cast=[Cast("payer", None), Cast("payee", "did:peer:abc123")])) == []
    # Every cast role must be a role of the protocol.
    assert registry.candidates(bind(cast=[Cast("payee", None), Cast("auditor", "did:peer:x")])) == []
    # Role names fold (RFC 0003 template.md).
    assert len(registry.candidates(bind(cast=[Cast("Payee", None), Cast("PAYER", "did:peer:x")]))) == 3
    assert len(registry.candidates(bind(cast=[Cast("payee", None)]))) == 3


def test_roles_default_to_the_interfaces_roles() -> None:
    only_payee = Implementation("https://didcomm.org/pay-simple/1.0", payment_interface())
    assert only_payee.roles == ("payee",)
    registry = Registry([only_payee])
    assert registry.candidates(bind(cast=[Cast("payee", None)]))
    assert registry.candidates(bind()) == []  # payer is not a role of it


def test_multiple_goal_codes() -> None:
    refund = parse_interface("goal: aries.buy.refund\npayee:\n  get:\n    - refund(amount: float) @ null\n")
    both = Implementation("https://didcomm.org/pay-and-refund/1.0", (payment_interface(), refund), ("payee", "payer"))
    assert both.goal_codes == (GOAL, "aries.buy.refund")
    registry = Registry([both])
    (c,) = registry.candidates(bind(goal="aries.buy.refund"))
    assert c.interface is refund


def test_rebind_is_not_matched() -> None:
    with pytest.raises(UsageError):
        payment_registry().candidates(Bind(id=BIND_ID, co_binding_id="98fd8d72-80f6-4419"))


# -- ordering


def test_direction_a_and_d() -> None:
    registry = Registry([impl("a", score=2), impl("b", score=3), impl("c", score=1)])
    assert order(registry, bind([Prefer("score", "d")])) == ["b", "a", "c"]
    assert order(registry, bind([Prefer("score", "a")])) == ["c", "a", "b"]


def test_ties_broken_by_the_next_entry_then_registration_order() -> None:
    registry = Registry(
        [
            impl("p", ratio=0.9, last_run_date="2020-06-01"),
            impl("q", ratio=0.9, last_run_date="2020-06-03"),
            impl("r", ratio=0.5, last_run_date="2020-06-09"),
            impl("s", ratio=0.9, last_run_date="2020-06-03"),
        ]
    )
    assert order(registry, bind([Prefer("ratio", "d"), Prefer("last_run_date", "d")])) == ["q", "s", "p", "r"]
    assert order(registry, bind([Prefer("ratio", "d"), Prefer("last_run_date", "a")])) == ["p", "q", "s", "r"]
    assert order(registry, bind([Prefer("last_run_date", "d"), Prefer("ratio", "a")])) == ["r", "q", "s", "p"]
    assert order(registry, bind([Prefer("ratio", "d")])) == ["p", "q", "s", "r"]  # ties keep registration order (D17)
    assert order(registry, bind()) == ["p", "q", "r", "s"]
    assert order(registry, bind([])) == ["p", "q", "r", "s"]


def test_false_sorts_before_true() -> None:
    # RFC 0482 §Reference: "Tie break by selecting protocols already running (false sorts before true)".
    registry = Registry([impl("idle", running=False), impl("busy", running=True)])
    assert order(registry, bind([Prefer("running", "d")])) == ["busy", "idle"]
    assert order(registry, bind([Prefer("running", "a")])) == ["idle", "busy"]


def test_missing_attribute_sorts_last_in_either_direction() -> None:
    registry = Registry([impl("none"), impl("low", score=1), impl("high", score=5), impl("none2")])
    assert order(registry, bind([Prefer("score", "d")])) == ["high", "low", "none", "none2"]
    assert order(registry, bind([Prefer("score", "a")])) == ["low", "high", "none", "none2"]
    assert order(registry, bind([Prefer("unknown", "d")])) == ["none", "low", "high", "none2"]


def test_time_attributes_compare_as_times() -> None:
    # 18:00+02:00 is 16:00Z: earlier than 17:00Z although it sorts later as text.
    registry = Registry([impl("east", seen_time="2020-06-23T18:00+02:00"), impl("utc", seen_time="2020-06-23T17:00Z")])
    assert order(registry, bind([Prefer("seen_time", "d")])) == ["utc", "east"]


def test_piuri_is_sortable() -> None:
    registry = Registry([impl("b"), impl("c"), impl("a")])
    assert order(registry, bind([Prefer("piuri", "a")])) == ["a", "b", "c"]


# -- registry management


def test_add_update_get() -> None:
    registry = Registry([impl("a", score=1), impl("b", score=2)])
    assert len(registry) == 2 and [i.piuri for i in registry][0].endswith("/a/1.0")
    new = registry.update("https://didcomm.org/a/1.0", score=3, running=True)
    assert new.attributes == {"score": 3, "running": True}
    assert registry.get("https://didcomm.org/a/1.0") == new
    assert order(registry, bind([Prefer("score", "d")])) == ["a", "b"]
    assert registry.get("https://didcomm.org/zz/1.0") is None
    with pytest.raises(UsageError):
        registry.update("https://didcomm.org/zz/1.0", score=1)
    with pytest.raises(UsageError):
        registry.add(impl("a"))
    with pytest.raises(UsageError):
        registry.add("https://didcomm.org/c/1.0")  # type: ignore[arg-type]


def test_attribute_kinds_are_consistent() -> None:
    registry = Registry([impl("a", score=1)])
    with pytest.raises(UsageError, match="score"):
        registry.add(impl("b", score="high"))
    with pytest.raises(UsageError, match="score"):
        registry.add(impl("c", score=True))
    registry.add(impl("d", score=2.5))  # int and float are both numbers
    with pytest.raises(UsageError):
        registry.update("https://didcomm.org/d/1.0", score="x")
    registry.update("https://didcomm.org/a/1.0", score=7)  # its own old value does not conflict


@pytest.mark.parametrize(
    "attributes",
    [
        {"piuri": "x"},
        {"": 1},
        {"score": None},
        {"score": [1]},
        {"score": float("inf")},
        {"release_date": "2020/01/15"},
        {"release_date": 20200115},
        {"seen_time": "yesterday"},
    ],
)
def test_bad_attributes(attributes: Dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        impl("a", **attributes)


def test_bad_implementations() -> None:
    interface = payment_interface()
    with pytest.raises(UsageError):
        Implementation("pay-with-venmo", (interface,))
    with pytest.raises(UsageError):
        Implementation("https://didcomm.org/p/1.0", ())
    with pytest.raises(UsageError):
        Implementation("https://didcomm.org/p/1.0", (interface, interface))
    with pytest.raises(UsageError):
        Implementation("https://didcomm.org/p/1.0", (interface,), ("payer",))  # payee missing
    with pytest.raises(UsageError):
        Implementation("https://didcomm.org/p/1.0", (interface,), ("payee", ""))
    with pytest.raises(UsageError):
        Implementation("https://didcomm.org/p/1.0", ("payee",))  # type: ignore[arg-type]
