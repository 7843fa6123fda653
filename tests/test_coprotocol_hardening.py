"""Review fixes for the coprotocol layer: peer text, huge numbers, glob matching,
peer-bound bindings, resource limits, and seeded mutation tests of receive()."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest

from refdidcomm import _rfc0482
from refdidcomm._rfc0482_demo import DEMO_CLOCK, seeded_ids
from refdidcomm.coprotocol import (
    Called,
    Caller,
    Cast,
    Input,
    ProblemReport,
    Rejected,
    parse_message,
    payment_interface,
    payment_registry,
    piuri_matches,
)
from refdidcomm.errors import MalformedMessage, UsageError

GOAL = "aries.buy.make-payment"
CAST = [Cast("payee", None), Cast("payer", "did:peer:abc123")]
INVOKE = {"amount": 1.23, "currency": "INR", "bill_of_sale": "one chai"}
EMPTY_EN = {
    "@id": "abcdefgh1",
    "@type": "https://didcomm.org/coprotocol/0.5/problem-report",
    "~thread": {"pthid": "abcdefgh2"},
    "description": {"code": "x", "en": ""},
}


class Clock:
    def __init__(self, now: float = DEMO_CLOCK) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def kind(message: Dict[str, Any]) -> str:
    return str(message.get("@type") or message["type"]).rsplit("/", 1)[-1]


# -- 1. peer text reaches no builder check


def test_empty_v1_problem_report_text_is_malformed_not_a_usage_error() -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message(EMPTY_EN, "v1")
    assert info.value.field == "description.en"
    for endpoint in (Called(payment_registry(), shape="v1"), Caller(shape="v1")):
        step = endpoint.receive(EMPTY_EN)
        # a problem report is never answered with a problem report
        assert step.messages == ()
        assert step.events == (Rejected("abcdefgh1", "e.m.msg.malformed", "description.en: must be a non-empty string"),)


def test_v1_problem_report_text_still_parses_when_present_or_absent() -> None:
    ok = dict(EMPTY_EN, description={"code": "x", "en": "text"})
    report = parse_message(ok, "v1")
    assert isinstance(report, ProblemReport) and report.comment == "text"
    report = parse_message(dict(EMPTY_EN, description={"code": "x"}), "v1")
    assert isinstance(report, ProblemReport) and report.comment is None


# -- 2. integers too large for a float


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_huge_integer_for_a_float_parameter_is_invalid_data(shape: str) -> None:
    ids = seeded_ids(f"huge {shape}")
    caller = Caller(shape=shape, new_id=ids, clock=Clock())
    called = Called(payment_registry(), shape=shape, new_id=ids, clock=Clock())
    step = caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface())
    bind_id = step.events[0].binding_id  # type: ignore[union-attr]
    caller.receive(called.receive(step.messages[0]).messages[0])
    raw = Input(id="huge-input-1", pthid=bind_id, interaction_point="invoke", data=dict(INVOKE, amount=10**400)).to_message(shape)
    got = called.receive(raw)
    assert [kind(m) for m in got.messages] == ["problem-report"]
    assert got.events[0].code == "e.m.msg.invalid-data"  # type: ignore[union-attr]
    assert not called.binding(bind_id).launched
    # a float-sized integer is still a float value
    raw = Input(id="fine-input-1", pthid=bind_id, interaction_point="invoke", data=dict(INVOKE, amount=10**300)).to_message(shape)
    assert called.receive(raw).messages == ()
    # the caller's own output check takes the same path
    called.set_state(bind_id, "waiting-for-commit")
    with pytest.raises(UsageError):
        called.emit_output(bind_id, "preauth", {"code": 10**400})


def test_huge_integer_check_data_direct() -> None:
    point = payment_interface().role("payee").point("get", "invoke")  # type: ignore[union-attr]
    from refdidcomm._rfc0482_interface import check_data

    with pytest.raises(UsageError, match="amount must be float"):
        check_data(point, dict(INVOKE, amount=10**400), UsageError)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="amount must be float"):
        check_data(point, dict(INVOKE, amount=-(10**400)), UsageError)  # type: ignore[arg-type]
    check_data(point, dict(INVOKE, amount=2**1023), UsageError)  # type: ignore[arg-type]
