"""RFC 0482 caller and called state machines: full runs, detach, re-attach, expiry, errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Optional, Tuple

import pytest
from coprotocol_helpers import CAST, GOAL, INVOKE, Clock

from refdidcomm._rfc0482_demo import DEMO_CLOCK, seeded_ids
from refdidcomm.coprotocol import (
    Attach,
    Attached,
    Bind,
    BindSent,
    Called,
    Caller,
    Cast,
    CoprotocolStateError,
    Detach,
    Detached,
    Done,
    Input,
    InputReceived,
    NoMatch,
    Output,
    OutputDiscarded,
    OutputReceived,
    Prefer,
    ProblemReceived,
    ProblemReport,
    Rejected,
    Step,
    parse_message,
    payment_interface,
    payment_registry,
    walkthrough,
)
from refdidcomm.errors import ProtocolError, UsageError

SHAPES = ("v1", "v2")
# RFC 0482 §Reference's prefer list.
RFC_PREFER = [Prefer("success_ratio", "d"), Prefer("last_run_date", "d"), Prefer("release_date", "d"), Prefer("running", "d")]
UTC = dt.timezone.utc


class Pair:
    """A caller and a called agent sharing one id sequence and one clock."""

    def __init__(self, shape: str, hold: Optional[float] = None, registry: Any = None) -> None:
        self.shape = shape
        self.clock = Clock()
        ids = seeded_ids(f"test {shape}")
        self.caller = Caller(shape=shape, new_id=ids, clock=self.clock)
        self.called = Called(registry or payment_registry(), shape=shape, new_id=ids, clock=self.clock, hold_seconds=hold)

    def mid(self, message: Dict[str, Any]) -> str:
        return message["@id"] if self.shape == "v1" else message["id"]

    def kind(self, message: Dict[str, Any]) -> str:
        return (message.get("@type") or message["type"]).rsplit("/", 1)[-1]

    def parse(self, message: Dict[str, Any]) -> Any:
        return parse_message(message, self.shape)

    def bind(self, **kwargs: Any) -> Tuple[str, Step]:
        args: Dict[str, Any] = {"goal_code": GOAL, "cast": CAST, "interface": payment_interface(), "piuri_pat": "*/pay*", "prefer": RFC_PREFER}
        args.update(kwargs)
        step = self.caller.bind(**args)
        return self.mid(step.messages[0]), step

    def attached(self) -> str:
        """bind -> attach, both sides attached; returns the binding id."""
        binding_id, step = self.bind()
        reply = self.called.receive(step.messages[0])
        self.caller.receive(reply.messages[0])
        return binding_id

    def launched(self) -> str:
        binding_id = self.attached()
        self.called.receive(self.caller.send_input(binding_id, "invoke", INVOKE).messages[0])
        return binding_id


def only(step: Step) -> Dict[str, Any]:
    assert len(step.messages) == 1, step
    return step.messages[0]


def problem(pair: Pair, step: Step) -> ProblemReport:
    report = pair.parse(only(step))
    assert isinstance(report, ProblemReport)
    return report


@pytest.fixture(params=SHAPES)
def pair(request: pytest.FixtureRequest) -> Pair:
    return Pair(request.param)


# -- the RFC walkthrough, step by step


@pytest.mark.parametrize("shape", SHAPES)
def test_payment_walkthrough_states_and_events(shape: str) -> None:
    p = Pair(shape, hold=3600)
    # caller: null -> detached (bind sent)
    binding_id, step = p.bind(piuri_pat="*/pay*", prefer=[Prefer("success_ratio", "d"), Prefer("last_run_date", "d")])
    assert step.events == (BindSent(binding_id, False),)
    assert p.caller.state(binding_id) == "detached"
    bind = p.parse(only(step))
    assert isinstance(bind, Bind) and bind.id == binding_id and not bind.is_rebind
    # called: null -> attached; the binding id is the bind's id
    step = p.called.receive(only(step))
    attach = p.parse(only(step))
    assert isinstance(attach, Attach) and attach.pthid == binding_id
    assert attach.piuri == "https://didcomm.org/pay-with-venmo/1.3"
    assert attach.expires_time == dt.datetime.fromtimestamp(DEMO_CLOCK + 3600, UTC).replace(
        microsecond=124000 if shape == "v1" else 0
    )
    assert step.events == (Attached(binding_id, attach.piuri, attach.expires_time, False),)
    assert p.called.state(binding_id) == "attached" and p.called.binding(binding_id).caller_attached
    assert not p.called.binding(binding_id).launched  # "NOT launched, but it is awaiting launch"
    # caller: detached -> attached
    step = p.caller.receive(only(step))
    assert step == Step((), (Attached(binding_id, attach.piuri, attach.expires_time, False),))
    assert p.caller.state(binding_id) == "attached"
    # input "invoke" launches the coprotocol
    step = p.called.receive(only(p.caller.send_input(binding_id, "invoke", INVOKE)))
    assert step == Step((), (InputReceived(binding_id, "invoke", INVOKE),))
    assert p.called.binding(binding_id).launched
    p.called.set_state(binding_id, "requested")
    p.called.set_state(binding_id, "waiting-for-commit")
    # output "preauth"
    out = only(p.called.emit_output(binding_id, "preauth", {"code": "6a884d11-13149b3c"}))
    step = p.caller.receive(out)
    assert step == Step((), (OutputReceived(binding_id, "preauth", {"code": "6a884d11-13149b3c"}),))
    # detach: caller attached -> detached; the coprotocol keeps running
    step = p.called.receive(only(p.caller.detach(binding_id)))
    assert step == Step((), (Detached(binding_id),))
    assert p.caller.state(binding_id) == "detached"
    assert p.called.state(binding_id) == "attached" and not p.called.binding(binding_id).caller_attached
    # re-bind with checks -> attach (no expiry: the binding is launched)
    step = p.caller.rebind(binding_id, goal_code=GOAL, cast=CAST, piuri_pat="*venmo*")
    assert step.events == (BindSent(binding_id, True),)
    rebind = p.parse(only(step))
    assert isinstance(rebind, Bind) and rebind.co_binding_id == binding_id and rebind.id != binding_id
    step = p.called.receive(only(step))
    reattach = p.parse(only(step))
    assert isinstance(reattach, Attach) and reattach.pthid == binding_id and reattach.expires_time is None
    assert step.events == (Attached(binding_id, attach.piuri, None, True),)
    step = p.caller.receive(only(step))
    assert step.events == (Attached(binding_id, attach.piuri, None, True),)
    assert p.caller.state(binding_id) == "attached"
    # proceed -> return (final) -> done on both sides
    p.called.receive(only(p.caller.send_input(binding_id, "proceed", {"continue": True})))
    p.called.set_state(binding_id, "finalizing")
    step = p.called.emit_output(binding_id, "return", {"confirmation_code": "txn-1"})
    assert step.events == (Done(binding_id, "completed"),)
    assert p.called.state(binding_id) == "done"
    step = p.caller.receive(only(step))
    assert step.events == (OutputReceived(binding_id, "return", {"confirmation_code": "txn-1"}), Done(binding_id, "completed"))
    assert p.caller.state(binding_id) == "done"


@pytest.mark.parametrize("shape", SHAPES)
def test_walkthrough_transcript(shape: str) -> None:
    transcript = walkthrough(shape)
    kinds = [(e["from"], (e["message"].get("@type") or e["message"]["type"]).rsplit("/", 1)[-1]) for e in transcript]
    assert kinds == [
        ("caller", "bind"),
        ("called", "attach"),
        ("caller", "input"),
        ("called", "output"),
        ("caller", "detach"),
        ("caller", "bind"),
        ("called", "attach"),
        ("caller", "input"),
        ("called", "output"),
    ]
    assert walkthrough(shape) == transcript  # deterministic
    assert walkthrough(shape, seed="other") != transcript
    for entry in transcript:
        parse_message(json.dumps(entry["message"]), shape)


# -- called side: no match


def test_no_match_answers_problem_report_and_caller_is_done(pair: Pair) -> None:
    binding_id, step = pair.bind(goal_code="aries.sell", interface=_interface_for("aries.sell"))
    reply = pair.called.receive(only(step))
    assert reply.events == (NoMatch(binding_id, "aries.sell"),)
    report = problem(pair, reply)
    assert report.code == "e.p.req.no-match" and report.pthid == binding_id
    if pair.shape == "v2":
        assert report.ack == (binding_id,) and report.args == ("aries.sell",)
    else:
        assert report.items == (("goal_code", "aries.sell"),)
    with pytest.raises(UsageError):
        pair.called.state(binding_id)  # no binding was made
    step = pair.caller.receive(only(reply))
    assert step.events[0] == ProblemReceived(binding_id, report)
    assert step.events[1:] == (Done(binding_id, "refused"),)
    assert pair.caller.state(binding_id) == "done"


def _interface_for(goal: str) -> Any:
    from refdidcomm.coprotocol import parse_interface

    return parse_interface(f"goal: {goal}\npayee:\n  get:\n    - invoke(amount: float) @ null\n")


def test_piuri_pattern_excluding_everything_is_no_match(pair: Pair) -> None:
    _, step = pair.bind(piuri_pat="*/barter*")
    assert problem(pair, pair.called.receive(only(step))).code == "e.p.req.no-match"


def test_role_nobody_implements_is_no_match(pair: Pair) -> None:
    interface = _interface_for(GOAL)
    _, step = pair.bind(cast=[Cast("payee", None), Cast("notary", "did:peer:n")], interface=interface)
    assert problem(pair, pair.called.receive(only(step))).code == "e.p.req.no-match"


# -- detach semantics


def test_after_detach_outputs_are_discarded_and_the_coprotocol_runs_to_done(pair: Pair) -> None:
    binding_id = pair.launched()
    pair.called.receive(only(pair.caller.detach(binding_id)))
    pair.called.set_state(binding_id, "waiting-for-commit")
    step = pair.called.emit_output(binding_id, "preauth", {"code": "c1"})
    assert step == Step((), (OutputDiscarded(binding_id, "preauth", {"code": "c1"}),))
    pair.called.set_state(binding_id, "finalizing")
    step = pair.called.emit_output(binding_id, "return", {"confirmation_code": "x"})
    assert step == Step((), (OutputDiscarded(binding_id, "return", {"confirmation_code": "x"}), Done(binding_id, "completed")))
    # A later re-bind learns that the binding is done; the caller closes it.
    step = pair.called.receive(only(pair.caller.rebind(binding_id)))
    report = problem(pair, step)
    assert report.code == "e.p.req.binding-done" and report.scope == "p"
    step = pair.caller.receive(only(step))
    assert step.events[-1] == Done(binding_id, "abandoned")
    assert pair.caller.state(binding_id) == "done"


def test_input_and_detach_while_detached_are_refused(pair: Pair) -> None:
    binding_id = pair.attached()
    detach = only(pair.caller.detach(binding_id))
    pair.called.receive(detach)
    with pytest.raises(UsageError):
        pair.caller.send_input(binding_id, "invoke", INVOKE)
    with pytest.raises(UsageError):
        pair.caller.detach(binding_id)
    late_input = Input(id="late-input-0001", pthid=binding_id, interaction_point="invoke", data=INVOKE)
    with pytest.raises(CoprotocolStateError) as info:
        pair.called.handle(late_input)
    assert info.value.code == "e.m.req.invalid-state" and isinstance(info.value, ProtocolError)
    report = problem(pair, pair.called.receive(late_input.to_message(pair.shape)))
    assert report.code == "e.m.req.invalid-state" and report.pthid == "late-input-0001"
    step = pair.called.receive(detach)  # the same detach again
    assert problem(pair, step).code == "e.m.req.invalid-state"
    assert pair.called.state(binding_id) == "attached"  # unharmed


# -- re-attach


@pytest.mark.parametrize(
    "checks,field",
    [
        ({"goal_code": "aries.buy.make-refund"}, "goal_code"),
        ({"cast": [Cast("payee", None), Cast("payer", "did:peer:someone-else")]}, "cast"),
        ({"cast": [Cast("payee", None)]}, "cast"),
        ({"piuri_pat": "*zelle*"}, "piuri_pat"),
    ],
)
def test_reattach_with_mismatching_field_is_refused(pair: Pair, checks: Dict[str, Any], field: str) -> None:
    binding_id = pair.launched()
    pair.called.receive(only(pair.caller.detach(binding_id)))
    step = pair.called.receive(only(pair.caller.rebind(binding_id, **checks)))
    report = problem(pair, step)
    assert report.code == "e.m.req.binding-mismatch"
    if pair.shape == "v2":
        assert report.args == (binding_id, field)
    assert isinstance(step.events[0], Rejected)
    assert not pair.called.binding(binding_id).caller_attached
    # The caller stays detached and may try again with the right properties.
    step = pair.caller.receive(only(step))
    assert isinstance(step.events[0], ProblemReceived) and len(step.events) == 1
    assert pair.caller.state(binding_id) == "detached" and pair.caller.binding(binding_id).pending is None
    reply = pair.called.receive(only(pair.caller.rebind(binding_id, goal_code=GOAL, cast=list(reversed(CAST)), piuri_pat="*venmo*")))
    assert isinstance(pair.parse(only(reply)), Attach)
    pair.caller.receive(only(reply))
    assert pair.caller.state(binding_id) == "attached"


def test_reattach_cast_compares_roles_folded(pair: Pair) -> None:
    binding_id = pair.attached()
    pair.called.receive(only(pair.caller.detach(binding_id)))
    reply = pair.called.receive(only(pair.caller.rebind(binding_id, cast=[Cast("PAYEE", None), Cast("Payer", "did:peer:abc123")])))
    assert isinstance(pair.parse(only(reply)), Attach)


def test_rebind_of_unknown_binding(pair: Pair) -> None:
    bind = Bind(id="rebind-00000001", co_binding_id="no-such-binding")
    with pytest.raises(CoprotocolStateError) as info:
        pair.called.handle(bind)
    assert info.value.code == "e.m.req.unknown-binding"
    assert problem(pair, pair.called.receive(bind.to_message(pair.shape))).code == "e.m.req.unknown-binding"


def test_rebind_while_attached_confirms_again(pair: Pair) -> None:
    binding_id = pair.attached()
    step = pair.called.handle(Bind(id="rebind-00000002", co_binding_id=binding_id))
    assert isinstance(pair.parse(only(step)), Attach)
    assert step.events[0].reattached  # type: ignore[union-attr]


def test_attach_naming_the_rebind_is_accepted(pair: Pair) -> None:
    binding_id = pair.attached()
    pair.called.receive(only(pair.caller.detach(binding_id)))
    rebind_id = pair.mid(only(pair.caller.rebind(binding_id)))
    attach = Attach(id="attach-000000099", pthid=rebind_id, piuri="https://didcomm.org/pay-with-venmo/1.3")
    step = pair.caller.handle(attach)
    assert step.events == (Attached(binding_id, attach.piuri, None, True),)


# -- caller side: out of order and invalid messages -> ProtocolError / problem-report


def test_caller_rejects_out_of_order_messages(pair: Pair) -> None:
    binding_id = pair.attached()
    piuri = "https://didcomm.org/pay-with-venmo/1.3"
    cases = [
        (Attach(id="attach-00000001", pthid=binding_id, piuri=piuri), "e.m.req.invalid-state"),  # already attached
        (Attach(id="attach-00000002", pthid="unknown-binding", piuri=piuri), "e.m.req.unknown-binding"),
        (Output(id="output-00000001", pthid="unknown-binding", interaction_point="preauth", data={"code": "c"}), "e.m.req.unknown-binding"),
        (Output(id="output-00000002", pthid=binding_id, interaction_point="invoke", data={}), "e.m.msg.unknown-interaction-point"),
        (Output(id="output-00000003", pthid=binding_id, interaction_point="preauth", data={"code": 7}), "e.m.msg.invalid-data"),
        (Bind(id="bind-0000000001", goal_code=GOAL, cast=tuple(CAST)), "e.m.req.invalid-state"),
        (Input(id="input-000000001", pthid=binding_id, interaction_point="invoke", data=INVOKE), "e.m.req.invalid-state"),
        (Detach(id="detach-00000001", pthid=binding_id), "e.m.req.invalid-state"),
    ]
    for message, code in cases:
        with pytest.raises(CoprotocolStateError) as info:
            pair.caller.handle(message)
        assert info.value.code == code, message
        step = pair.caller.receive(message.to_message(pair.shape))
        report = problem(pair, step)
        assert report.code == code and report.pthid == message.id
        assert step.events == (Rejected(message.id, code, str(info.value)),)
    assert pair.caller.state(binding_id) == "attached"


def test_caller_rejects_output_while_detached_and_attach_without_bind(pair: Pair) -> None:
    binding_id = pair.attached()
    pair.caller.detach(binding_id)
    with pytest.raises(CoprotocolStateError, match="output"):
        pair.caller.handle(Output(id="output-00000004", pthid=binding_id, interaction_point="preauth", data={"code": "c"}))
    with pytest.raises(CoprotocolStateError, match="attach"):  # detached but no bind pending
        pair.caller.handle(Attach(id="attach-00000003", pthid=binding_id, piuri="https://didcomm.org/pay-with-venmo/1.3"))


def test_caller_checks_the_attach_piuri(pair: Pair) -> None:
    binding_id, _ = pair.bind(piuri_pat="*venmo*")
    with pytest.raises(CoprotocolStateError) as info:
        pair.caller.handle(Attach(id="attach-00000004", pthid=binding_id, piuri="https://didcomm.org/pay-with-zelle/1.0"))
    assert info.value.code == "e.m.req.binding-mismatch"
    pair.caller.handle(Attach(id="attach-00000005", pthid=binding_id, piuri="https://didcomm.org/pay-with-venmo/1.3"))
    pair.caller.detach(binding_id)
    pair.caller.rebind(binding_id)
    with pytest.raises(CoprotocolStateError) as info:  # a re-attach must bind the same protocol
        pair.caller.handle(Attach(id="attach-00000006", pthid=binding_id, piuri="https://didcomm.org/pay-with-venmo/1.4"))
    assert info.value.code == "e.m.req.binding-mismatch"


def test_caller_after_done_rejects_everything(pair: Pair) -> None:
    binding_id = pair.launched()
    pair.called.set_state(binding_id, "finalizing")
    pair.caller.receive(only(pair.called.emit_output(binding_id, "return", {"confirmation_code": "x"})))
    assert pair.caller.state(binding_id) == "done"
    with pytest.raises(CoprotocolStateError):
        pair.caller.handle(Output(id="output-00000005", pthid=binding_id, interaction_point="preauth", data={"code": "c"}))
    for call in (
        lambda: pair.caller.send_input(binding_id, "proceed", {"continue": True}),
        lambda: pair.caller.detach(binding_id),
        lambda: pair.caller.rebind(binding_id),
    ):
        with pytest.raises(UsageError):
            call()


# -- called side: out of order and invalid inputs


def test_called_rejects_bad_inputs(pair: Pair) -> None:
    binding_id = pair.attached()

    def inp(n: int, point: str, data: Dict[str, Any], pthid: str = binding_id) -> Input:
        return Input(id=f"input-{n:09d}", pthid=pthid, interaction_point=point, data=data)

    cases = [
        (inp(1, "invoke", INVOKE, "unknown-binding"), "e.m.req.unknown-binding"),
        (inp(2, "preauth", {"code": "c"}), "e.m.msg.unknown-interaction-point"),  # a give point
        (inp(3, "proceed", {"continue": True}), "e.m.req.interaction-point-unavailable"),  # not open @ null
        (inp(4, "invoke", {"amount": 1.23, "currency": "INR", "bill_of_sale": {}}), "e.m.msg.invalid-data"),
        (Attach(id="attach-00000007", pthid=binding_id, piuri="https://didcomm.org/pay-with-venmo/1.3"), "e.m.req.invalid-state"),
        (Output(id="output-00000006", pthid=binding_id, interaction_point="preauth", data={"code": "c"}), "e.m.req.invalid-state"),
        (Bind(id=binding_id, goal_code=GOAL, cast=tuple(CAST)), "e.m.req.duplicate-binding"),
        (Detach(id="detach-00000002", pthid="unknown-binding"), "e.m.req.unknown-binding"),
    ]
    for message, code in cases:
        with pytest.raises(CoprotocolStateError) as info:
            pair.called.handle(message)
        assert info.value.code == code, message
        report = problem(pair, pair.called.receive(message.to_message(pair.shape)))
        assert report.code == code and report.pthid == message.id
    assert not pair.called.binding(binding_id).launched
    # The RFC 0478 state gates interaction points: proceed opens once the coprotocol is "requested".
    pair.called.receive(only(pair.caller.send_input(binding_id, "invoke", INVOKE)))
    pair.called.set_state(binding_id, "Requested")
    assert pair.called.handle(inp(5, "proceed", {"continue": False})).events[0] == InputReceived(binding_id, "proceed", {"continue": False})


def test_called_after_done(pair: Pair) -> None:
    binding_id = pair.launched()
    pair.called.abandon(binding_id, "e.p.me.res.money")
    with pytest.raises(CoprotocolStateError) as info:
        pair.called.handle(Input(id="input-000000009", pthid=binding_id, interaction_point="invoke", data=INVOKE))
    assert info.value.code == "e.p.req.binding-done"
    with pytest.raises(CoprotocolStateError):
        pair.called.handle(Detach(id="detach-00000003", pthid=binding_id))
    for call in (
        lambda: pair.called.set_state(binding_id, "x"),
        lambda: pair.called.emit_output(binding_id, "preauth", {"code": "c"}),
        lambda: pair.called.abandon(binding_id),
    ):
        with pytest.raises(UsageError):
            call()


# -- receive() never raises for peer input


def test_malformed_message_gets_a_problem_report_naming_the_field(pair: Pair) -> None:
    binding_id = pair.attached()
    good = Input(id="input-000000010", pthid=binding_id, interaction_point="invoke", data=INVOKE).to_message(pair.shape)
    bad = json.loads(json.dumps(good))
    (bad if pair.shape == "v1" else bad["body"])["data"] = [{"amount": 1.23}]
    step = pair.called.receive(bad)
    report = problem(pair, step)
    assert report.code == "e.m.msg.malformed" and report.pthid == "input-000000010"
    field = "data" if pair.shape == "v1" else "body.data"
    if pair.shape == "v2":
        assert report.args[0] == field and report.ack == ("input-000000010",)
    else:
        assert report.items[0] == ("field", field)
    assert isinstance(step.events[0], Rejected) and step.events[0].code == "e.m.msg.malformed"


def test_version_1_0_messages_get_version_not_supported(pair: Pair) -> None:
    _, step = pair.bind()
    bind = only(step)
    bind["@type" if pair.shape == "v1" else "type"] = "https://didcomm.org/coprotocol/1.0/bind"
    report = problem(pair, pair.called.receive(bind))
    assert report.code == "e.m.msg.version-not-supported"
    if pair.shape == "v2":
        assert report.args == ("1.0", "0.5")


@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe", "[1, 2]", '{"@id": 5, "id": 5}'])
def test_unaddressable_messages_are_dropped_with_an_event(pair: Pair, raw: Any) -> None:
    step = pair.called.receive(raw)
    assert step.messages == ()
    assert isinstance(step.events[0], Rejected) and step.events[0].message_id is None


def test_thid_is_used_as_the_reports_pthid(pair: Pair) -> None:
    binding_id = pair.attached()
    msg = Detach(id="detach-00000004", pthid=binding_id).to_message(pair.shape)
    if pair.shape == "v1":
        msg["~thread"]["thid"] = "some-thread-0001"
    else:
        msg["thid"] = "some-thread-0001"
    report = problem(pair, pair.called.receive(msg))  # thid is not allowed here: malformed
    assert report.code == "e.m.msg.malformed" and report.pthid == "some-thread-0001"


def test_problem_reports_are_never_answered(pair: Pair) -> None:
    binding_id = pair.attached()
    unknown = ProblemReport.for_code("report-00000001", "nobody-00000001", "e.m.msg.malformed", ("x", "y"))
    with pytest.raises(CoprotocolStateError):
        pair.called.handle(unknown)
    for endpoint in (pair.called, pair.caller):
        step = endpoint.receive(unknown.to_message(pair.shape))
        assert step.messages == () and step.events[0].code == "e.m.req.unknown-binding"  # type: ignore[union-attr]
    broken = unknown.to_message(pair.shape)
    if pair.shape == "v1":
        del broken["description"]
    else:
        del broken["body"]["code"]
    for endpoint in (pair.called, pair.caller):
        step = endpoint.receive(broken)
        assert step.messages == () and isinstance(step.events[0], Rejected)
    assert pair.called.state(binding_id) == "attached"


@pytest.mark.parametrize(
    "code,abandons",
    [("e.p.me", True), ("e.m.msg.invalid-data", False), ("w.p.req.maybe", False), ("e.get-details.failed", True)],
)
def test_problem_reports_from_the_caller(pair: Pair, code: str, abandons: bool) -> None:
    binding_id = pair.launched()
    pair.called.set_state(binding_id, "waiting-for-commit")
    out = pair.parse(only(pair.called.emit_output(binding_id, "preauth", {"code": "c"})))
    report = ProblemReport.for_code("report-00000002", out.id, code)  # about our output
    step = pair.called.receive(report.to_message(pair.shape))
    assert step.messages == ()
    assert isinstance(step.events[0], ProblemReceived) and step.events[0].binding_id == binding_id
    assert (pair.called.state(binding_id) == "done") is abandons
    assert (Done(binding_id, "abandoned") in step.events) is abandons


@pytest.mark.parametrize("code,abandons", [("e.p.me.res.compute", True), ("e.m.req.invalid-state", False), ("w.p.anything", False)])
def test_problem_reports_from_the_called(pair: Pair, code: str, abandons: bool) -> None:
    binding_id = pair.attached()
    input_id = pair.mid(only(pair.caller.send_input(binding_id, "invoke", INVOKE)))
    report = ProblemReport.for_code("report-00000003", input_id, code)
    step = pair.caller.receive(report.to_message(pair.shape))
    assert step.events[0] == ProblemReceived(binding_id, pair.parse(report.to_message(pair.shape)))
    assert (pair.caller.state(binding_id) == "done") is abandons


def test_unstructured_v1_code_uses_impact() -> None:
    p = Pair("v1")
    binding_id = p.attached()
    base = {"@id": "report-00000004", "@type": "https://didcomm.org/coprotocol/0.5/problem-report", "~thread": {"pthid": binding_id}}
    step = p.caller.receive(dict(base, description={"code": "cant-find-route"}, impact="message"))
    assert p.caller.state(binding_id) == "attached" and isinstance(step.events[0], ProblemReceived)
    p.caller.receive(dict(base, description={"code": "cant-find-route"}))
    assert p.caller.state(binding_id) == "done"


def test_host_abandon(pair: Pair) -> None:
    binding_id = pair.launched()
    with pytest.raises(UsageError):
        pair.called.abandon(binding_id, "e.m.msg.malformed")
    with pytest.raises(UsageError):
        pair.called.abandon(binding_id, "w.p.x")
    step = pair.called.abandon(binding_id, "e.p.me.res.money")
    assert step.events == (Done(binding_id, "abandoned"),)
    report = problem(pair, step)
    assert report.pthid == binding_id and report.code == "e.p.me.res.money"
    assert pair.caller.receive(only(step)).events[-1] == Done(binding_id, "abandoned")
    # Abandoning while the caller is detached sends nothing.
    other = pair.launched()
    pair.called.receive(only(pair.caller.detach(other)))
    assert pair.called.abandon(other) == Step((), (Done(other, "abandoned"),))


# -- expiry (~timing.expires_time / v2 expires_time)


@pytest.mark.parametrize("shape", SHAPES)
def test_unused_binding_expires_on_both_sides(shape: str) -> None:
    p = Pair(shape, hold=60)
    binding_id = p.attached()
    expires = p.caller.binding(binding_id).expires_time
    assert expires == p.called.binding(binding_id).expires_time is not None
    p.clock.now = expires.timestamp()  # type: ignore[union-attr]
    assert p.called.poll() == Step((), ()) and p.caller.poll() == Step((), ())  # not yet: expired is "after"
    p.clock.now += 0.001
    assert p.called.poll() == Step((), (Done(binding_id, "expired"),))
    assert p.called.poll() == Step((), ())
    assert p.called.state(binding_id) == "done"
    late = Input(id="input-000000011", pthid=binding_id, interaction_point="invoke", data=INVOKE)
    step = p.called.receive(late.to_message(shape))
    report = problem(p, step)
    assert report.code == "e.p.req.time.expired" and report.scope == "p"
    with pytest.raises(UsageError, match="expired"):
        p.caller.send_input(binding_id, "invoke", INVOKE)
    assert p.caller.state(binding_id) == "done"
    assert p.caller.poll() == Step((), ())


def test_expiry_checked_lazily_on_receive() -> None:
    p = Pair("v2", hold=60)
    binding_id = p.attached()
    detach = Detach(id="detach-00000005", pthid=binding_id).to_message("v2")
    p.clock.now += 61
    step = p.called.receive(detach)
    assert problem(p, step).code == "e.p.req.time.expired"
    assert step.events == (Done(binding_id, "expired"),)
    assert p.caller.poll() == Step((), (Done(binding_id, "expired"),))


def test_expiry_ends_at_launch_and_caller_rebind_checks_it() -> None:
    p = Pair("v1", hold=60)
    launched = p.launched()
    p.clock.now += 3600
    assert p.called.poll() == Step((), ()) and p.caller.poll() == Step((), ())
    assert p.called.state(launched) == "attached"
    unused = p.attached()
    p.caller.detach(unused)
    p.clock.now += 61
    with pytest.raises(UsageError, match="expired"):
        p.caller.rebind(unused)
    assert p.caller.state(unused) == "done"


def test_reattach_of_unlaunched_binding_gets_a_new_deadline() -> None:
    p = Pair("v2", hold=60)
    binding_id = p.attached()
    p.called.receive(only(p.caller.detach(binding_id)))
    p.clock.now += 30
    reply = p.called.receive(only(p.caller.rebind(binding_id)))
    attach = p.parse(only(reply))
    assert attach.expires_time == dt.datetime.fromtimestamp(int(DEMO_CLOCK + 30 + 60), UTC)
    p.caller.receive(only(reply))
    p.clock.now += 45  # past the first deadline, before the second
    assert p.called.poll() == Step((), ()) and p.caller.poll() == Step((), ())


def test_deadline_precision_per_shape() -> None:
    v1, v2 = Pair("v1", hold=0.5), Pair("v2", hold=0.5)
    b1, b2 = v1.attached(), v2.attached()
    assert v1.called.binding(b1).expires_time == dt.datetime(2020, 6, 23, 17, 42, 7, 624000, tzinfo=UTC)
    assert v2.called.binding(b2).expires_time == dt.datetime(2020, 6, 23, 17, 42, 7, tzinfo=UTC)  # rounded down


def test_no_expiry_without_hold(pair: Pair) -> None:
    binding_id = pair.attached()
    assert pair.called.binding(binding_id).expires_time is None
    pair.clock.now += 10**6
    assert pair.called.poll() == Step((), ())


# -- host mistakes


def test_caller_host_mistakes(pair: Pair) -> None:
    interface = payment_interface()
    with pytest.raises(UsageError, match="goal"):
        pair.caller.bind(goal_code="aries.sell", cast=CAST, interface=interface)
    with pytest.raises(UsageError, match="role"):
        pair.caller.bind(goal_code=GOAL, cast=[Cast("payer", None)], interface=interface)
    with pytest.raises(UsageError):
        pair.caller.bind(goal_code=GOAL, cast=CAST, interface="payment")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        pair.caller.bind(goal_code=GOAL, cast=[], interface=interface)
    binding_id, _ = pair.bind()
    with pytest.raises(UsageError):
        pair.caller.send_input(binding_id, "invoke", INVOKE)  # not attached yet
    with pytest.raises(UsageError):
        pair.caller.rebind(binding_id)  # a bind is pending
    with pytest.raises(UsageError):
        pair.caller.state("nope")
    with pytest.raises(UsageError):
        pair.caller.binding(["unhashable"])  # type: ignore[arg-type]
    attached = pair.attached()
    with pytest.raises(UsageError, match="gets no input"):
        pair.caller.send_input(attached, "preauth", {"code": "c"})
    with pytest.raises(UsageError, match="amount"):
        pair.caller.send_input(attached, "invoke", {"currency": "INR", "bill_of_sale": "x"})
    with pytest.raises(UsageError):
        pair.caller.rebind(attached)  # attached, not detached
    with pytest.raises(UsageError):
        pair.caller.receive(42)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        pair.caller.handle("bind")  # type: ignore[arg-type]


def test_called_host_mistakes(pair: Pair) -> None:
    binding_id = pair.attached()
    with pytest.raises(UsageError, match="gives no output"):
        pair.called.emit_output(binding_id, "invoke", {})
    with pytest.raises(UsageError, match="not open"):
        pair.called.emit_output(binding_id, "preauth", {"code": "c"})  # coprotocol state is null
    pair.called.set_state(binding_id, "waiting-for-commit")
    with pytest.raises(UsageError, match="code"):
        pair.called.emit_output(binding_id, "preauth", {"code": 1})
    with pytest.raises(UsageError):
        pair.called.set_state(binding_id, "")
    with pytest.raises(UsageError):
        pair.called.set_state("nope", "requested")
    with pytest.raises(UsageError):
        pair.called.handle(None)  # type: ignore[arg-type]


def test_constructors_check_their_arguments() -> None:
    registry = payment_registry()
    with pytest.raises(UsageError):
        Called("registry", shape="v1")  # type: ignore[arg-type]
    for hold in (0, -1, True, "60"):
        with pytest.raises(UsageError):
            Called(registry, hold_seconds=hold)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Caller(shape="v3")


def test_ids_are_injected_and_checked() -> None:
    caller = Caller(shape="v1", new_id=lambda: "short")
    with pytest.raises(UsageError, match="RFC 0008"):
        caller.bind(goal_code=GOAL, cast=CAST, interface=payment_interface())
    assert Caller(shape="v2", new_id=lambda: "short").bind(goal_code=GOAL, cast=CAST, interface=payment_interface()).messages[0]["id"] == "short"
    default = Caller(shape="v1").bind(goal_code=GOAL, cast=CAST, interface=payment_interface())
    assert len(default.messages[0]["@id"]) == 36  # uuid4
    step = Called(payment_registry()).receive(default.messages[0])  # shape v2 by default: a v1 bind is malformed
    assert step.messages == () and step.events[0].code == "e.m.msg.malformed"  # type: ignore[union-attr]


def test_snapshots_are_copies(pair: Pair) -> None:
    binding_id = pair.attached()
    snapshot = pair.caller.binding(binding_id)
    snapshot.state = "done"
    assert pair.caller.state(binding_id) == "attached"
    called = pair.called.binding(binding_id)
    called.caller_attached = False
    assert pair.called.binding(binding_id).caller_attached
    assert called.piuri == "https://didcomm.org/pay-with-venmo/1.3"


def test_rebind_after_expiry_is_told_so() -> None:
    p = Pair("v1", hold=60)
    binding_id = p.attached()
    p.clock.now += 61
    step = p.called.handle(Bind(id="rebind-00000003", co_binding_id=binding_id))
    report = problem(p, step)
    assert report.code == "e.p.req.time.expired" and report.pthid == "rebind-00000003"
    assert report.comment is not None and "2020-06-23T17:43:07.124Z" in report.comment
    assert step.events == (Done(binding_id, "expired"),)
    # Asked again, the answer is the same (no second Done).
    again = p.called.handle(Bind(id="rebind-00000004", co_binding_id=binding_id))
    assert problem(p, again).code == "e.p.req.time.expired" and again.events == ()


def test_unusable_thid_falls_back_to_the_id(pair: Pair) -> None:
    binding_id = pair.attached()
    msg = Detach(id="detach-00000006", pthid=binding_id).to_message(pair.shape)
    if pair.shape == "v1":
        msg["~thread"]["thid"] = "bad thid"
    else:
        msg["thid"] = ""
    report = problem(pair, pair.called.receive(msg))
    assert report.code == "e.m.msg.malformed" and report.pthid == "detach-00000006"
