"""The RFC 0478/0482 payment walkthrough, run end to end by our state machines.

RFC 0482 frames its walkthrough "in terms of a co-protocol that makes a
payment" whose interface is RFC 0478's example; RFC 0478 says "Three of them
[payment protocols] advertise support for the same coprotocol interface".
This module sets that scene -- three implementations, one of them RFC
0482's ``https://didcomm.org/pay-with-venmo/1.3`` (the other two PIURIs are
ours, made up for the demo) -- and plays:

    bind -> attach -> input (invoke) -> output (preauth) -> detach
         -> bind (re-attach) -> attach -> input (proceed) -> output (return) -> done

It is deterministic: ids come from :func:`seeded_ids`, the clock is fixed.
The same transcript is in ``vectors/coprotocol_messages.json`` and is printed
by :func:`demo` (``python -m refdidcomm coprotocol demo`` where the CLI
offers it).
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any, Callable, Dict, List, Optional, TextIO

from ._rfc0482 import Cast, Prefer
from ._rfc0482_interface import Interface, parse_interface
from ._rfc0482_machines import Called, Caller, Done, Step
from ._rfc0482_registry import Implementation, Registry
from .errors import UsageError

__all__ = [
    "PAYMENT_INTERFACE_TEXT",
    "PAYMENT_GOAL",
    "DEMO_SEED",
    "DEMO_CLOCK",
    "payment_interface",
    "payment_registry",
    "seeded_ids",
    "walkthrough",
    "demo",
]

# RFC 0478 §Example, verbatim (the stray ':' after "requested" included, D12).
PAYMENT_INTERFACE_TEXT = """\
goal: aries.buy.make-payment
payee:
  get:
      - invoke(amount: float, currency: str, bill_of_sale: str) @ null
      - proceed(continue: bool) @ requested:, waiting-for-commit
  give:
      - preauth(code: str) @ waiting-for-commit
      - return(confirmation_code: str) @ finalizing
"""

PAYMENT_GOAL = "aries.buy.make-payment"
DEMO_SEED = "refdidcomm coprotocol walkthrough"
# 2020-06-23T17:42:07.124Z: with an hour's hold, the attach expires at RFC 0482's
# example expires_time, 2020-06-23T18:42:07.124.
DEMO_CLOCK = 1592934127.124
DEMO_HOLD_SECONDS = 3600


def payment_interface() -> Interface:
    """RFC 0478's payment interface, with ``return`` marked final (D15)."""
    return parse_interface(PAYMENT_INTERFACE_TEXT, final=("return",))


def payment_registry() -> Registry:
    """Three payment implementations of the same interface.

    ``pay-with-venmo/1.3`` wins the RFC's ``prefer`` list over
    ``pay-with-zelle/1.0`` on ``last_run_date`` after tying on
    ``success_ratio``; ``lightning-payment/0.9`` has the best ratio but fails
    the ``*/pay*`` pattern.
    """
    interface = payment_interface()
    roles = ("payee", "payer")
    return Registry(
        [
            Implementation(
                "https://didcomm.org/lightning-payment/0.9",
                (interface,),
                roles,
                {"success_ratio": 0.99, "last_run_date": "2020-06-22", "release_date": "2020-05-01", "running": True},
            ),
            Implementation(
                "https://didcomm.org/pay-with-zelle/1.0",
                (interface,),
                roles,
                {"success_ratio": 0.97, "last_run_date": "2020-06-19", "release_date": "2020-02-01", "running": False},
            ),
            Implementation(
                "https://didcomm.org/pay-with-venmo/1.3",
                (interface,),
                roles,
                {"success_ratio": 0.97, "last_run_date": "2020-06-21", "release_date": "2020-01-15", "running": False},
            ),
        ]
    )


def seeded_ids(seed: str) -> Callable[[], str]:
    """Deterministic message ids: UUID-shaped, from SHA-256(seed ":" counter).

    The version and variant bits are set as for a version-4 UUID, so the ids
    look like the RFC's and satisfy RFC 0008's id syntax.
    """
    if not isinstance(seed, str):
        raise UsageError("seed must be a str")
    counter = [0]

    def new_id() -> str:
        counter[0] += 1
        raw = bytearray(hashlib.sha256(f"{seed}:{counter[0]}".encode()).digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    return new_id


def walkthrough(shape: str, *, seed: str = DEMO_SEED) -> List[Dict[str, Any]]:
    """Play the payment walkthrough; return the transcript.

    Args:
        shape: ``"v1"`` or ``"v2"``.
        seed: seed for :func:`seeded_ids` (both sides draw from one sequence).

    Returns:
        One entry per message, in order: ``{"from": "caller"|"called",
        "message": <JSON object>}``.

    Raises:
        UsageError: bad shape. Any other exception is a bug in the machines
        (the walkthrough checks every step's events).
    """
    new_id = seeded_ids(seed)
    clock = lambda: DEMO_CLOCK  # noqa: E731
    interface = payment_interface()
    caller = Caller(shape=shape, new_id=new_id, clock=clock)
    called = Called(payment_registry(), shape=shape, new_id=new_id, clock=clock, hold_seconds=DEMO_HOLD_SECONDS)
    transcript: List[Dict[str, Any]] = []

    def send(sender: str, step: Step) -> Dict[str, Any]:
        if len(step.messages) != 1:
            raise AssertionError(f"expected one message, got {step}")  # pragma: no cover
        transcript.append({"from": sender, "message": step.messages[0]})
        return step.messages[0]

    def deliver(receiver: Any, message: Dict[str, Any]) -> Step:
        step = receiver.receive(message)
        if any(type(e).__name__ == "Rejected" for e in step.events):
            raise AssertionError(f"walkthrough message rejected: {step}")  # pragma: no cover
        return step

    cast = [Cast("payee", None), Cast("payer", "did:peer:abc123")]
    prefer = [
        Prefer("success_ratio", "d"),
        Prefer("last_run_date", "d"),
        Prefer("release_date", "d"),
        Prefer("running", "d"),
    ]
    bind = send("caller", caller.bind(goal_code=PAYMENT_GOAL, cast=cast, interface=interface, piuri_pat="*/pay*", prefer=prefer))
    binding_id = bind["@id"] if shape == "v1" else bind["id"]
    deliver(caller, send("called", deliver(called, bind)))
    deliver(called, send("caller", caller.send_input(binding_id, "invoke", {"amount": 1.23, "currency": "INR", "bill_of_sale": "one cup of masala chai"})))
    called.set_state(binding_id, "requested")
    called.set_state(binding_id, "waiting-for-commit")
    deliver(caller, send("called", called.emit_output(binding_id, "preauth", {"code": "6a884d11-13149b3c"})))
    deliver(called, send("caller", caller.detach(binding_id)))
    rebind = send("caller", caller.rebind(binding_id, goal_code=PAYMENT_GOAL, cast=cast))
    deliver(caller, send("called", deliver(called, rebind)))
    deliver(called, send("caller", caller.send_input(binding_id, "proceed", {"continue": True})))
    called.set_state(binding_id, "finalizing")
    final = called.emit_output(binding_id, "return", {"confirmation_code": "txn-0x5f3a"})
    step = deliver(caller, send("called", final))
    if Done(binding_id, "completed") not in step.events or caller.state(binding_id) != "done" or called.state(binding_id) != "done":
        raise AssertionError("walkthrough did not end in done")  # pragma: no cover
    return transcript


def demo(shape: str = "both", out: Optional[TextIO] = None) -> int:
    """Print the walkthrough, one message at a time.

    Args:
        shape: ``"v1"``, ``"v2"`` or ``"both"``.
        out: where to print (default ``sys.stdout``).

    Returns:
        0 (for use as a CLI exit status).

    Raises:
        UsageError: bad shape.
    """
    shapes = ("v1", "v2") if shape == "both" else (shape,)
    out = out or sys.stdout
    for sh in shapes:
        print(f"== RFC 0482 payment walkthrough, DIDComm {sh} messages ==", file=out)
        for n, entry in enumerate(walkthrough(sh), 1):
            message = entry["message"]
            mtype = message.get("@type", message.get("type", ""))
            to = "called" if entry["from"] == "caller" else "caller"
            print(f"-- {n}. {entry['from']} -> {to}: {mtype.rsplit('/', 1)[-1]}", file=out)
            print(json.dumps(message, indent=2), file=out)
        print("-- both sides: done", file=out)
    return 0
