"""Coprotocol vectors (vectors/coprotocol_messages.json), the public façade and the demo."""

from __future__ import annotations

import io
import json
from typing import Any, Dict, List

import pytest

import refdidcomm.coprotocol as coprotocol
from refdidcomm import _rfc0482, _rfc0482_demo, errors
from refdidcomm.coprotocol import (
    Attach,
    Bind,
    Called,
    Detach,
    Implementation,
    Input,
    Output,
    ProblemReport,
    Registry,
    parse_interface,
    parse_message,
)

from conftest import load_vectors

VECTORS = load_vectors("coprotocol_messages")
CASES = VECTORS["cases"]


def by_kind(kind: str) -> List[Dict[str, Any]]:
    return [c for c in CASES if c["kind"] == kind]


def summary(msg: Any) -> Dict[str, Any]:
    """The language-neutral form the vectors' "expected" uses."""
    out: Dict[str, Any] = {"name": msg.name, "id": msg.id, "pthid": msg.pthid}
    if isinstance(msg, Bind):
        out.update(
            goal_code=msg.goal_code,
            co_binding_id=msg.co_binding_id,
            cast=None if msg.cast is None else [c.to_json() for c in msg.cast],
            piuri_pat=msg.piuri_pat,
            prefer=None if msg.prefer is None else [p.to_json() for p in msg.prefer],
        )
    elif isinstance(msg, Attach):
        out.update(piuri=msg.piuri, expires_time=None if msg.expires_time is None else _rfc0482.format_time(msg.expires_time))
    elif isinstance(msg, (Input, Output)):
        out.update(interaction_point=msg.interaction_point, data=msg.data)
    elif isinstance(msg, ProblemReport):
        out.update(
            code=msg.code,
            comment=msg.comment,
            args=list(msg.args),
            ack=list(msg.ack),
            impact=msg.impact,
            items=[list(i) for i in msg.items],
            text=msg.text,
        )
    else:
        assert isinstance(msg, Detach)
    return out


def test_vector_file_header_and_ids() -> None:
    header = VECTORS["header"]
    assert header["name"] == "coprotocol_messages"
    assert header["seed"] == _rfc0482_demo.DEMO_SEED
    assert [c["tcId"] for c in CASES] == list(range(1, len(CASES) + 1))
    assert {c["result"] for c in CASES} <= {"valid", "invalid"}
    kinds = {c["kind"] for c in CASES}
    assert kinds == {"message", "interface", "selection", "walkthrough", "receive"}
    messages = by_kind("message")
    assert {c["shape"] for c in messages} == {"v1", "v2"}
    assert any(c["result"] == "invalid" for c in messages) and any(c["result"] == "valid" for c in messages)


@pytest.mark.parametrize("case", by_kind("message"), ids=lambda c: f"tc{c['tcId']}")
def test_message_vectors(case: Dict[str, Any]) -> None:
    raw = case["message_utf8"] if "message_utf8" in case else case["message"]
    if case["result"] == "valid":
        assert summary(parse_message(raw, case["shape"])) == case["expected"]
        # and it survives a round trip through our builder in the same shape
        again = parse_message(parse_message(raw, case["shape"]).to_message(case["shape"]), case["shape"])
        if case["expected"]["name"] != "problem-report" or case["shape"] == "v2":
            assert summary(again)["id"] == case["expected"]["id"]
        return
    with pytest.raises(errors.MalformedMessage) as info:
        parse_message(raw, case["shape"])
    assert type(info.value).__name__ == case["error"]
    assert (info.value.field or "message") == case["field"], str(info.value)


@pytest.mark.parametrize("case", [c for c in by_kind("message") if "rfc_text_utf8" in c], ids=lambda c: f"tc{c['tcId']}")
def test_as_printed_cases_differ_from_the_rfc_only_by_comment_lines(case: Dict[str, Any]) -> None:
    kept = [line for line in case["rfc_text_utf8"].split("\n") if not line.strip().startswith("//")]
    assert case["message_utf8"] == "\n".join(kept)


def test_every_rfc0482_example_has_a_verbatim_and_a_fixed_case() -> None:
    printed = [c["comment"].split(":")[0] for c in CASES if "AsPrinted" in c["flags"]]
    fixed = [c["comment"].split(":")[0] for c in CASES if "Fixed" in c["flags"] and "V2Shape" not in c["flags"]]
    assert printed == fixed
    assert len(printed) == 7  # bind, attach, input, output, detach (§Messages); bind, attach (§Reference)


@pytest.mark.parametrize("case", by_kind("interface"), ids=lambda c: f"tc{c['tcId']}")
def test_interface_vectors(case: Dict[str, Any]) -> None:
    if case["result"] == "invalid":
        with pytest.raises(errors.UsageError):
            parse_interface(case["interface_utf8"], final=case["final"])
        return
    interface = parse_interface(case["interface_utf8"], final=case["final"])

    def points(ps: Any) -> List[Dict[str, Any]]:
        return [
            {"name": p.name, "params": [[q.name, q.type] for q in p.params], "states": list(p.states), "final": p.final}
            for p in ps
        ]

    got = {"goal": interface.goal, "roles": [{"role": r.role, "get": points(r.get), "give": points(r.give)} for r in interface.roles]}
    assert got == case["expected"]


def _registry(case: Dict[str, Any]) -> Registry:
    interface = parse_interface(case["interface_utf8"], final=("return",))
    return Registry(
        Implementation(i["piuri"], (interface,), tuple(i["roles"]), i["attributes"]) for i in case["implementations"]
    )


@pytest.mark.parametrize("case", by_kind("selection"), ids=lambda c: f"tc{c['tcId']}")
def test_selection_vectors(case: Dict[str, Any]) -> None:
    registry = _registry(case)
    bind = parse_message(case["bind"], "v1")
    assert isinstance(bind, Bind)
    assert [c.implementation.piuri for c in registry.rank(bind)] == case["expected_ranking"]
    # The called state machine answers with the best match or the no-match report.
    reply = Called(registry, shape="v1").receive(case["bind"])
    answer = parse_message(reply.messages[0], "v1")
    if case["expected_ranking"]:
        assert isinstance(answer, Attach) and answer.piuri == case["expected_ranking"][0]
    else:
        assert isinstance(answer, ProblemReport) and answer.code == case["problem_code"]


@pytest.mark.parametrize("case", by_kind("walkthrough"), ids=lambda c: f"tc{c['tcId']}-{c['shape']}")
def test_walkthrough_vectors_are_reproduced_from_the_seed(case: Dict[str, Any]) -> None:
    assert case["clock"] == _rfc0482_demo.DEMO_CLOCK and case["hold_seconds"] == _rfc0482_demo.DEMO_HOLD_SECONDS
    assert coprotocol.walkthrough(case["shape"], seed=case["seed"]) == case["transcript"]
    for entry in case["transcript"]:
        parse_message(json.dumps(entry["message"]), case["shape"])
    # The first attach carries the RFC 0482 example's expiry, 2020-06-23T18:42:07.124(Z).
    attach = case["transcript"][1]["message"]
    if case["shape"] == "v1":
        assert attach["~timing"] == {"expires_time": "2020-06-23T18:42:07.124Z"}
    else:
        assert attach["expires_time"] == 1592937727


@pytest.mark.parametrize("case", by_kind("receive"), ids=lambda c: f"tc{c['tcId']}")
def test_receive_vectors(case: Dict[str, Any]) -> None:
    shape = case["shape"]
    sides = {"called": ["called"], "caller": ["caller"], "both": ["called", "caller"]}[case["side"]]
    assert case["registry"] == "payment"
    for side in sides:
        machine = Called(coprotocol.payment_registry(), shape=shape) if side == "called" else coprotocol.Caller(shape=shape)
        for step in case["steps"]:
            raw = step["message_utf8"] if "message_utf8" in step else step["message"]
            got = machine.receive(raw)  # never raises
            kinds = [(m.get("@type") or m["type"]).rsplit("/", 1)[-1] for m in got.messages]
            assert kinds == step["reply"], (side, got)
            if "problem_code" in step:
                report = parse_message(got.messages[0], shape)
                assert isinstance(report, ProblemReport) and report.code == step["problem_code"]
            rejected = [e.code for e in got.events if isinstance(e, coprotocol.Rejected)]
            assert rejected == ([step["rejected"]] if step["rejected"] else [])


def test_regression_vectors_cover_the_review_findings() -> None:
    regression = [c for c in CASES if "Regression" in c["flags"]]
    fields = {c.get("field") for c in regression}
    assert {"description.en", "piuri_pat"} <= fields
    assert any(c["kind"] == "selection" for c in regression)
    assert any(c["kind"] == "receive" and "1" + "0" * 400 in c["steps"][-1].get("message_utf8", "") for c in regression)


def test_facade_exports_exactly_its_all() -> None:
    public = {name for name in vars(coprotocol) if not name.startswith("_")}
    assert set(coprotocol.__all__) <= public
    assert len(coprotocol.__all__) == len(set(coprotocol.__all__))
    modules = {name for name in public if isinstance(getattr(coprotocol, name), type(coprotocol))}
    assert public - set(coprotocol.__all__) - modules == {"annotations"}
    assert coprotocol.PIURI == "https://didcomm.org/coprotocol/0.5"


def test_demo_prints_the_walkthrough() -> None:
    out = io.StringIO()
    assert coprotocol.demo("both", out) == 0
    text = out.getvalue()
    assert text.count("== RFC 0482 payment walkthrough") == 2
    assert text.count("-- both sides: done") == 2
    assert "-- 6. caller -> called: bind" in text and "-- 9. called -> caller: output" in text
    assert '"co_binding_id": null' in text and '"pthid": "' in text
    out = io.StringIO()
    coprotocol.demo("v2", out)
    assert "DIDComm v2" in out.getvalue() and "DIDComm v1" not in out.getvalue()
    with pytest.raises(errors.UsageError):
        coprotocol.demo("v3", io.StringIO())
    with pytest.raises(errors.UsageError):
        _rfc0482_demo.seeded_ids(7)  # type: ignore[arg-type]
