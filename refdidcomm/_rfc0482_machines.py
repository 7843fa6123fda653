"""The caller and called state machines of Aries RFC 0482, without I/O.

RFC 0482 §States: "The caller's normal state progression is null -> detached
-> attached -> done. It is also possible to return to a detached state
without ever reaching done. The coprotocols normal state progression is null
-> attached -> done."

:class:`Caller` and :class:`Called` are synchronous and sans-I/O (after h11):
they take parsed or raw messages and the host's calls, and return a
:class:`Step` -- the messages to send (JSON objects in the endpoint's shape)
and the events that happened. Nothing is sent, stored or timed here; ids come
from an injectable ``new_id`` and time from an injectable ``clock``.

Two ways in for received messages:

* :meth:`Caller.handle` / :meth:`Called.handle` take a parsed message and
  raise :class:`CoprotocolStateError` (a
  :class:`~refdidcomm.errors.ProtocolError`) when the message is not allowed
  in the binding's state, or refers to a binding that does not exist;
* :meth:`Caller.receive` / :meth:`Called.receive` take the raw message, and
  never raise for anything the peer sent: a malformed message or one not
  allowed now is answered with a ``problem-report`` (DIDComm v2 codes, see
  :data:`~refdidcomm._rfc0482.PROBLEM_CODES`) and a :class:`Rejected` event.
  A problem report is never answered with a problem report (DIDComm v2
  §Cascading Problems warns of "infinite recursion or vicious cycles").

The host's own mistakes (sending input while detached, output at an
undeclared point, an unknown binding id) raise
:class:`~refdidcomm.errors.UsageError`.

Choices (see ``docs/coprotocol-decisions.md``):

* D20. The called side has no ``detached`` state in the RFC, yet a caller
  can detach. We keep the RFC's three states and record whether the caller
  is attached as a separate flag: while it is not, outputs are discarded
  ("all inputs [sic: outputs] that it emits are sent to the bitbucket") and
  inputs are refused.
* D21. Expiry: ``~timing.expires_time`` on ``attach`` "tells how long the
  caller has to take the next step": a binding that has had no ``input``
  by then is abandoned by both sides (``now > expires_time``). Once launched,
  a binding does not expire. The called side offers it only when configured
  with ``hold_seconds``.
* D22. Re-attach: the ``attach`` answering a re-bind names the binding id
  (it is "a permanent identifier"); a caller also accepts one naming the
  re-bind's own id. A re-bind whose optional fields do not match the
  binding is answered ``e.m.req.binding-mismatch``; ``prefer`` on a re-bind
  is not a property of a binding and is ignored. A re-bind while the caller
  is still attached simply confirms the attachment again.
* D15. ``done``: after an output at a ``final`` interaction point, or when a
  problem report with scope ``p`` abandons the binding, or on expiry. A
  message for a binding the called side has finished (e.g. it completed
  while the caller was detached, its outputs discarded) is answered
  ``e.p.req.binding-done``, so the caller closes it too.
* D26. Peers. RFC 0482 messages carry no sender: any peer that learns a
  binding id could send ``input``, ``detach`` or a re-bind for it. Both
  machines take an optional ``peer`` (the authenticated sender, e.g. its
  DID or verkey, as the host knows it from the envelope) on ``receive`` /
  ``handle``. The called side records it on ``bind``, the caller on
  :meth:`Caller.bind`; a later message about that binding from any other
  peer (or without one, when one was recorded) is answered
  ``e.m.req.unknown-binding`` -- to that peer the binding does not exist --
  and changes nothing. With ``peer`` left ``None`` throughout nothing is
  checked: use one machine per authenticated connection, or pass ``peer``.
* D27. Resources. :meth:`forget` drops a binding and the ids of the
  messages sent for it; :meth:`prune` drops every binding that is done
  (expiring unused ones first). Each machine holds at most
  ``max_bindings`` bindings: a new bind beyond it is first met by a prune,
  then refused (called: ``e.p.req.too-many-bindings``; caller:
  ``UsageError``). Per binding only the last :data:`MAX_SENT_PER_BINDING`
  sent message ids are remembered (for matching problem reports). A
  re-bind of a binding not yet launched renews its expiry at most
  ``max_renewals`` times; later re-attaches keep the last deadline.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union

from ._rfc0482 import (
    PROBLEM_CODES,
    PROTOCOL_VERSION,
    Attach,
    Bind,
    Cast,
    Detach,
    Input,
    Message,
    Output,
    Prefer,
    ProblemReport,
    UnsupportedVersion,
    _check_id,
    _caller,
    _check_shape,
    format_time,
    interpolate,
    loads,
    normalize_name,
    parse_message,
)
from ._rfc0482_interface import Interface, RoleInterface, check_data
from ._rfc0482_registry import Candidate, Registry, piuri_matches, recipient_role
from .errors import MalformedMessage, ProtocolError, UsageError

__all__ = [
    "MAX_SENT_PER_BINDING",
    "DEFAULT_MAX_BINDINGS",
    "DEFAULT_MAX_RENEWALS",
    "NULL",
    "DETACHED",
    "ATTACHED",
    "DONE",
    "CoprotocolStateError",
    "Step",
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
    "Event",
    "CallerBinding",
    "CalledBinding",
    "Caller",
    "Called",
]

# RFC 0482 §States
NULL = "null"
DETACHED = "detached"
ATTACHED = "attached"
DONE = "done"

COMPLETED, ABANDONED, EXPIRED, REFUSED = "completed", "abandoned", "expired", "refused"

# D27: resource bounds (RFC 0482 sets none).
MAX_SENT_PER_BINDING = 64  # sent message ids remembered per binding
DEFAULT_MAX_BINDINGS = 1000  # bindings one machine holds at once
DEFAULT_MAX_RENEWALS = 3  # expiry renewals by re-bind before launch

RawMessage = Union[str, bytes, bytearray, Mapping[str, Any]]


class CoprotocolStateError(ProtocolError):
    """A received message is not allowed now (or names no binding).

    Attributes:
        code: the problem code to report (:data:`PROBLEM_CODES`).
        problem_args: the values for the code's comment.
    """

    def __init__(self, code: str, problem_args: Sequence[Any]) -> None:
        self.code = code
        self.problem_args = tuple(problem_args)
        comment = PROBLEM_CODES[code][0] if code in PROBLEM_CODES else code
        super().__init__(f"{code}: {interpolate(comment, self.problem_args)}")


# -- events


@dataclass(frozen=True)
class BindSent:
    """Caller: a ``bind`` (``rebind=True``: a re-attach request) is ready to send."""

    binding_id: str
    rebind: bool


@dataclass(frozen=True)
class Attached:
    """The binding is attached: caller -- an ``attach`` arrived; called -- one is ready to send."""

    binding_id: str
    piuri: str
    expires_time: Optional[_dt.datetime]
    reattached: bool


@dataclass(frozen=True)
class NoMatch:
    """Called: nothing in the registry matches the ``bind`` (a problem report is ready)."""

    bind_id: str
    goal_code: Optional[str]


@dataclass(frozen=True)
class InputReceived:
    """Called: input for the coprotocol at one of its ``get`` interaction points."""

    binding_id: str
    interaction_point: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class OutputReceived:
    """Caller: output of the coprotocol at one of its ``give`` interaction points."""

    binding_id: str
    interaction_point: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class OutputDiscarded:
    """Called: the coprotocol gave output while the caller was detached; it went to the bitbucket."""

    binding_id: str
    interaction_point: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Detached:
    """Called: the caller detached; the coprotocol keeps running."""

    binding_id: str


@dataclass(frozen=True)
class Done:
    """The binding reached ``done``: ``completed``, ``abandoned``, ``expired`` or ``refused``."""

    binding_id: str
    reason: str


@dataclass(frozen=True)
class ProblemReceived:
    """A problem report arrived about a binding (or one of its messages)."""

    binding_id: str
    report: ProblemReport


@dataclass(frozen=True)
class Rejected:
    """A received message was refused; a problem report is in the step if it could be addressed."""

    message_id: Optional[str]
    code: str
    reason: str


Event = Union[BindSent, Attached, NoMatch, InputReceived, OutputReceived, OutputDiscarded, Detached, Done, ProblemReceived, Rejected]


class Step(NamedTuple):
    """What one call produced: messages to send (JSON objects) and events, in order."""

    messages: Tuple[Dict[str, Any], ...]
    events: Tuple[Event, ...]


def _default_id() -> str:
    return str(uuid.uuid4())


# -- bindings


@dataclass
class CallerBinding:
    """The caller's view of one binding (a snapshot when read through :meth:`Caller.binding`)."""

    binding_id: str
    goal_code: str
    cast: Tuple[Cast, ...]
    interface: Interface
    role: RoleInterface
    piuri_pat: Optional[str]
    state: str = NULL
    piuri: Optional[str] = None
    expires_time: Optional[_dt.datetime] = None
    launched: bool = False
    pending: Optional[str] = None
    done_reason: Optional[str] = None
    peer: Optional[str] = None  # D26: who the bind was sent to


@dataclass
class CalledBinding:
    """The called side's view of one binding (a snapshot when read through :meth:`Called.binding`)."""

    binding_id: str
    candidate: Candidate
    goal_code: str
    cast: Tuple[Cast, ...]
    parent_thid: Optional[str] = None
    state: str = NULL
    caller_attached: bool = False
    launched: bool = False
    coprotocol_state: str = "null"  # RFC 0478: "Invoke happens when state is null (at launch)"
    expires_time: Optional[_dt.datetime] = None
    done_reason: Optional[str] = None
    peer: Optional[str] = None  # D26: who sent the bind
    renewals: int = 0  # D27: expiry renewals by re-bind so far

    @property
    def piuri(self) -> str:
        return self.candidate.implementation.piuri


def _cast_key(cast: Sequence[Cast]) -> List[Tuple[str, Optional[str]]]:
    return sorted(((normalize_name(c.role), c.id) for c in cast), key=lambda t: (t[0], t[1] or ""))


def _looks_like_problem_report(obj: Any) -> bool:
    if not isinstance(obj, Mapping):
        return False
    mtype = obj.get("@type", obj.get("type"))
    return isinstance(mtype, str) and normalize_name(mtype.rsplit("/", 1)[-1]) == "problemreport"


_B = TypeVar("_B", CallerBinding, CalledBinding)


class _Endpoint(Generic[_B]):
    """What caller and called share: shape, ids, clock, bindings, replies to bad messages."""

    def __init__(
        self,
        shape: str,
        new_id: Optional[Callable[[], str]],
        clock: Optional[Callable[[], float]],
        max_bindings: int = DEFAULT_MAX_BINDINGS,
    ) -> None:
        self.shape = _check_shape(shape)
        self._new_id_fn = new_id or _default_id
        self._clock = clock or time.time
        if isinstance(max_bindings, bool) or not isinstance(max_bindings, int) or max_bindings < 1:
            raise UsageError("max_bindings must be a positive int")
        self.max_bindings = max_bindings
        self._sent: Dict[str, str] = {}  # id of a message we sent -> binding id
        self._sent_by: Dict[str, List[str]] = {}  # binding id -> ids in _sent, oldest first
        self._bindings: Dict[str, _B] = {}

    # -- host calls

    def binding(self, binding_id: str) -> _B:
        """A snapshot of one binding.

        Raises:
            UsageError: unknown binding id.
        """
        return dataclasses.replace(self._get(binding_id))

    def state(self, binding_id: str) -> str:
        """The binding's RFC 0482 state: caller ``null``, ``detached``, ``attached`` or ``done``; called ``attached`` or ``done``."""
        return self._get(binding_id).state

    def poll(self) -> Step:
        """Abandon bindings whose ``attach`` expiry passed before any input (D21); no messages."""
        events = [e for b in self._bindings.values() for e in [self._check_expiry(b)] if e is not None]
        return Step((), tuple(events))

    def _remember(self, message_id: str, binding_id: str) -> None:
        """Note a sent message's id, keeping the last MAX_SENT_PER_BINDING per binding (D27)."""
        self._sent[message_id] = binding_id
        ids = self._sent_by.setdefault(binding_id, [])
        ids.append(message_id)
        if len(ids) > MAX_SENT_PER_BINDING:
            self._sent.pop(ids.pop(0), None)

    def forget(self, binding_id: str) -> None:
        """Drop a binding (in any state) and the ids of the messages sent for it (D27).

        A later message about it is answered ``e.m.req.unknown-binding``.

        Raises:
            UsageError: unknown binding id.
        """
        self._get(binding_id)
        del self._bindings[binding_id]
        for message_id in self._sent_by.pop(binding_id, ()):
            if self._sent.get(message_id) == binding_id:
                del self._sent[message_id]

    def prune(self) -> Tuple[str, ...]:
        """Forget every binding that is ``done``, after expiring unused ones (D21, D27).

        Bindings that expire during the prune are forgotten without a
        :class:`Done` event; call ``poll()`` first to see those.

        Returns:
            The ids of the forgotten bindings.
        """
        bindings = self._bindings
        for binding in bindings.values():
            self._check_expiry(binding)
        gone = tuple(b.binding_id for b in bindings.values() if b.state == DONE)
        for binding_id in gone:
            self.forget(binding_id)
        return gone

    def _has_room(self) -> bool:
        """Room for one more binding, pruning finished ones if full (D27)."""
        if len(self._bindings) >= self.max_bindings:
            self.prune()
        return len(self._bindings) < self.max_bindings

    @staticmethod
    def _check_peer(peer: Any) -> Optional[str]:
        if peer is not None and (not isinstance(peer, str) or not peer):
            raise UsageError("peer must be None or a non-empty string naming the authenticated sender")
        return peer

    @staticmethod
    def _owned(binding: Any, peer: Optional[str], ref: Optional[str]) -> Any:
        """The binding if it exists for this peer, else unknown-binding (D26)."""
        if binding is None or binding.peer != peer:
            raise CoprotocolStateError("e.m.req.unknown-binding", (ref,))
        return binding

    def _get(self, binding_id: str) -> _B:
        """The live binding record (a ``CallerBinding`` or ``CalledBinding``)."""
        try:
            return self._bindings[binding_id]
        except (KeyError, TypeError):
            raise UsageError(f"no binding {binding_id!r}") from None

    def _binding_for(self, pthid: str, peer: Optional[str]) -> _B:
        return self._owned(self._bindings.get(pthid), peer, pthid)  # type: ignore[no-any-return]

    def _check_expiry(self, binding: _B) -> Optional[Done]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _new_id(self) -> str:
        value = self._new_id_fn()
        return _check_id(value, self.shape, "new_id()", _caller)

    def _now(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self._clock(), _dt.timezone.utc)

    def _problem(self, about_id: str, about_thid: Optional[str], code: str, args: Sequence[Any]) -> Dict[str, Any]:
        # DIDComm v2: the report's pthid "is the thid of the thread in which the
        # problem occurred" (a message without thid is its own thread, RFC 0008
        # §Implicit Threads); "ack ... SHOULD be included if the problem in
        # question was triggered directly by a preceding message".
        report = ProblemReport.for_code(self._new_id(), about_thid or about_id, code, args, ack=(about_id,))
        return report.to_message(self.shape)

    def handle(self, message: Message, *, peer: Optional[str] = None) -> Step:  # pragma: no cover - overridden
        raise NotImplementedError

    def receive(self, message: RawMessage, *, peer: Optional[str] = None) -> Step:
        """Take one received plaintext message; never raises for what the peer sent.

        Args:
            message: JSON text (str or UTF-8 bytes) or a parsed JSON object.
            peer: the authenticated sender as the host knows it (D26); a
                message about a binding recorded for another peer is refused
                with ``e.m.req.unknown-binding``. None: no check.

        Returns:
            The :class:`Step`. A rejected message yields a :class:`Rejected`
            event and, if it can be addressed (it has a usable id and is not
            itself a problem report), a ``problem-report`` to send.

        Raises:
            UsageError: ``message`` is not str, bytes or a mapping, or
                ``peer`` is not None or a non-empty string.
        """
        if not isinstance(message, (str, bytes, bytearray, Mapping)):
            raise UsageError("a received message is JSON text or a parsed JSON object")
        self._check_peer(peer)
        try:
            parsed = parse_message(message, self.shape)
        except UnsupportedVersion as exc:
            supported = f"{PROTOCOL_VERSION[0]}.{PROTOCOL_VERSION[1]}"
            return self._reject_raw(message, "e.m.msg.version-not-supported", (exc.version, supported), str(exc))
        except MalformedMessage as exc:
            return self._reject_raw(message, "e.m.msg.malformed", (exc.field or "message", exc.reason), str(exc))
        try:
            return self.handle(parsed, peer=peer)
        except CoprotocolStateError as exc:
            reply: Tuple[Dict[str, Any], ...] = ()
            if not isinstance(parsed, ProblemReport):
                reply = (self._problem(parsed.id, None, exc.code, exc.problem_args),)
            return Step(reply, (Rejected(parsed.id, exc.code, str(exc)),))

    def _reject_raw(self, message: RawMessage, code: str, args: Sequence[Any], reason: str) -> Step:
        obj: Any = message
        if isinstance(message, (str, bytes, bytearray)):
            try:
                obj = loads(message)
            except MalformedMessage:
                obj = None
        mid = thid = None
        if isinstance(obj, Mapping):
            if self.shape == "v1":
                mid = obj.get("@id")
                thread = obj.get("~thread")
                thid = thread.get("thid") if isinstance(thread, Mapping) else None
            else:
                mid, thid = obj.get("id"), obj.get("thid")
            try:
                mid = _check_id(mid, self.shape, "id", _caller)
            except UsageError:
                mid = None
            try:
                thid = _check_id(thid, self.shape, "thid", _caller) if thid is not None else None
            except UsageError:
                thid = None
        if mid is None or _looks_like_problem_report(obj):
            return Step((), (Rejected(mid, code, reason),))
        return Step((self._problem(mid, thid, code, args),), (Rejected(mid, code, reason),))


class Caller(_Endpoint[CallerBinding]):
    """The ``caller`` role: "the entity giving input and getting output" (RFC 0482 §Roles).

    Security: RFC 0482 messages do not say who sent them. Use one instance
    per authenticated connection, or pass ``peer`` to :meth:`bind` and to
    every :meth:`receive` / :meth:`handle` so that only the peer a binding
    was made with can drive it (D26).

    Args:
        shape: ``"v1"`` or ``"v2"``: the message shape sent and expected.
        new_id: returns a fresh message id (default ``uuid4``); must suit the shape.
        clock: returns the time in UTC epoch seconds (default ``time.time``).
        max_bindings: the most bindings held at once (D27); :meth:`bind`
            beyond it prunes finished ones, then raises ``UsageError``.
    """

    def __init__(
        self,
        *,
        shape: str = "v2",
        new_id: Optional[Callable[[], str]] = None,
        clock: Optional[Callable[[], float]] = None,
        max_bindings: int = DEFAULT_MAX_BINDINGS,
    ) -> None:
        super().__init__(shape, new_id, clock, max_bindings)

    # -- host calls

    def bind(
        self,
        *,
        goal_code: str,
        cast: Sequence[Cast],
        interface: Interface,
        piuri_pat: Optional[str] = None,
        prefer: Optional[Sequence[Prefer]] = None,
        pthid: Optional[str] = None,
        peer: Optional[str] = None,
    ) -> Step:
        """Ask for a new binding: ``null -> detached`` (awaiting ``attach``).

        Args:
            goal_code: the goal the coprotocol must achieve.
            cast: who plays which role; the entry with id ``None`` is the
                role the called side will play.
            interface: the coprotocol interface for ``goal_code`` (RFC 0478),
                used to check inputs and outputs.
            piuri_pat: optional PIURI wildcard pattern (RFC 0482: "preferably
                omitted as it creates tight coupling").
            prefer: optional sort order for the called side's candidates.
            pthid: optional thread of the calling protocol.
            peer: the peer the bind goes to (D26): only messages received
                with this same ``peer`` may then act on the binding.

        Returns:
            The ``bind`` to send and :class:`BindSent`; its id is the binding id.

        Raises:
            UsageError: the interface is for another goal or lacks the
                recipient's role, a field is invalid, or ``max_bindings``
                bindings that are not done are held (D27).
        """
        self._check_peer(peer)
        if not isinstance(interface, Interface):
            raise UsageError("interface must be an Interface")
        if interface.goal != goal_code:
            raise UsageError(f"the interface is for goal {interface.goal!r}, not {goal_code!r}")
        bind = Bind(
            id=self._new_id(),
            goal_code=goal_code,
            cast=tuple(cast),
            piuri_pat=piuri_pat,
            prefer=None if prefer is None else tuple(prefer),
            pthid=pthid,
        )
        role_name = recipient_role(bind)
        role = interface.role(role_name) if role_name is not None else None
        if role is None:
            raise UsageError(f"the interface declares no role {role_name!r} for the bind's recipient")
        message = bind.to_message(self.shape)
        if not self._has_room():
            raise UsageError(f"already {len(self._bindings)} bindings (max_bindings); forget() some first")
        binding = CallerBinding(bind.id, goal_code, bind.cast or (), interface, role, piuri_pat, peer=peer)
        binding.state, binding.pending = DETACHED, bind.id  # RFC 0482: null -> detached
        self._bindings[bind.id] = binding
        self._remember(bind.id, bind.id)
        return Step((message,), (BindSent(bind.id, False),))

    def _check_expiry(self, binding: CallerBinding) -> Optional[Done]:
        # D21: "how long the caller has to take the next step binding will be
        # held in an inactive state before being abandoned" (RFC 0482 §attach).
        if (
            binding.state in (DETACHED, ATTACHED)
            and not binding.launched
            and binding.expires_time is not None
            and self._now() > binding.expires_time
        ):
            binding.state, binding.pending, binding.done_reason = DONE, None, EXPIRED
            return Done(binding.binding_id, EXPIRED)
        return None

    def send_input(self, binding_id: str, interaction_point: str, data: Mapping[str, Any]) -> Step:
        """Give the coprotocol input at one of the called role's ``get`` points.

        Raises:
            UsageError: unknown binding, not ``attached``, the binding expired
                (it is now ``done``), an undeclared point, or data not
                matching the declaration.
        """
        binding = self._get(binding_id)
        expired = self._check_expiry(binding)
        if expired is not None:
            raise UsageError(f"binding {binding_id} expired at {format_time(binding.expires_time)} and is done")  # type: ignore[arg-type]
        if binding.state != ATTACHED:
            raise UsageError(f"input needs an attached binding; {binding_id} is {binding.state}")
        point = binding.role.point("get", interaction_point)
        if point is None:
            raise UsageError(f"role {binding.role.role} gets no input at {interaction_point!r}")
        check_data(point, data, lambda reason: UsageError(f"{interaction_point}: {reason}"))
        message = Input(id=self._new_id(), pthid=binding_id, interaction_point=interaction_point, data=dict(data))
        out = message.to_message(self.shape)
        binding.launched = True
        self._remember(message.id, binding_id)
        return Step((out,), ())

    def detach(self, binding_id: str) -> Step:
        """Detach: ``attached -> detached``; the coprotocol keeps running on the called side.

        Raises:
            UsageError: unknown binding or not ``attached``.
        """
        binding = self._get(binding_id)
        if binding.state != ATTACHED:
            raise UsageError(f"detach needs an attached binding; {binding_id} is {binding.state}")
        message = Detach(id=self._new_id(), pthid=binding_id)
        out = message.to_message(self.shape)
        binding.state = DETACHED
        self._remember(message.id, binding_id)
        return Step((out,), ())

    def rebind(
        self,
        binding_id: str,
        *,
        goal_code: Optional[str] = None,
        cast: Optional[Sequence[Cast]] = None,
        piuri_pat: Optional[str] = None,
    ) -> Step:
        """Ask to re-attach to a detached binding (``co_binding_id`` = ``binding_id``).

        RFC 0482: "this time, the co_binding_id field should have the
        coprotocol binding id ... Other fields in the message are optional;
        if present, they constitute a check".

        Raises:
            UsageError: unknown binding, not ``detached``, a bind already
                pending, or the binding expired (it is now ``done``).
        """
        binding = self._get(binding_id)
        if self._check_expiry(binding) is not None:
            raise UsageError(f"binding {binding_id} expired and is done")
        if binding.state != DETACHED or binding.pending is not None:
            what = "a bind is pending" if binding.pending else binding.state
            raise UsageError(f"re-bind needs a detached binding; {binding_id}: {what}")
        bind = Bind(
            id=self._new_id(),
            co_binding_id=binding_id,
            goal_code=goal_code,
            cast=None if cast is None else tuple(cast),
            piuri_pat=piuri_pat,
        )
        out = bind.to_message(self.shape)
        binding.pending = bind.id
        self._remember(bind.id, binding_id)
        return Step((out,), (BindSent(binding_id, True),))

    # -- received messages

    def handle(self, message: Message, *, peer: Optional[str] = None) -> Step:
        """Apply a parsed received message.

        Args:
            message: a parsed message (:func:`parse_message`).
            peer: the authenticated sender, as for :meth:`receive` (D26).

        Returns:
            The :class:`Step` (the caller never has to answer, so normally no
            messages).

        Raises:
            CoprotocolStateError: the message names no binding of ours, is not
                allowed in the binding's state, or is a message the caller
                role never receives.
            UsageError: not a parsed message.
        """
        self._check_peer(peer)
        if isinstance(message, Attach):
            return self._on_attach(message, peer)
        if isinstance(message, Output):
            return self._on_output(message, peer)
        if isinstance(message, ProblemReport):
            return self._on_problem(message, peer)
        if isinstance(message, (Bind, Input, Detach)):
            raise CoprotocolStateError("e.m.req.invalid-state", (message.name, "caller role"))
        raise UsageError("handle() takes a parsed coprotocol message")

    def _on_attach(self, attach: Attach, peer: Optional[str]) -> Step:
        binding = self._bindings.get(attach.pthid)
        if binding is None and attach.pthid in self._sent:
            # D22: an attach may name the re-bind it answers instead of the binding.
            candidate = self._bindings.get(self._sent[attach.pthid])
            if candidate is not None and candidate.pending == attach.pthid:
                binding = candidate
        binding = self._owned(binding, peer, attach.pthid)
        if binding.state != DETACHED or binding.pending is None:
            raise CoprotocolStateError("e.m.req.invalid-state", ("attach", binding.state))
        reattached = binding.piuri is not None
        if reattached and attach.piuri != binding.piuri:
            raise CoprotocolStateError("e.m.req.binding-mismatch", (binding.binding_id, "piuri"))
        if not reattached and binding.piuri_pat is not None and not piuri_matches(binding.piuri_pat, attach.piuri):
            raise CoprotocolStateError("e.m.req.binding-mismatch", (binding.binding_id, "piuri"))
        binding.state, binding.pending, binding.piuri = ATTACHED, None, attach.piuri
        if attach.expires_time is not None:
            binding.expires_time = attach.expires_time
        return Step((), (Attached(binding.binding_id, attach.piuri, attach.expires_time, reattached),))

    def _on_output(self, output: Output, peer: Optional[str]) -> Step:
        binding = self._binding_for(output.pthid, peer)
        if binding.state != ATTACHED:
            raise CoprotocolStateError("e.m.req.invalid-state", ("output", binding.state))
        point = binding.role.point("give", output.interaction_point)
        if point is None:
            raise CoprotocolStateError(
                "e.m.msg.unknown-interaction-point", (output.interaction_point, "output", binding.role.role)
            )
        check_data(point, output.data, lambda reason: CoprotocolStateError("e.m.msg.invalid-data", (point.name, reason)))
        events: List[Event] = [OutputReceived(binding.binding_id, output.interaction_point, output.data)]
        if point.final:
            binding.state, binding.done_reason = DONE, COMPLETED
            events.append(Done(binding.binding_id, COMPLETED))
        return Step((), tuple(events))

    def _on_problem(self, report: ProblemReport, peer: Optional[str]) -> Step:
        binding_id = report.pthid if report.pthid in self._bindings else self._sent.get(report.pthid)
        binding = self._owned(self._bindings.get(binding_id or ""), peer, report.pthid)
        events: List[Event] = [ProblemReceived(binding_id, report)]
        if binding.state == DONE or report.sorter == "w":
            return Step((), tuple(events))
        if binding.pending is not None and report.pthid == binding.pending:
            if binding.pending == binding_id:
                # The first bind was refused (e.g. no match): there is no binding.
                binding.state, binding.pending, binding.done_reason = DONE, None, REFUSED
                events.append(Done(binding_id, REFUSED))
                return Step((), tuple(events))
            binding.pending = None  # a re-bind was refused; still detached
        if report.scope == "p":
            binding.state, binding.pending, binding.done_reason = DONE, None, ABANDONED
            events.append(Done(binding_id, ABANDONED))
        return Step((), tuple(events))


class Called(_Endpoint[CalledBinding]):
    """The ``called`` role: "the entity getting input and giving output" (RFC 0482 §Roles).

    Security: RFC 0482 messages do not say who sent them, so any peer that
    learns a binding id could drive the binding. Use one instance per
    authenticated connection, or pass ``peer`` to every :meth:`receive` /
    :meth:`handle`: the peer that sent the ``bind`` is recorded and messages
    about the binding from anyone else are refused (D26).

    Args:
        registry: the implementations it can bind.
        shape: ``"v1"`` or ``"v2"``.
        new_id: returns a fresh message id (default ``uuid4``).
        clock: returns the time in UTC epoch seconds (default ``time.time``).
        hold_seconds: if set, each ``attach`` of a not yet launched binding
            carries an expiry this far ahead (v2: whole seconds, v1:
            milliseconds, rounded down).
        max_bindings: the most bindings held at once (D27); a new ``bind``
            beyond it prunes finished ones, then is refused with
            ``e.p.req.too-many-bindings``.
        max_renewals: how many re-binds of a binding not yet launched may
            push its expiry further (D27); later ones keep the last deadline.
    """

    def __init__(
        self,
        registry: Registry,
        *,
        shape: str = "v2",
        new_id: Optional[Callable[[], str]] = None,
        clock: Optional[Callable[[], float]] = None,
        hold_seconds: Optional[float] = None,
        max_bindings: int = DEFAULT_MAX_BINDINGS,
        max_renewals: int = DEFAULT_MAX_RENEWALS,
    ) -> None:
        super().__init__(shape, new_id, clock, max_bindings)
        if isinstance(max_renewals, bool) or not isinstance(max_renewals, int) or max_renewals < 0:
            raise UsageError("max_renewals must be an int >= 0")
        self.max_renewals = max_renewals
        if not isinstance(registry, Registry):
            raise UsageError("registry must be a Registry")
        if hold_seconds is not None and (
            isinstance(hold_seconds, bool) or not isinstance(hold_seconds, (int, float)) or not hold_seconds > 0
        ):
            raise UsageError("hold_seconds must be a positive number")
        self.registry = registry
        self.hold_seconds = hold_seconds

    # -- host calls

    def _live(self, binding_id: str) -> CalledBinding:
        binding = self._get(binding_id)
        if binding.state != ATTACHED:
            raise UsageError(f"binding {binding_id} is {binding.state}")
        return binding

    def set_state(self, binding_id: str, state: str) -> None:
        """Record the coprotocol's own state (RFC 0478 interaction points are open "@" states).

        Raises:
            UsageError: unknown or finished binding, or an empty state name.
        """
        binding = self._live(binding_id)
        if not isinstance(state, str) or not normalize_name(state):
            raise UsageError("state must be a non-empty state name")
        binding.coprotocol_state = state

    def emit_output(self, binding_id: str, interaction_point: str, data: Mapping[str, Any]) -> Step:
        """The coprotocol gives output at one of its ``give`` points.

        Sent as an ``output`` while the caller is attached; otherwise
        discarded (RFC 0482: "sent to the bitbucket"), with an
        :class:`OutputDiscarded` event. At a ``final`` point the binding is
        then ``done``.

        Raises:
            UsageError: unknown or finished binding, an undeclared point, a
                point not open in the current coprotocol state, or data not
                matching the declaration.
        """
        binding = self._live(binding_id)
        role = binding.candidate.role
        point = role.point("give", interaction_point)
        if point is None:
            raise UsageError(f"role {role.role} gives no output at {interaction_point!r}")
        if not point.available_in(binding.coprotocol_state):
            raise UsageError(f"{interaction_point} is not open in coprotocol state {binding.coprotocol_state!r}")
        check_data(point, data, lambda reason: UsageError(f"{interaction_point}: {reason}"))
        messages: Tuple[Dict[str, Any], ...] = ()
        events: List[Event] = []
        if binding.caller_attached:
            message = Output(id=self._new_id(), pthid=binding_id, interaction_point=interaction_point, data=dict(data))
            messages = (message.to_message(self.shape),)
            self._remember(message.id, binding_id)
        else:
            events.append(OutputDiscarded(binding_id, interaction_point, dict(data)))
        if point.final:
            binding.state, binding.done_reason = DONE, COMPLETED
            events.append(Done(binding_id, COMPLETED))
        return Step(messages, tuple(events))

    def abandon(self, binding_id: str, code: str = "e.p.me", args: Sequence[Any] = ()) -> Step:
        """Abandon a binding (``done``), telling the caller if it is attached.

        Args:
            code: a DIDComm v2 problem code with scope ``p``.

        Raises:
            UsageError: unknown or finished binding, or a code without scope ``p``.
        """
        binding = self._live(binding_id)
        parts = code.split(".") if isinstance(code, str) else []
        if len(parts) < 2 or parts[0] != "e" or parts[1] != "p":
            raise UsageError("abandoning needs an error code with scope p (e.p....)")
        messages: Tuple[Dict[str, Any], ...] = ()
        if binding.caller_attached:
            report = ProblemReport.for_code(self._new_id(), binding_id, code, args)
            messages = (report.to_message(self.shape),)
        binding.state, binding.done_reason = DONE, ABANDONED
        return Step(messages, (Done(binding_id, ABANDONED),))

    def _deadline(self) -> Optional[_dt.datetime]:
        if self.hold_seconds is None:
            return None
        moment = self._clock() + self.hold_seconds
        epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        if self.shape == "v2":
            return epoch + _dt.timedelta(seconds=math.floor(moment))
        return epoch + _dt.timedelta(milliseconds=math.floor(moment * 1000))

    def _check_expiry(self, binding: CalledBinding) -> Optional[Done]:
        if (
            binding.state == ATTACHED
            and not binding.launched
            and binding.expires_time is not None
            and self._now() > binding.expires_time
        ):
            binding.state, binding.done_reason = DONE, EXPIRED
            return Done(binding.binding_id, EXPIRED)
        return None

    # -- received messages

    def handle(self, message: Message, *, peer: Optional[str] = None) -> Step:
        """Apply a parsed received message.

        Args:
            message: a parsed message (:func:`parse_message`).
            peer: the authenticated sender, as for :meth:`receive` (D26):
                recorded on ``bind``, compared on every later message.

        Returns:
            The :class:`Step`: an ``attach`` for a matched bind, a
            ``problem-report`` for no match, a mismatching re-bind or an
            expired binding, events for inputs and detaches.

        Raises:
            CoprotocolStateError: the message names no binding, is not allowed
                in the binding's state, or is one the called role never
                receives; an input at an undeclared or closed interaction
                point, or with data not matching its declaration.
            UsageError: not a parsed message.
        """
        self._check_peer(peer)
        if isinstance(message, Bind):
            return self._on_rebind(message, peer) if message.is_rebind else self._on_bind(message, peer)
        if isinstance(message, Input):
            return self._on_input(message, peer)
        if isinstance(message, Detach):
            return self._on_detach(message, peer)
        if isinstance(message, ProblemReport):
            return self._on_problem(message, peer)
        if isinstance(message, (Attach, Output)):
            raise CoprotocolStateError("e.m.req.invalid-state", (message.name, "called role"))
        raise UsageError("handle() takes a parsed coprotocol message")

    def _attach(self, binding: CalledBinding, reattached: bool) -> Step:
        if not binding.launched:
            if not reattached:
                binding.expires_time = self._deadline()
            elif binding.renewals < self.max_renewals:
                # D27: a re-bind renews the hold, but only max_renewals times.
                binding.renewals += 1
                binding.expires_time = self._deadline()
        attach = Attach(
            id=self._new_id(),
            pthid=binding.binding_id,
            piuri=binding.piuri,
            expires_time=None if binding.launched else binding.expires_time,
        )
        out = attach.to_message(self.shape)
        binding.state, binding.caller_attached = ATTACHED, True
        self._remember(attach.id, binding.binding_id)
        return Step((out,), (Attached(binding.binding_id, binding.piuri, attach.expires_time, reattached),))

    def _on_bind(self, bind: Bind, peer: Optional[str]) -> Step:
        # RFC 0482: "The @id of the bind message ... becomes a permanent
        # identifier for the coprotocol binding" -- so it must be new.
        if bind.id in self._bindings:
            raise CoprotocolStateError("e.m.req.duplicate-binding", (bind.id,))
        if not self._has_room():
            code = "e.p.req.too-many-bindings"
            report = self._problem(bind.id, None, code, (self.max_bindings,))
            return Step((report,), (Rejected(bind.id, code, f"already {len(self._bindings)} bindings"),))
        candidate = self.registry.select(bind)
        if candidate is None:
            report = self._problem(bind.id, None, "e.p.req.no-match", (bind.goal_code,))
            return Step((report,), (NoMatch(bind.id, bind.goal_code),))
        binding = CalledBinding(bind.id, candidate, bind.goal_code or "", bind.cast or (), bind.pthid, peer=peer)
        # RFC 0482: "The coprotocol is NOT launched, but it is awaiting launch."
        step = self._attach(binding, reattached=False)
        self._bindings[bind.id] = binding
        return step

    def _expired_reply(self, binding: CalledBinding, message: Message) -> Optional[Step]:
        done = self._check_expiry(binding)
        if done is None and binding.done_reason != EXPIRED:
            return None
        # An unused binding was abandoned at its expiry (D21).
        report = self._problem(
            message.id, None, "e.p.req.time.expired", (binding.binding_id, format_time(binding.expires_time))  # type: ignore[arg-type]
        )
        return Step((report,), (done,) if done is not None else ())

    def _on_rebind(self, bind: Bind, peer: Optional[str]) -> Step:
        binding = self._owned(self._bindings.get(bind.co_binding_id or ""), peer, bind.co_binding_id)
        expired = self._expired_reply(binding, bind)
        if expired is not None:
            return expired
        if binding.state == DONE:
            raise CoprotocolStateError("e.p.req.binding-done", (binding.binding_id,))
        # RFC 0482: other fields, "if present, they constitute a check that the
        # binding in question has the properties the caller expects".
        mismatch = None
        if bind.goal_code is not None and bind.goal_code != binding.goal_code:
            mismatch = "goal_code"
        elif bind.cast is not None and _cast_key(bind.cast) != _cast_key(binding.cast):
            mismatch = "cast"
        elif bind.piuri_pat is not None and not piuri_matches(bind.piuri_pat, binding.piuri):
            mismatch = "piuri_pat"
        if mismatch is not None:
            report = self._problem(bind.id, None, "e.m.req.binding-mismatch", (binding.binding_id, mismatch))
            return Step((report,), (Rejected(bind.id, "e.m.req.binding-mismatch", f"re-bind checks {mismatch}"),))
        return self._attach(binding, reattached=True)

    def _on_input(self, message: Input, peer: Optional[str]) -> Step:
        binding = self._binding_for(message.pthid, peer)
        expired = self._expired_reply(binding, message)
        if expired is not None:
            return expired
        if binding.state == DONE:
            raise CoprotocolStateError("e.p.req.binding-done", (binding.binding_id,))
        if not binding.caller_attached:
            raise CoprotocolStateError("e.m.req.invalid-state", ("input", "attached, caller detached"))
        role = binding.candidate.role
        point = role.point("get", message.interaction_point)
        if point is None:
            raise CoprotocolStateError("e.m.msg.unknown-interaction-point", (message.interaction_point, "input", role.role))
        if not point.available_in(binding.coprotocol_state):
            raise CoprotocolStateError(
                "e.m.req.interaction-point-unavailable", (message.interaction_point, binding.coprotocol_state)
            )
        check_data(point, message.data, lambda reason: CoprotocolStateError("e.m.msg.invalid-data", (point.name, reason)))
        binding.launched = True
        return Step((), (InputReceived(binding.binding_id, message.interaction_point, message.data),))

    def _on_detach(self, message: Detach, peer: Optional[str]) -> Step:
        binding = self._binding_for(message.pthid, peer)
        expired = self._expired_reply(binding, message)
        if expired is not None:
            return expired
        if binding.state == DONE:
            raise CoprotocolStateError("e.p.req.binding-done", (binding.binding_id,))
        if not binding.caller_attached:
            raise CoprotocolStateError("e.m.req.invalid-state", ("detach", "attached, caller detached"))
        # RFC 0482: "This leaves the coprotocol running on called".
        binding.caller_attached = False
        return Step((), (Detached(binding.binding_id),))

    def _on_problem(self, report: ProblemReport, peer: Optional[str]) -> Step:
        binding_id = report.pthid if report.pthid in self._bindings else self._sent.get(report.pthid)
        binding = self._owned(self._bindings.get(binding_id or ""), peer, report.pthid)
        events: List[Event] = [ProblemReceived(binding_id, report)]
        if binding.state == ATTACHED and report.sorter != "w" and report.scope == "p":
            # DIDComm v2 scope "p": "The protocol within which the error occurs
            # (and any co-protocols started by and depended on by the protocol)
            # is abandoned".
            binding.state, binding.done_reason = DONE, ABANDONED
            events.append(Done(binding_id, ABANDONED))
        return Step((), tuple(events))
