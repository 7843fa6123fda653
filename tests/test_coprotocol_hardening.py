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


# -- 3. glob matching without backtracking


@pytest.mark.parametrize(
    "pattern, piuri, expected",
    [
        ("*/pay*", "https://didcomm.org/pay-with-venmo/1.3", True),
        ("*/pay*", "https://didcomm.org/lightning-payment/0.9", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a", "", False),
        ("**", "abc", True),
        ("a*c", "abc", True),
        ("a*c", "abcd", False),
        ("a*b*c", "axxbyyc", True),
        ("a*b*c", "axxcyyb", False),
        ("*a", "aaa", True),
        ("*ab", "aab", True),
        ("*ab*", "xaxab", True),
        ("ab*ab", "abab", True),
        ("ab*ab", "aba", False),
        ("a.c", "abc", False),  # no regex metacharacters
        ("a?c", "abc", False),  # ? is literal
        ("A*", "a", False),  # case-sensitive
        ("*\n*", "a\nb", True),
    ],
)
def test_piuri_matches(pattern: str, piuri: str, expected: bool) -> None:
    assert piuri_matches(pattern, piuri) is expected


def test_piuri_matches_agrees_with_a_slow_reference() -> None:
    import random

    def ref(p: str, s: str) -> bool:  # plain recursive definition, small inputs only
        if not p:
            return not s
        if p[0] == "*":
            return any(ref(p[1:], s[k:]) for k in range(len(s) + 1))
        return bool(s) and s[0] == p[0] and ref(p[1:], s[1:])

    rnd = random.Random(482)
    for _ in range(3000):
        p = "".join(rnd.choice("ab*") for _ in range(rnd.randrange(7)))
        s = "".join(rnd.choice("ab") for _ in range(rnd.randrange(8)))
        assert piuri_matches(p, s) is ref(p, s), (p, s)


def test_piuri_matches_is_fast_on_adversarial_patterns() -> None:
    started = time.perf_counter()
    assert not piuri_matches("*" * 10 + "X", "a" * 60)
    assert not piuri_matches("*a" * 128, "a" * 127 + "b")
    assert not piuri_matches("*a" * 128, "a" * 2000 + "b")  # the piuri is not capped; quadratic at worst
    assert time.perf_counter() - started < 2.0


def test_piuri_pat_longer_than_the_cap_is_malformed() -> None:
    cap = _rfc0482.MAX_PIURI_PAT
    base = {
        "@id": "abcdefgh1",
        "@type": "https://didcomm.org/coprotocol/0.5/bind",
        "goal_code": GOAL,
        "cast": [{"role": "payee", "id": None}],
    }
    assert parse_message(dict(base, piuri_pat="*" * cap), "v1").piuri_pat == "*" * cap  # type: ignore[union-attr]
    with pytest.raises(MalformedMessage) as info:
        parse_message(dict(base, piuri_pat="*" * (cap + 1)), "v1")
    assert info.value.field == "piuri_pat"
    with pytest.raises(UsageError):
        Caller(shape="v1").bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), piuri_pat="*" * (cap + 1))


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_called_answers_a_pathological_pattern_quickly(shape: str) -> None:
    started = time.perf_counter()
    caller = Caller(shape=shape)
    step = caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), piuri_pat="*" * 40 + "X")
    reply = Called(payment_registry(), shape=shape).receive(step.messages[0])
    assert time.perf_counter() - started < 2.0
    report = parse_message(reply.messages[0], shape)
    assert isinstance(report, ProblemReport) and report.code == "e.p.req.no-match"


# -- 9. the decisions record matches the CLI


def test_decisions_record_says_the_demo_is_wired_in_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from refdidcomm import cli

    text = (Path(__file__).resolve().parent.parent / "docs" / "coprotocol-decisions.md").read_text(encoding="utf-8")
    assert "needs a subcommand" not in text
    assert "wired in `refdidcomm/cli.py`" in text
    assert cli.main(["coprotocol", "demo", "--shape", "v2"]) == 0
    assert "-- both sides: done" in capsys.readouterr().out
