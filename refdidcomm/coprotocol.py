"""Coprotocols: Aries RFC 0482 "Coprotocol Protocol 0.5" (with the concept RFC 0478).

One protocol binds to another, gives it input, gets its output, detaches
and re-attaches. Message level only: no transport, no crypto, no clock or
randomness of its own (ids and time are injectable).

* Messages, in DIDComm v1 (``@type``/``@id``/``~thread``) or v2
  (``type``/``id``/``pthid``/``body``) shape: :class:`Bind`, :class:`Attach`,
  :class:`Input`, :class:`Output`, :class:`Detach`, :class:`ProblemReport`;
  ``msg.to_message(shape)`` builds, :func:`parse_message` validates.
* RFC 0478 interfaces: :func:`parse_interface` reads the RFC's notation.
* The called side's :class:`Registry` of :class:`Implementation` values and
  bind matching (goal code, ``piuri_pat`` wildcards, roles, ``prefer``).
* State machines :class:`Caller` (null -> detached -> attached -> done) and
  :class:`Called` (null -> attached -> done), returning a :class:`Step` of
  messages to send and events.
* :func:`walkthrough` / :func:`demo`: the RFCs' payment example end to end.

Example::

    caller = Caller(shape="v1")
    called = Called(registry, shape="v1")
    step = caller.bind(goal_code="aries.buy.make-payment",
                       cast=[Cast("payee", None), Cast("payer", "did:peer:abc123")],
                       interface=payment_interface())
    reply = called.receive(step.messages[0])      # -> attach (or problem-report)
    caller.receive(reply.messages[0])             # -> Attached event

Every ambiguity of the RFC text and the choice made is listed in
``docs/coprotocol-decisions.md``.
"""

from __future__ import annotations

from ._rfc0482 import (
    PIURI,
    PROBLEM_CODES,
    SHAPES,
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
from ._rfc0482_demo import demo, payment_interface, payment_registry, walkthrough
from ._rfc0482_interface import Interface, InteractionPoint, Param, RoleInterface, parse_interface
from ._rfc0482_machines import (
    Attached,
    BindSent,
    Called,
    Caller,
    CoprotocolStateError,
    Detached,
    Done,
    InputReceived,
    NoMatch,
    OutputDiscarded,
    OutputReceived,
    ProblemReceived,
    Rejected,
    Step,
)
from ._rfc0482_registry import Candidate, Implementation, Registry, piuri_matches

__all__ = [
    "PIURI",
    "SHAPES",
    "PROBLEM_CODES",
    # messages
    "Cast",
    "Prefer",
    "Bind",
    "Attach",
    "Input",
    "Output",
    "Detach",
    "ProblemReport",
    "parse_message",
    "UnsupportedVersion",
    # RFC 0478 interfaces
    "Param",
    "InteractionPoint",
    "RoleInterface",
    "Interface",
    "parse_interface",
    # registry
    "Implementation",
    "Candidate",
    "Registry",
    "piuri_matches",
    # state machines
    "Caller",
    "Called",
    "Step",
    "CoprotocolStateError",
    "BindSent",
    "Attached",
    "NoMatch",
    "InputReceived",
    "OutputReceived",
    "OutputDiscarded",
    "Detached",
    "Done",
    "ProblemReceived",
    "Rejected",
    # the RFCs' payment example
    "payment_interface",
    "payment_registry",
    "walkthrough",
    "demo",
]
