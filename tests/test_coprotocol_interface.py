"""RFC 0478 coprotocol interface declarations: the notation and data checks."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from refdidcomm._rfc0482_demo import PAYMENT_INTERFACE_TEXT
from refdidcomm._rfc0482_interface import check_data
from refdidcomm.coprotocol import Interface, InteractionPoint, Param, RoleInterface, parse_interface, payment_interface
from refdidcomm.errors import UsageError


def test_rfc0478_example_is_read_as_the_rfc_explains_it() -> None:
    # RFC 0478 §Example: "The payee role in this coprotocol gets input at two
    # interaction points, "invoke" and "proceed". Invoke happens when state is
    # null (at launch); "proceed" happens when state is "requested" or
    # "waiting-for-commit." ... give output at two interaction points,
    # "preauth" and "return.""
    interface = parse_interface(PAYMENT_INTERFACE_TEXT)
    assert interface.goal == "aries.buy.make-payment"
    (payee,) = interface.roles
    assert payee.role == "payee"
    assert [p.name for p in payee.get] == ["invoke", "proceed"]
    assert [p.name for p in payee.give] == ["preauth", "return"]
    invoke = payee.point("get", "invoke")
    assert invoke is not None
    assert invoke.params == (Param("amount", "float"), Param("currency", "str"), Param("bill_of_sale", "str"))
    assert invoke.states == ("null",)
    proceed = payee.point("get", "proceed")
    assert proceed is not None and proceed.params == (Param("continue", "bool"),)
    assert proceed.states == ("requested:", "waiting-for-commit")  # kept as written (D12)
    assert proceed.available_in("requested") and proceed.available_in("Waiting for commit")
    assert not proceed.available_in("finalizing") and not proceed.available_in("null")
    assert payee.point("give", "preauth").states == ("waiting-for-commit",)  # type: ignore[union-attr]
    assert not any(p.final for p in payee.give)
    assert payee.point("give", "invoke") is None and payee.point("get", "preauth") is None


def test_final_marks_give_points() -> None:
    interface = payment_interface()
    payee = interface.role("payee")
    assert payee is not None
    assert [p.final for p in payee.give] == [False, True]
    with pytest.raises(UsageError, match="final"):
        parse_interface(PAYMENT_INTERFACE_TEXT, final=("invoke",))  # a get point
    with pytest.raises(UsageError, match="final"):
        parse_interface(PAYMENT_INTERFACE_TEXT, final=("refund",))


def test_roles_compare_folded() -> None:
    interface = payment_interface()
    assert interface.role("PAYEE") is interface.role("payee")
    assert interface.role("pay-ee") is interface.role("payee")
    assert interface.role("payer") is None


def test_multiple_roles_and_empty_params() -> None:
    text = """
goal: org.example.chess
white:
  get:
    - start() @ null
  give:
    - move(square: str, ply: int) @ playing, check
black:
  give:
    - resign() @ playing
"""
    interface = parse_interface(text, final=("resign",))
    assert [r.role for r in interface.roles] == ["white", "black"]
    white = interface.role("white")
    assert white is not None and white.point("get", "start").params == ()  # type: ignore[union-attr]
    black = interface.role("black")
    assert black is not None and black.get == () and black.give[0].final


@pytest.mark.parametrize(
    "text,match",
    [
        ("", "empty"),
        ("payee:\n  get:\n", "goal"),
        ("goal: a b\n", "goal"),
        ("goal: g\n  get:\n", "outside a role"),
        ("goal: g\npayee:\n  - invoke() @ null\n", "outside"),
        ("goal: g\npayee:\n  get:\n    - invoke(amount) @ null\n", "name: type"),
        ("goal: g\npayee:\n  get:\n    - invoke(amount: decimal) @ null\n", "type"),
        ("goal: g\npayee:\n  get:\n    - invoke(a: str, a: str) @ null\n", "duplicate"),
        ("goal: g\npayee:\n  get:\n    - invoke() @ null\n    - invoke() @ null\n", "duplicate"),
        ("goal: g\npayee:\n  get:\n    - invoke()\n", "line 4"),
        ("goal: g\npayee:\n  get:\n    - invoke() @ null, \n", "empty state"),
        ("goal: g\npayee:\n  get:\n    - invoke() @ 9lives\n", "state"),
        ("goal: g\npayee:\n  get:\n    - 9invoke() @ null\n", "interaction point"),
        ("goal: g\npayee:\npayee:\n", "duplicate roles"),
        ("goal: g\n", "at least one role"),
        ("goal: g\npayee:\n  take:\n", "line 3"),
    ],
)
def test_notation_errors(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse_interface(text)


def test_notation_input_type() -> None:
    with pytest.raises(UsageError):
        parse_interface(b"goal: g\n")  # type: ignore[arg-type]


def test_model_constructors_check() -> None:
    with pytest.raises(UsageError):
        Param("amount", "float64")
    with pytest.raises(UsageError):
        Param("has space", "str")
    with pytest.raises(UsageError):
        InteractionPoint("invoke", (), ())
    with pytest.raises(UsageError):
        RoleInterface("payee", (InteractionPoint("x", (), ("null",), final=True),), ())
    with pytest.raises(UsageError):
        Interface("", (RoleInterface("payee", (), ()),))
    with pytest.raises(UsageError):
        Interface("g", ())


INVOKE = payment_interface().role("payee").point("get", "invoke")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    [
        {"amount": 1.23, "currency": "INR", "bill_of_sale": "one chai"},
        {"amount": 2, "currency": "INR", "bill_of_sale": ""},  # a JSON integer is a number
    ],
)
def test_check_data_accepts(data: Dict[str, Any]) -> None:
    check_data(INVOKE, data, UsageError)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data,match",
    [
        ({"amount": 1.23, "currency": "INR"}, "missing bill_of_sale"),
        ({"amount": 1.23, "currency": "INR", "bill_of_sale": "x", "tip": 1}, "undeclared tip"),
        ({"amount": "1.23", "currency": "INR", "bill_of_sale": "x"}, "amount must be float"),
        ({"amount": True, "currency": "INR", "bill_of_sale": "x"}, "amount must be float"),
        ({"amount": 1.23, "currency": 356, "bill_of_sale": "x"}, "currency must be str"),
        # RFC 0482's input example passes an object where RFC 0478 declares str (D13).
        ({"amount": 1.23, "currency": "INR", "bill_of_sale": {}}, "bill_of_sale must be str"),
    ],
)
def test_check_data_rejects(data: Dict[str, Any], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        check_data(INVOKE, data, UsageError)  # type: ignore[arg-type]


def test_check_data_bool_and_int() -> None:
    point = InteractionPoint("p", (Param("flag", "bool"), Param("n", "int")), ("s",))
    check_data(point, {"flag": False, "n": 3}, UsageError)  # type: ignore[arg-type]
    for bad in ({"flag": 0, "n": 3}, {"flag": True, "n": 3.0}, {"flag": True, "n": True}):
        with pytest.raises(UsageError):
            check_data(point, bad, UsageError)  # type: ignore[arg-type]
