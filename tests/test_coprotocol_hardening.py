"""Review fixes for the coprotocol layer: peer text, huge numbers, glob matching,
peer-bound bindings, resource limits, and seeded mutation tests of receive()."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
from coprotocol_helpers import CAST, GOAL, INVOKE, Clock

from refdidcomm import _rfc0482
from refdidcomm._rfc0482_demo import seeded_ids
from refdidcomm.coprotocol import (
    Called,
    Caller,
    Input,
    ProblemReport,
    Rejected,
    parse_message,
    payment_interface,
    payment_registry,
    piuri_matches,
)
from refdidcomm.errors import MalformedMessage, UsageError

EMPTY_EN = {
    "@id": "abcdefgh1",
    "@type": "https://didcomm.org/coprotocol/0.5/problem-report",
    "~thread": {"pthid": "abcdefgh2"},
    "description": {"code": "x", "en": ""},
}


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


# -- 4. bindings belong to the peer that made them


class PeerPair:
    """Caller and called on one clock and id sequence, passing peers explicitly."""

    def __init__(self, shape: str, hold: float | None = None, **called_kwargs: Any) -> None:
        self.shape = shape
        self.clock = Clock()
        ids = seeded_ids(f"peer {shape}")
        self.caller = Caller(shape=shape, new_id=ids, clock=self.clock)
        self.called = Called(payment_registry(), shape=shape, new_id=ids, clock=self.clock, hold_seconds=hold, **called_kwargs)

    def bind(self, peer: str | None = "did:example:called", sender: str | None = "did:example:caller") -> str:
        step = self.caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), peer=peer)
        binding_id = step.events[0].binding_id  # type: ignore[union-attr]
        reply = self.called.receive(step.messages[0], peer=sender)
        assert [kind(m) for m in reply.messages] == ["attach"]
        got = self.caller.receive(reply.messages[0], peer=peer)
        assert self.caller.state(binding_id) == "attached", got
        return binding_id


def refused_as_unknown(step: Any, shape: str, answered: bool = True) -> None:
    assert [type(e).__name__ for e in step.events] == ["Rejected"]
    assert step.events[0].code == "e.m.req.unknown-binding"
    if answered:
        report = parse_message(step.messages[0], shape)
        assert isinstance(report, ProblemReport) and report.code == "e.m.req.unknown-binding"
    else:
        assert step.messages == ()


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_called_refuses_messages_from_another_peer(shape: str) -> None:
    p = PeerPair(shape)
    bid = p.bind()
    assert p.called.binding(bid).peer == "did:example:caller"
    before = p.called.binding(bid)
    mallory = "did:example:mallory"
    raw_input = Input(id="mallory-input-1", pthid=bid, interaction_point="invoke", data=INVOKE).to_message(shape)
    raw_detach = _rfc0482.Detach(id="mallory-detach-1", pthid=bid).to_message(shape)
    for who in (mallory, None):  # another peer, or none where one was recorded
        refused_as_unknown(p.called.receive(raw_input, peer=who), shape)
        refused_as_unknown(p.called.receive(raw_detach, peer=who), shape)
    assert p.called.binding(bid) == before  # nothing changed
    # a re-bind by Mallory does not re-attach, and a problem report from her abandons nothing
    rebind = _rfc0482.Bind(id="mallory-rebind-1", co_binding_id=bid).to_message(shape)
    refused_as_unknown(p.called.receive(rebind, peer=mallory), shape)
    report = ProblemReport.for_code("mallory-report-1", bid, "e.p.me").to_message(shape)
    refused_as_unknown(p.called.receive(report, peer=mallory), shape, answered=False)
    assert p.called.binding(bid) == before
    # the real caller still drives it
    ok = p.called.receive(p.caller.send_input(bid, "invoke", INVOKE).messages[0], peer="did:example:caller")
    assert [type(e).__name__ for e in ok.events] == ["InputReceived"]


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_caller_refuses_messages_from_another_peer(shape: str) -> None:
    p = PeerPair(shape)
    step = p.caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), peer="did:example:called")
    bid = step.events[0].binding_id  # type: ignore[union-attr]
    attach = p.called.receive(step.messages[0], peer="did:example:caller").messages[0]
    refused_as_unknown(p.caller.receive(attach, peer="did:example:mallory"), shape)
    refused_as_unknown(p.caller.receive(attach), shape)  # recorded a peer, got none
    assert p.caller.state(bid) == "detached"
    assert [type(e).__name__ for e in p.caller.receive(attach, peer="did:example:called").events] == ["Attached"]
    p.caller.send_input(bid, "invoke", INVOKE)
    p.called.set_state(bid, "waiting-for-commit")
    output = p.called.emit_output(bid, "preauth", {"code": "x"}).messages[0]
    refused_as_unknown(p.caller.receive(output, peer="did:example:mallory"), shape)
    report = ProblemReport.for_code("mallory-report-2", bid, "e.p.me").to_message(shape)
    refused_as_unknown(p.caller.receive(report, peer="did:example:mallory"), shape, answered=False)
    assert p.caller.state(bid) == "attached"
    assert [type(e).__name__ for e in p.caller.receive(output, peer="did:example:called").events] == ["OutputReceived"]


def test_a_peer_cannot_adopt_a_binding_made_without_one() -> None:
    p = PeerPair("v2")
    bid = p.bind(peer=None, sender=None)
    raw = Input(id="late-peer-input", pthid=bid, interaction_point="invoke", data=INVOKE).to_message("v2")
    refused_as_unknown(p.called.receive(raw, peer="did:example:someone"), "v2")
    assert [type(e).__name__ for e in p.called.receive(raw).events] == ["InputReceived"]  # no peers: as before


@pytest.mark.parametrize("bad", ["", 7, b"did"])
def test_bad_peer_argument_is_a_usage_error(bad: Any) -> None:
    with pytest.raises(UsageError):
        Called(payment_registry()).receive(EMPTY_EN, peer=bad)
    with pytest.raises(UsageError):
        Caller().handle(parse_message(dict(EMPTY_EN, description={"code": "x"}), "v1"), peer=bad)
    with pytest.raises(UsageError):
        Caller().bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), peer=bad)


def test_machines_document_the_peer_rule() -> None:
    for cls in (Called, Caller):
        doc = " ".join((cls.__doc__ or "").split())
        assert "one instance per authenticated connection" in doc and "``peer``" in doc


# -- 5. forgetting, pruning, limits


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_forget_drops_the_binding_and_its_sent_ids(shape: str) -> None:
    p = PeerPair(shape)
    bid = p.bind()
    p.called.receive(p.caller.send_input(bid, "invoke", INVOKE).messages[0], peer="did:example:caller")
    assert bid in p.caller._sent.values() and bid in p.called._sent.values()
    for machine in (p.caller, p.called):
        machine.forget(bid)
        assert bid not in machine._sent.values() and bid not in machine._sent_by
        with pytest.raises(UsageError):
            machine.binding(bid)
        with pytest.raises(UsageError):
            machine.forget(bid)
    raw = Input(id="after-forget-1", pthid=bid, interaction_point="invoke", data=INVOKE).to_message(shape)
    refused_as_unknown(p.called.receive(raw, peer="did:example:caller"), shape)


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_prune_forgets_done_and_expired_bindings_only(shape: str) -> None:
    p = PeerPair(shape, hold=60)
    live, done, unused = p.bind(), p.bind(), p.bind()
    p.called.receive(p.caller.send_input(live, "invoke", INVOKE).messages[0], peer="did:example:caller")
    p.called.receive(p.caller.send_input(done, "invoke", INVOKE).messages[0], peer="did:example:caller")
    p.called.abandon(done)
    assert p.called.prune() == (done,)
    p.clock.now += 61  # `unused` was never launched: it expires
    assert p.called.prune() == (unused,)
    assert tuple(p.called._bindings) == (live,)
    assert set(p.called._sent.values()) == {live}
    assert set(p.caller.prune()) == {unused}  # the caller saw the expiry too; `done` is not done for it yet
    assert p.called.prune() == ()


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_max_bindings_refuses_new_binds_after_pruning(shape: str) -> None:
    p = PeerPair(shape, max_bindings=2)
    first, second = p.bind(), p.bind()
    step = p.caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), peer="did:example:called")
    third = step.events[0].binding_id  # type: ignore[union-attr]
    reply = p.called.receive(step.messages[0], peer="did:example:caller")
    report = parse_message(reply.messages[0], shape)
    assert isinstance(report, ProblemReport) and report.code == "e.p.req.too-many-bindings"
    assert reply.events[0].code == "e.p.req.too-many-bindings"  # type: ignore[union-attr]
    assert third not in p.called._bindings and len(p.called._bindings) == 2
    # the caller treats it like any refusal of a first bind
    got = p.caller.receive(reply.messages[0], peer="did:example:called")
    assert p.caller.state(third) == "done" and got.events[-1].reason == "refused"  # type: ignore[union-attr]
    # once one binding is done, the next bind prunes it and gets in
    p.called.abandon(first)
    step = p.caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface(), peer="did:example:called")
    reply = p.called.receive(step.messages[0], peer="did:example:caller")
    assert [kind(m) for m in reply.messages] == ["attach"]
    assert first not in p.called._bindings and second in p.called._bindings
    # the caller's own limit
    caller = Caller(shape=shape, max_bindings=1)
    caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface())
    with pytest.raises(UsageError, match="max_bindings"):
        caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface())
    for bad in (0, -1, True, 1.5):
        with pytest.raises(UsageError):
            Caller(max_bindings=bad)  # type: ignore[arg-type]
        with pytest.raises(UsageError):
            Called(payment_registry(), max_bindings=bad)  # type: ignore[arg-type]
    for bad in (-1, True, 1.5):
        with pytest.raises(UsageError):
            Called(payment_registry(), max_renewals=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_sent_ids_per_binding_are_capped(shape: str) -> None:
    from refdidcomm._rfc0482_machines import MAX_SENT_PER_BINDING

    p = PeerPair(shape)
    bid = p.bind()
    p.called.receive(p.caller.send_input(bid, "invoke", INVOKE).messages[0], peer="did:example:caller")
    p.called.set_state(bid, "waiting-for-commit")
    for i in range(3 * MAX_SENT_PER_BINDING):
        p.called.emit_output(bid, "preauth", {"code": str(i)})
    assert len(p.called._sent) == MAX_SENT_PER_BINDING == len(p.called._sent_by[bid])


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_rebind_renews_the_expiry_at_most_max_renewals_times(shape: str) -> None:
    p = PeerPair(shape, hold=60, max_renewals=2)
    bid = p.bind()
    deadlines = [p.called.binding(bid).expires_time]
    for _ in range(4):
        p.clock.now += 20
        p.called.receive(p.caller.detach(bid).messages[0], peer="did:example:caller")
        reply = p.called.receive(p.caller.rebind(bid).messages[0], peer="did:example:caller")
        assert [kind(m) for m in reply.messages] == ["attach"]
        p.caller.receive(reply.messages[0], peer="did:example:called")
        deadlines.append(p.called.binding(bid).expires_time)
    assert deadlines[1] > deadlines[0] and deadlines[2] > deadlines[1]  # two renewals
    assert deadlines[4] == deadlines[3] == deadlines[2]  # then no more
    assert p.called.binding(bid).renewals == 2
    p.clock.now += 21  # past the last deadline (set at +40, 60 s hold), never launched
    raw = Input(id="too-late-input", pthid=bid, interaction_point="invoke", data=INVOKE).to_message(shape)
    late = p.called.receive(raw, peer="did:example:caller")
    assert parse_message(late.messages[0], shape).code == "e.p.req.time.expired"  # type: ignore[union-attr]
