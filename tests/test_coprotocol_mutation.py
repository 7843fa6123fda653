"""Seeded mutation tests: Called.receive and Caller.receive never raise for what a peer sent.

Both machines are driven to a live binding (bound, attached, one output
given, the coprotocol's ``invoke`` point open), then handed mutated copies of every message kind of the
protocol -- JSON nodes replaced, deleted or added, or the wire text's bytes
flipped, inserted, deleted or truncated -- with and without a ``peer``.
``receive`` must return a :class:`Step` every time (RFC 0482 machines answer
bad messages with problem reports, never exceptions), and ``parse_message``
must raise nothing but :class:`~refdidcomm.errors.RefDIDCommError`.
Seeded (``derandomize=True``): every run tries the same inputs.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest
from coprotocol_helpers import CAST, GOAL, INVOKE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refdidcomm._rfc0482_demo import DEMO_CLOCK, seeded_ids
from refdidcomm.coprotocol import (
    Bind,
    Called,
    Caller,
    Detach,
    ProblemReport,
    Step,
    parse_message,
    payment_interface,
    payment_registry,
)
from refdidcomm.errors import RefDIDCommError

REGISTRY = payment_registry()
INTERFACE = payment_interface()
SETTINGS = settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([10**400, -(10**400), 2**1024, 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "*" * 30 + "X", "e.p.me", "w.m.x", "code", "https://didcomm.org/coprotocol/0.5/bind", "2020-06-23T18:42:07.124Z"]),
)
# Values that broke or could break the machines: empty text, huge integers
# (no float holds them), backtracking-prone patterns.
INTERESTING = st.sampled_from(["", " ", 10**400, -(10**400), 2**1024, 0, -1, 1e308, "*" * 40 + "X", [], {}, None, True])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _paths(value: Any, prefix: tuple = ()) -> List[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, prefix + (i,))
    return out


def _at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def mutate_json(data: st.DataObject, value: Any) -> Any:
    value = json.loads(json.dumps(value))
    paths = _paths(value)
    leaves = [p for p in paths if p and not isinstance(_at(value, p), (dict, list))]
    # Leaves half the time: most checks are on scalar members.
    path = data.draw(st.sampled_from(leaves if leaves and data.draw(st.booleans(), label="leaf") else paths), label="path")
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    if not path:
        return data.draw(JSON, label="root")
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=8), label="key")] = data.draw(JSON, label="extra")
    else:
        parent[path[-1]] = data.draw(INTERESTING if data.draw(st.booleans(), label="interesting") else JSON, label="new")
    return value


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]), label="byte-action")
    i = data.draw(st.integers(0, max(len(raw) - 1, 0)), label="index")
    if action == "flip":
        return raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255), label="mask")]) + raw[i + 1 :]
    if action == "insert":
        return raw[:i] + data.draw(st.binary(min_size=1, max_size=4), label="ins") + raw[i:]
    if action == "delete":
        return raw[:i] + raw[i + 1 :]
    return raw[:i]


def live(shape: str) -> Tuple[Caller, Called, Dict[str, Dict[str, Any]]]:
    """Both machines with one attached binding (an output given), and one message of every kind about it."""
    clock = lambda: DEMO_CLOCK  # noqa: E731
    ids = seeded_ids(f"mutation {shape}")
    caller = Caller(shape=shape, new_id=ids, clock=clock)
    called = Called(REGISTRY, shape=shape, new_id=ids, clock=clock, hold_seconds=60)
    step = caller.bind(goal_code=GOAL, cast=CAST, interface=INTERFACE, piuri_pat="*/pay*", peer="did:example:called")
    bind = step.messages[0]
    bid = step.events[0].binding_id  # type: ignore[union-attr]
    attach = called.receive(bind, peer="did:example:caller").messages[0]
    caller.receive(attach, peer="did:example:called")
    called.set_state(bid, "waiting-for-commit")
    output = called.emit_output(bid, "preauth", {"code": "x"}).messages[0]
    caller.receive(output, peer="did:example:called")
    called.set_state(bid, "null")  # invoke is open again, so a mutated input reaches the data check
    input_ = caller.send_input(bid, "invoke", INVOKE).messages[0]  # built, not delivered
    messages = {
        "bind": bind,
        "attach": attach,
        "input": input_,
        "output": output,
        "detach": Detach(id="mutation-detach-1", pthid=bid).to_message(shape),
        "rebind": Bind(id="mutation-rebind-1", co_binding_id=bid, goal_code=GOAL, cast=tuple(CAST), piuri_pat="*/pay*").to_message(shape),
        "problem-report": ProblemReport.for_code("mutation-report-1", bid, "e.m.msg.invalid-data", ("invoke", "x"), ack=("mutation-x-1",)).to_message(shape),
    }
    return caller, called, messages


BASE = {shape: live(shape)[2] for shape in ("v1", "v2")}


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_the_unmutated_messages_parse(shape: str) -> None:
    for name, message in BASE[shape].items():
        assert parse_message(message, shape).name == ("bind" if name == "rebind" else name)


@pytest.mark.parametrize("shape", ["v1", "v2"])
@pytest.mark.parametrize("name", sorted(BASE["v1"]))
@SETTINGS
@given(data=st.data(), peer=st.sampled_from([None, "did:example:caller", "did:example:called", "did:example:mallory"]))
def test_receive_never_raises_for_mutated_messages(data: st.DataObject, peer: Any, shape: str, name: str) -> None:
    caller, called, _ = live(shape)
    message: Any = BASE[shape][name]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        message = mutate_json(data, message)
    if data.draw(st.booleans(), label="as-bytes"):
        message = mutate_bytes(data, json.dumps(message).encode("utf-8"))
        if data.draw(st.booleans(), label="as-str"):
            message = message.decode("utf-8", "replace")
    elif not isinstance(message, dict):
        message = json.dumps(message)  # receive takes a mapping or JSON text
    for machine in (called, caller):
        step = machine.receive(message, peer=peer)
        assert isinstance(step, Step)
        for reply in step.messages:  # every reply is itself a valid message
            parse_message(reply, shape)
    try:
        parse_message(message, shape)
    except RefDIDCommError:
        pass
