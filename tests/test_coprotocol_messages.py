"""RFC 0482 messages: builders and the validating parser, DIDComm v1 and v2 shapes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any, Callable, Dict

import pytest

from refdidcomm import _rfc0482 as m
from refdidcomm.coprotocol import (
    PIURI,
    Attach,
    Bind,
    Cast,
    Detach,
    Input,
    Output,
    Prefer,
    ProblemReport,
    UnsupportedVersion,
    parse_message,
)
from refdidcomm.errors import MalformedMessage, UsageError

BIND_ID = "4d116a88-1314-4af5-9b3c-848456b8b3dd"
UTC = dt.timezone.utc
SHAPES = ("v1", "v2")

CAST = (Cast("payee", None), Cast("payer", "did:peer:abc123"))
PREFER = (Prefer("success_ratio", "d"), Prefer("running", "a"))


def samples() -> Dict[str, Any]:
    return {
        "bind": Bind(id=BIND_ID, goal_code="aries.buy.make-payment", cast=CAST, piuri_pat="*/pay*", prefer=PREFER),
        "rebind": Bind(id="6f2b1c4e-0000-4000-8000-000000000001", co_binding_id=BIND_ID),
        "bind-parent": Bind(id=BIND_ID, goal_code="g", cast=CAST, pthid="98fd8d72-80f6-4419-abc2-c65ea39d0f38"),
        "attach": Attach(
            id="b3dd4d11-6a88-9b3c-4af5-848456b81314",
            pthid=BIND_ID,
            piuri="https://didcomm.org/pay-with-venmo/1.3",
            expires_time=dt.datetime(2020, 6, 23, 18, 42, 7, tzinfo=UTC),
        ),
        "attach-plain": Attach(id="b3dd4d11-6a88-9b3c-4af5-848456b81314", pthid=BIND_ID, piuri="https://didcomm.org/pay-with-venmo/1.3"),
        "input": Input(
            id="56b81314-6a88-9b3c-4af5-b3dd4d118484",
            pthid=BIND_ID,
            interaction_point="invoke",
            data={"amount": 1.23, "currency": "INR", "bill_of_sale": {"item": "chai"}},
        ),
        "output": Output(id="9b3c56b8-6a88-f513-4a14-4d118484b3dd", pthid=BIND_ID, interaction_point="preauth", data={"code": "6a884d11-13149b3c"}),
        "output-empty": Output(id="9b3c56b8-6a88-f513-4a14-4d118484b3dd", pthid=BIND_ID, interaction_point="ping", data={}),
        "detach": Detach(id="7a3c56b8-5b88-d413-4a14-ca118484b3ee", pthid=BIND_ID),
        "problem": ProblemReport.for_code(
            "7c9de639-c51c-4d60-ab95-103fa613c805", BIND_ID, "e.m.msg.malformed", ("cast", "bad"), ack=(BIND_ID,)
        ),
    }


# -- round trips


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(samples()))
def test_round_trip_dict_text_and_bytes(shape: str, name: str) -> None:
    msg = samples()[name]
    obj = msg.to_message(shape)
    parsed = parse_message(obj, shape)
    text = json.dumps(obj)
    assert parse_message(text, shape) == parse_message(text.encode(), shape) == parsed
    if name == "problem":
        assert parsed.code == msg.code and parsed.pthid == msg.pthid
        if shape == "v2":
            assert parsed == msg.__class__(**{**msg.__dict__, "impact": None})
        else:
            assert parsed.comment == "Message is not well formed: cast: bad."
            assert parsed.items == (("field", "cast"), ("reason", "bad"))
            assert parsed.impact == "message"
    else:
        assert parsed == msg
        assert type(parsed) is type(msg)


def test_v1_layout_of_bind_matches_the_rfc_tutorial() -> None:
    # RFC 0482 §Messages, first example (with our 0.5 type, D1).
    obj = Bind(id=BIND_ID, goal_code="aries.buy.make-payment", cast=CAST).to_message("v1")
    assert obj == {
        "@id": BIND_ID,
        "@type": "https://didcomm.org/coprotocol/0.5/bind",
        "goal_code": "aries.buy.make-payment",
        "co_binding_id": None,
        "cast": [{"role": "payee", "id": None}, {"role": "payer", "id": "did:peer:abc123"}],
    }
    assert list(obj) == ["@id", "@type", "goal_code", "co_binding_id", "cast"]


def test_v2_layout_puts_fields_in_body_and_threading_in_headers() -> None:
    s = samples()
    assert s["attach"].to_message("v2") == {
        "id": "b3dd4d11-6a88-9b3c-4af5-848456b81314",
        "type": "https://didcomm.org/coprotocol/0.5/attach",
        "pthid": BIND_ID,
        "expires_time": 1592937727,
        "body": {"piuri": "https://didcomm.org/pay-with-venmo/1.3"},
    }
    assert s["detach"].to_message("v2")["body"] == {}
    assert s["bind-parent"].to_message("v2")["pthid"] == "98fd8d72-80f6-4419-abc2-c65ea39d0f38"
    pr = s["problem"].to_message("v2")
    assert pr["type"] == "https://didcomm.org/report-problem/2.0/problem-report"
    assert pr["ack"] == [BIND_ID]
    assert pr["body"] == {"code": "e.m.msg.malformed", "comment": "Message is not well formed: {1}: {2}.", "args": ["cast", "bad"]}


def test_v1_attach_uses_the_rfc0032_timing_decorator_object() -> None:
    obj = Attach(
        id="b3dd4d11-6a88-9b3c-4af5-848456b81314",
        pthid=BIND_ID,
        piuri="https://didcomm.org/pay-with-venmo/1.3",
        expires_time=dt.datetime(2020, 6, 23, 18, 42, 7, 124000, tzinfo=UTC),
    ).to_message("v1")
    assert obj["~timing"] == {"expires_time": "2020-06-23T18:42:07.124Z"}
    assert obj["~thread"] == {"pthid": BIND_ID}
    assert "~timing.expires_time" not in obj


def test_v1_problem_report_has_rfc0035_fields_under_the_adopted_type() -> None:
    obj = samples()["problem"].to_message("v1")
    assert obj["@type"] == "https://didcomm.org/coprotocol/0.5/problem-report"
    assert obj["~thread"] == {"pthid": BIND_ID}
    assert obj["description"] == {"en": "Message is not well formed: cast: bad.", "code": "e.m.msg.malformed"}
    assert obj["problem_items"] == [{"field": "cast"}, {"reason": "bad"}]
    assert obj["impact"] == "message"
    assert "ack" not in obj


def test_problem_report_scope_and_sorter() -> None:
    def pr(code: str, impact: Any = None) -> ProblemReport:
        return ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code=code, impact=impact)

    assert (pr("e.p.req.no-match").sorter, pr("e.p.req.no-match").scope) == ("e", "p")
    assert (pr("w.m.msg.x").sorter, pr("w.m.msg.x").scope) == ("w", "m")
    assert pr("e.get-pay-details.payment-failed").scope == "p"  # a state name: the sender reverted
    assert pr("version-not-supported").sorter is None
    assert pr("version-not-supported").scope == "p"  # unstructured, no impact: pessimistic
    assert pr("cant-find-route", "message").scope == "m"
    assert pr("cant-find-route", "thread").scope == "p"
    assert ProblemReport.for_code("7c9de639-c51c", BIND_ID, "e.p.req.no-match", ("g",)).impact == "thread"
    assert ProblemReport.for_code("7c9de639-c51c", BIND_ID, "e.p.custom-thing").comment is None


def test_message_names_compare_ignoring_case_and_punctuation() -> None:
    # RFC 0003 uris.md: "compare the protocol name and message type name ignoring case and punctuation".
    obj = samples()["detach"].to_message("v1")
    obj["@type"] = "https://didcomm.org/Co-Protocol/0.5/DETACH"
    assert isinstance(parse_message(obj, "v1"), Detach)
    obj = samples()["problem"].to_message("v1")
    obj["@type"] = "https://didcomm.org/coprotocol/0.5/problem_report"
    assert isinstance(parse_message(obj, "v1"), ProblemReport)


def test_patch_versions_are_not_message_types_and_later_v2_minor_is_accepted() -> None:
    # RFC 0020: "Semantic Versioning 2.0.0, excluding patch version number"
    # (RFC 0003 semver.md would accept a patch part; refdidcomm._message_type follows RFC 0020).
    obj = samples()["detach"].to_message("v1")
    obj["@type"] = "https://didcomm.org/coprotocol/0.5.7/detach"
    with pytest.raises(MalformedMessage) as info:
        parse_message(obj, "v1")
    assert info.value.field == "@type" and not isinstance(info.value, UnsupportedVersion)
    obj = samples()["problem"].to_message("v2")
    obj["type"] = "https://didcomm.org/report-problem/2.1/problem-report"
    assert isinstance(parse_message(obj, "v2"), ProblemReport)


def test_legacy_did_sov_prefix_is_accepted() -> None:
    # RFC 0348 moved core protocols from did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/ to
    # https://didcomm.org/ and asks agents to accept both.
    obj = samples()["detach"].to_message("v1")
    obj["@type"] = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/coprotocol/0.5/detach"
    assert parse_message(obj, "v1") == samples()["detach"]


@pytest.mark.parametrize("version", ["1.0", "0.6", "0.4", "2.0"])
@pytest.mark.parametrize("shape", SHAPES)
def test_other_versions_are_unsupported(shape: str, version: str) -> None:
    obj = samples()["bind"].to_message(shape)
    obj["@type" if shape == "v1" else "type"] = f"https://didcomm.org/coprotocol/{version}/bind"
    with pytest.raises(UnsupportedVersion) as info:
        parse_message(obj, shape)
    assert info.value.version == version
    assert info.value.field == ("@type" if shape == "v1" else "type")
    assert isinstance(info.value, MalformedMessage)


def test_v2_problem_report_major_3_is_unsupported() -> None:
    obj = samples()["problem"].to_message("v2")
    obj["type"] = "https://didcomm.org/report-problem/3.0/problem-report"
    with pytest.raises(UnsupportedVersion):
        parse_message(obj, "v2")


def test_ids_boundaries_v1() -> None:
    detach = samples()["detach"].to_message("v1")
    for good in ("a" * 8, "a" * 64, "A-_./09z"):
        obj = dict(detach, **{"@id": good})
        assert parse_message(obj, "v1").id == good
    for bad in ("a" * 7, "a" * 65, "abc def gh", "abcdefg+", "", 12345678):
        obj = dict(detach, **{"@id": bad})
        with pytest.raises(MalformedMessage) as info:
            parse_message(obj, "v1")
        assert info.value.field == "@id"


def test_v2_ids_only_need_to_be_non_empty() -> None:
    obj = samples()["detach"].to_message("v2")
    obj["id"] = "x"
    obj["pthid"] = "y"
    assert parse_message(obj, "v2") == Detach(id="x", pthid="y")


# -- negative parser cases: every check


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    def mutate(obj: Dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = obj
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _del(path: str) -> Callable[[Dict[str, Any]], None]:
    def mutate(obj: Dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = obj
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        del target[last]

    return mutate


# (sample, shape, mutation, expected field)
BAD = [
    # envelope, v1
    ("detach", "v1", _del("@type"), "@type"),
    ("detach", "v1", _set("@type", 5), "@type"),
    ("detach", "v1", _del("@id"), "@id"),
    ("detach", "v1", _set("~thread", "x"), "~thread"),
    ("detach", "v1", _set("~thread/pthid", "short"), "~thread.pthid"),
    ("detach", "v1", _set("~thread/thid", "short"), "~thread.thid"),
    ("detach", "v1", _set("~thread/thid", "98fd8d72-80f6-4419-abc2-c65ea39d0f38"), "~thread.thid"),
    ("detach", "v1", _set("~thread/sender_order", -1), "~thread.sender_order"),
    ("detach", "v1", _set("~thread/sender_order", True), "~thread.sender_order"),
    ("detach", "v1", _set("~thread/received_orders", []), "~thread.received_orders"),
    ("detach", "v1", _del("~thread"), "~thread.pthid"),
    ("attach", "v1", _set("~timing", "soon"), "~timing"),
    ("attach", "v1", _set("~timing/expires_time", "23 June 2020"), "~timing.expires_time"),
    ("attach", "v1", _set("~timing/expires_time", "2020-02-30T10:00Z"), "~timing.expires_time"),
    ("attach", "v1", _set("~timing/expires_time", "2020-06-23T18:42+24:00"), "~timing.expires_time"),
    ("attach", "v1", _set("~timing/expires_time", 1592937727), "~timing.expires_time"),
    ("attach", "v1", _set("~timing.expires_time", "2020-06-23T18:42:07.124"), "~timing.expires_time"),
    ("detach", "v1", _set("~timing", {"expires_time": "2020-06-23T18:42Z"}), "~timing.expires_time"),
    # envelope, v2
    ("detach", "v2", _del("type"), "type"),
    ("detach", "v2", _set("type", None), "type"),
    ("detach", "v2", _set("id", ""), "id"),
    ("detach", "v2", _set("thid", "98fd8d72"), "thid"),
    ("detach", "v2", _set("pthid", ""), "pthid"),
    ("detach", "v2", _del("pthid"), "pthid"),
    ("detach", "v2", _del("body"), "body"),
    ("detach", "v2", _set("body", []), "body"),
    ("attach", "v2", _set("expires_time", -1), "expires_time"),
    ("attach", "v2", _set("expires_time", True), "expires_time"),
    ("attach", "v2", _set("expires_time", "1592937727"), "expires_time"),
    ("attach", "v2", _set("expires_time", 10**20), "expires_time"),
    ("detach", "v2", _set("expires_time", 1592937727), "expires_time"),
    # message types
    ("detach", "v1", _set("@type", "detach"), "@type"),
    ("detach", "v1", _set("@type", "did:example:123;spec/coprotocol/0.5/detach"), "@type"),
    ("detach", "v1", _set("@type", "https://didcomm.org/coprotocols/0.5/detach"), "@type"),
    ("detach", "v1", _set("@type", "https://didcomm.org/coprotocol/0.5/unbind"), "@type"),
    ("detach", "v2", _set("type", "https://didcomm.org/coprotocol/0.5/problem-report"), "type"),
    ("detach", "v2", _set("type", "https://didcomm.org/report-problem/2.0/ack"), "type"),
    # attach
    ("attach", "v1", _del("piuri"), "piuri"),
    ("attach", "v1", _set("piuri", "pay-with-venmo"), "piuri"),
    ("attach", "v2", _set("body/piuri", "https://didcomm.org/pay-with-venmo/latest"), "body.piuri"),
    ("attach", "v2", _set("body/piuri", 13), "body.piuri"),
    # input / output
    ("input", "v1", _del("interaction_point"), "interaction_point"),
    ("input", "v1", _set("interaction_point", ""), "interaction_point"),
    ("input", "v2", _del("body/data"), "body.data"),
    ("input", "v2", _set("body/data", [{"amount": 1.23}]), "body.data"),
    ("output", "v1", _set("data", "6a884d11"), "data"),
    ("output", "v1", _set("data", {"": 1}), "data"),
    # bind
    ("bind", "v1", _set("~thread", {"thid": "98fd8d72-80f6-4419-abc2-c65ea39d0f38"}), "~thread.thid"),
    ("bind", "v1", _del("goal_code"), "goal_code"),
    ("bind", "v1", _set("goal_code", ""), "goal_code"),
    ("bind", "v2", _del("body/cast"), "body.cast"),
    ("bind", "v2", _set("body/cast", {"role": "payee", "id": None}), "body.cast"),
    ("bind", "v2", _set("body/cast", []), "body.cast"),
    ("bind", "v2", _set("body/cast/0", "payee"), "body.cast[0]"),
    ("bind", "v2", _del("body/cast/0/role"), "body.cast[0].role"),
    ("bind", "v2", _set("body/cast/0/role", ""), "body.cast[0].role"),
    ("bind", "v2", _del("body/cast/1/id"), "body.cast[1].id"),
    ("bind", "v2", _set("body/cast/1/id", ""), "body.cast[1].id"),
    ("bind", "v2", _set("body/cast/1/id", None), "body.cast"),
    ("bind", "v2", _set("body/cast/0/id", "did:peer:xyz"), "body.cast"),
    ("bind", "v1", _set("cast", [{"role": "payee", "id": None}, {"role": "Payee", "id": None}]), "cast"),
    ("bind", "v1", _set("cast", [{"role": "payee", "id": None}, {"role": "payer", "id": "d"}, {"role": "PAYER", "id": "d"}]), "cast"),
    ("bind", "v1", _set("co_binding_id", "short"), "co_binding_id"),
    ("bind", "v1", _set("co_binding_id", 42), "co_binding_id"),
    ("bind", "v1", _set("piuri_pat", ""), "piuri_pat"),
    ("bind", "v1", _set("prefer", {"attribute": "x", "direction": "d"}), "prefer"),
    ("bind", "v1", _set("prefer/0", "success_ratio"), "prefer[0]"),
    ("bind", "v1", _del("prefer/0/attribute"), "prefer[0].attribute"),
    ("bind", "v1", _set("prefer/1/direction", "desc"), "prefer[1].direction"),
    ("bind", "v2", _set("body/prefer/1/direction", None), "body.prefer[1].direction"),
    # problem reports, v1
    ("problem", "v1", _del("~thread"), "~thread.pthid"),
    ("problem", "v1", _del("description"), "description"),
    ("problem", "v1", _set("description", "oops"), "description"),
    ("problem", "v1", _del("description/code"), "description.code"),
    ("problem", "v1", _set("description/en", 5), "description.en"),
    ("problem", "v1", _set("problem_items", {"field": "cast"}), "problem_items"),
    ("problem", "v1", _set("problem_items/0", {"field": "cast", "more": 1}), "problem_items[0]"),
    ("problem", "v1", _set("problem_items/0", {"field": ["cast"]}), "problem_items[0]"),
    ("problem", "v1", _set("impact", "msg"), "impact"),
    # problem reports, v2
    ("problem", "v2", _del("pthid"), "pthid"),
    ("problem", "v2", _set("body/code", "E.P.bad"), "body.code"),
    ("problem", "v2", _set("body/code", "x.p.bad"), "body.code"),
    ("problem", "v2", _set("body/code", "e"), "body.code"),
    ("problem", "v2", _del("body/code"), "body.code"),
    ("problem", "v2", _set("body/comment", ""), "body.comment"),
    ("problem", "v2", _set("body/args", "cast"), "body.args"),
    ("problem", "v2", _set("body/args", [{"f": 1}]), "body.args"),
    ("problem", "v2", _set("body/escalate_to", ""), "body.escalate_to"),
    ("problem", "v2", _set("ack", "7c9de639"), "ack"),
    ("problem", "v2", _set("ack", [""]), "ack"),
]


@pytest.mark.parametrize("sample,shape,mutate,field", BAD, ids=[f"{s}-{sh}-{f}-{i}" for i, (s, sh, _, f) in enumerate(BAD)])
def test_parser_rejects_with_the_field_named(sample: str, shape: str, mutate: Callable, field: str) -> None:
    obj = copy.deepcopy(samples()[sample].to_message(shape))
    parse_message(copy.deepcopy(obj), shape)  # the unmutated sample is valid
    mutate(obj)
    with pytest.raises(MalformedMessage) as info:
        parse_message(obj, shape)
    assert info.value.field == field, str(info.value)


@pytest.mark.parametrize("shape", SHAPES)
def test_first_bind_needs_goal_and_cast_but_rebind_does_not(shape: str) -> None:
    rebind = samples()["rebind"].to_message(shape)
    parsed = parse_message(rebind, shape)
    assert parsed.is_rebind and parsed.goal_code is None and parsed.cast is None
    first = copy.deepcopy(rebind)
    fields = first if shape == "v1" else first["body"]
    fields["co_binding_id"] = None
    with pytest.raises(MalformedMessage):
        parse_message(first, shape)
    del fields["co_binding_id"]  # absent = null (D3)
    with pytest.raises(MalformedMessage):
        parse_message(first, shape)


def test_absent_co_binding_id_means_a_new_binding() -> None:
    obj = samples()["bind"].to_message("v1")
    del obj["co_binding_id"]
    assert parse_message(obj, "v1") == samples()["bind"]


def test_shape_confusion_is_named() -> None:
    with pytest.raises(MalformedMessage, match="v2") as info:
        parse_message(samples()["detach"].to_message("v2"), "v1")
    assert info.value.field == "@type"
    with pytest.raises(MalformedMessage, match="v1") as info:
        parse_message(samples()["detach"].to_message("v1"), "v2")
    assert info.value.field == "type"


@pytest.mark.parametrize(
    "text",
    [
        '{"@id": "7a3c56b8-5b88", "@id": "7a3c56b8-5b89", "@type": "https://didcomm.org/coprotocol/0.5/detach", "~thread": {"pthid": "4d116a88-1314"}}',
        '{"@id": "7a3c56b8-5b88", "@type": "https://didcomm.org/coprotocol/0.5/detach", "~thread": {"pthid": "4d116a88-1314"}',
        '{"@id": "7a3c56b8-5b88", "@type": "https://didcomm.org/coprotocol/0.5/output", "~thread": {"pthid": "4d116a88-1314"}, "interaction_point": "x", "data": {"v": NaN}}',
        "[]",
        '"bind"',
    ],
)
def test_raw_json_is_parsed_strictly(text: str) -> None:
    with pytest.raises(MalformedMessage):
        parse_message(text, "v1")
    with pytest.raises(MalformedMessage):
        parse_message(text.encode(), "v1")


def test_rfc_data_list_of_pairs_is_not_json() -> None:
    # RFC 0482's output example, verbatim apart from the @type (D1, D2).
    text = """{
        "@id": "9b3c56b8-6a88-f513-4a14-4d118484b3dd",
        "@type": "https://didcomm.org/coprotocol/0.5/output",
        "~thread": { "pthid": "4d116a88-1314-4af5-9b3c-848456b8b3dd"},
        "interaction_point": "preauth",
        "data": [
            "code": "6a884d11-13149b3c",
        ]
    }"""
    with pytest.raises(MalformedMessage, match="invalid JSON"):
        parse_message(text, "v1")


def test_parser_usage_errors() -> None:
    with pytest.raises(UsageError):
        parse_message(samples()["detach"].to_message("v1"), "v3")
    with pytest.raises(UsageError):
        parse_message(12, "v1")  # type: ignore[arg-type]


# -- builders


@pytest.mark.parametrize(
    "build",
    [
        lambda: Cast("", None),
        lambda: Cast("payee", ""),
        lambda: Cast(None, None),  # type: ignore[arg-type]
        lambda: Prefer("success_ratio", "descending"),
        lambda: Prefer("", "a"),
        lambda: Bind(id=BIND_ID, cast=CAST),
        lambda: Bind(id=BIND_ID, goal_code="g"),
        lambda: Bind(id=BIND_ID, goal_code="g", cast=(Cast("a", None), Cast("b", None))),
        lambda: Bind(id=BIND_ID, goal_code="g", cast=(Cast("a", "x"),)),
        lambda: Bind(id=BIND_ID, goal_code="g", cast=()),
        lambda: Bind(id=BIND_ID, goal_code="g", cast=[{"role": "a", "id": None}]),  # type: ignore[list-item]
        lambda: Bind(id=BIND_ID, goal_code="g", cast="payee"),  # type: ignore[arg-type]
        lambda: Bind(id=BIND_ID, goal_code="g", cast=CAST, prefer=[("a", "d")]),  # type: ignore[list-item]
        lambda: Bind(id=BIND_ID, goal_code="g", cast=CAST, piuri_pat=""),
        lambda: Bind(id="", goal_code="g", cast=CAST),
        lambda: Bind(id=BIND_ID, co_binding_id=""),
        lambda: Bind(id=BIND_ID, goal_code="g", cast=CAST, pthid=""),
        lambda: Attach(id="b3dd4d11-6a88", pthid=BIND_ID, piuri="venmo"),
        lambda: Attach(id="b3dd4d11-6a88", pthid=BIND_ID, piuri="https://didcomm.org/pay/1.3", expires_time=dt.datetime(2020, 6, 23)),
        lambda: Attach(id="b3dd4d11-6a88", pthid="", piuri="https://didcomm.org/pay/1.3"),
        lambda: Input(id="56b81314-6a88", pthid=BIND_ID, interaction_point="", data={}),
        lambda: Input(id="56b81314-6a88", pthid=BIND_ID, interaction_point="invoke", data=[("amount", 1)]),  # type: ignore[arg-type]
        lambda: Input(id="56b81314-6a88", pthid=BIND_ID, interaction_point="invoke", data={"amount": {1, 2}}),
        lambda: Input(id="56b81314-6a88", pthid=BIND_ID, interaction_point="invoke", data={"amount": float("nan")}),
        lambda: Output(id="56b81314-6a88", pthid=BIND_ID, interaction_point="x", data={1: "a"}),  # type: ignore[dict-item]
        lambda: Detach(id="7a3c56b8-5b88", pthid=None),  # type: ignore[arg-type]
        lambda: ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code=""),
        lambda: ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code="e.m.x", args=({"a": 1},)),
        lambda: ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code="e.m.x", ack=("",)),
        lambda: ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code="e.m.x", impact="msg"),
        lambda: ProblemReport(id="7c9de639-c51c", pthid=BIND_ID, code="e.m.x", comment=""),
        lambda: ProblemReport.for_code("7c9de639-c51c", BIND_ID, "E.M.X"),
    ],
)
def test_builders_reject_bad_fields(build: Callable[[], Any]) -> None:
    with pytest.raises(UsageError):
        build()


def test_to_message_checks_shape_and_id_syntax() -> None:
    detach = Detach(id="short", pthid=BIND_ID)
    assert detach.to_message("v2")["id"] == "short"  # v2: any non-empty id
    with pytest.raises(UsageError, match="RFC 0008"):
        detach.to_message("v1")
    with pytest.raises(UsageError):
        Detach(id="7a3c56b8-5b88", pthid="bad pthid").to_message("v1")
    with pytest.raises(UsageError):
        samples()["detach"].to_message("v3")
    with pytest.raises(UsageError):
        samples()["problem"].to_message("v1.0")


def test_v2_expiry_must_be_whole_seconds() -> None:
    attach = Attach(
        id="b3dd4d11-6a88",
        pthid=BIND_ID,
        piuri="https://didcomm.org/pay/1.3",
        expires_time=dt.datetime(2020, 6, 23, 18, 42, 7, 124000, tzinfo=UTC),
    )
    assert attach.to_message("v1")["~timing"]["expires_time"] == "2020-06-23T18:42:07.124Z"
    with pytest.raises(UsageError, match="whole seconds"):
        attach.to_message("v2")


def test_message_type() -> None:
    assert m.message_type("bind") == PIURI + "/bind" == "https://didcomm.org/coprotocol/0.5/bind"
    with pytest.raises(UsageError):
        m.message_type("ack")


# -- small helpers


def test_normalize_name_is_rfc0003_folding() -> None:
    assert m.normalize_name("Let's Do Lunch!") == m.normalize_name("lets_do_lunch") == "letsdolunch"
    assert m.normalize_name("waiting-for-commit") == m.normalize_name("Waiting for commit")
    assert m.normalize_name("requested:") == "requested"
    assert m.normalize_name("payee") != m.normalize_name("payer")


@pytest.mark.parametrize(
    "piuri,expected",
    [
        ("https://didcomm.org/pay-with-venmo/1.3", ("https://didcomm.org/", "pay-with-venmo", (1, 3))),
        ("https://didcomm.org/coprotocol/0.5", ("https://didcomm.org/", "coprotocol", (0, 5))),
        ("http://example.com/protocols?which=lets_do_lunch/1.0", ("http://example.com/protocols?which=", "lets_do_lunch", (1, 0))),
        ("did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/trust_ping/1.0", ("https://didcomm.org/", "trust_ping", (1, 0))),  # RFC 0348
    ],
)
def test_parse_piuri_valid(piuri: str, expected: Any) -> None:
    assert m.parse_piuri(piuri) == expected


@pytest.mark.parametrize(
    "piuri",
    ["pay-with-venmo/1.3", "https://didcomm.org/pay-with-venmo", "https://didcomm.org/x/2.1.3", "https://didcomm.org/pay-/1.3", "https://didcomm.org/1pay/1.3", "https://didcomm.org/pay/01.3", "https://didcomm.org/pay/1", None],
)
def test_parse_piuri_invalid(piuri: Any) -> None:
    with pytest.raises(MalformedMessage):
        m.parse_piuri(piuri)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2020-06-23T18:42:07.124", dt.datetime(2020, 6, 23, 18, 42, 7, 124000, tzinfo=UTC)),  # RFC 0482's example: UTC by default
        ("2020-06-23T18:42:07.124Z", dt.datetime(2020, 6, 23, 18, 42, 7, 124000, tzinfo=UTC)),
        ("2019-01-25 18:25Z", dt.datetime(2019, 1, 25, 18, 25, tzinfo=UTC)),  # RFC 0032's example
        ("2019-01-23 18:03:27.123Z", dt.datetime(2019, 1, 23, 18, 3, 27, 123000, tzinfo=UTC)),
        ("2020-06-23T20:42:07+02:00", dt.datetime(2020, 6, 23, 18, 42, 7, tzinfo=UTC)),
        ("2020-06-23T18:42:07.123456789Z", dt.datetime(2020, 6, 23, 18, 42, 7, 123456, tzinfo=UTC)),
    ],
)
def test_parse_time_rfc0074(text: str, expected: dt.datetime) -> None:
    assert m.parse_time(text, "t") == expected


@pytest.mark.parametrize(
    "text", ["2020-06-23", "2020-06-23t18:42Z", "2020-6-23T18:42Z", "2020-06-23T18:42:07.Z", "2020-13-01T00:00Z", "2020-06-23T25:00Z", "2020-06-23T18:42-00:60", ""]
)
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        m.parse_time(text, "expires_time")
    assert info.value.field == "expires_time"


def test_format_time() -> None:
    assert m.format_time(dt.datetime(2020, 6, 23, 18, 42, 7, tzinfo=UTC)) == "2020-06-23T18:42:07Z"
    assert m.format_time(dt.datetime(2020, 6, 23, 18, 42, 7, 120000, tzinfo=UTC)) == "2020-06-23T18:42:07.12Z"
    tz = dt.timezone(dt.timedelta(hours=2))
    assert m.format_time(dt.datetime(2020, 6, 23, 20, 42, 7, 1, tzinfo=tz)) == "2020-06-23T18:42:07.000001Z"
    with pytest.raises(UsageError):
        m.format_time(dt.datetime(2020, 6, 23))


def test_interpolate_follows_didcomm_v2() -> None:
    assert m.interpolate("Unable to use the {1} endpoint for {2}.", ["https://agents.r.us/inbox", "did:sov:C805"]) == (
        "Unable to use the https://agents.r.us/inbox endpoint for did:sov:C805."
    )
    assert m.interpolate("a {1} b {2}", ["x"]) == "a x b ?"  # missing -> ?
    assert m.interpolate("a {1} b {2}", [None, 3]) == "a ? b 3"  # null -> ?
    assert m.interpolate("a {1}", ["x", True, 1.5]) == "a x true, 1.5"  # extras appended
    assert m.interpolate("no placeholders", []) == "no placeholders"
