"""Aries RFC 0482 "Coprotocol Protocol 0.5": the messages, built and parsed in both DIDComm shapes.

RFC 0482 (sister of the concept RFC 0478) lets one protocol bind to, feed and
listen to another. It has five messages of its own -- ``bind``, ``attach``,
``input``, ``output``, ``detach`` -- "and the adopted ``problem-report``"
(RFC 0482 §Messages). This module holds them as immutable values:

* builders: :class:`Bind`, :class:`Attach`, :class:`Input`, :class:`Output`,
  :class:`Detach`, :class:`ProblemReport`; each checks its fields
  (:class:`~refdidcomm.errors.UsageError`) and writes itself with
  ``to_message(shape)`` as a JSON object in one of two shapes:

  - ``"v1"`` -- DIDComm v1 / Aries: ``@id``, ``@type``, the ``~thread``
    decorator (RFC 0008) and ``~timing`` (RFC 0032), fields at top level;
  - ``"v2"`` -- DIDComm v2: ``id``, ``type``, the ``thid``/``pthid`` and
    ``expires_time`` headers, fields inside ``body``;

* one validating parser, :func:`parse_message`, which raises
  :class:`~refdidcomm.errors.MalformedMessage` naming the field at fault
  (:class:`UnsupportedVersion` when only the protocol version is wrong).

No I/O, no clock, no randomness here: ids are passed in. The state machines
that use these messages are in :mod:`refdidcomm._rfc0482_machines`.

Choices where RFC 0482 is ambiguous or contradicts itself (each is argued in
``docs/coprotocol-decisions.md``; the short form is repeated where it is
enforced):

* D1. Version: the PIURI is ``https://didcomm.org/coprotocol/0.5`` ("Name and
  Version") but every example's ``@type`` says ``1.0``. We send 0.5 and, by
  RFC 0003 semver.md ("For major version 0, they should also reject protocols
  with minor versions they don't support"), reject 1.0 as
  :class:`UnsupportedVersion`. Type URIs are parsed by the project's one
  parser, :mod:`refdidcomm._message_type` (RFC 0020: no patch number; RFC
  0348: the legacy ``did:sov`` prefix is accepted).
* D2. ``data`` is written ``[ "amount": 1.23, ... ]`` -- not JSON. We read
  it as what the text calls it, "any number of named inputs": a JSON object.
* D3. ``co_binding_id`` is ``null`` in the tutorial and has no value at all in
  the Reference example (not JSON). Absent and ``null`` mean "new binding";
  builders write ``null`` as the tutorial does.
* D4. ``~timing.expires_time`` is written as one dotted member name. RFC 0032
  defines the ``~timing`` decorator object with an ``expires_time`` member; we
  write and read that, and reject the dotted name loudly rather than ignore
  an expiry the sender meant.
* D5. Threading: every message after ``bind`` carries ``pthid`` = the
  binding id and no ``thid`` (as every RFC example does). A ``bind`` may carry
  a ``pthid`` naming the *calling* protocol's thread (RFC 0478: the callee
  should know the two are related).
* D6. The adopted ``problem-report``: v1 uses RFC 0035's fields under our own
  PIURI (RFC 0003 template.md, "Adopted Messages"); v2 uses the DIDComm v2
  ``https://didcomm.org/report-problem/2.0/problem-report``.
* D7. Message ids: v1 ``@id`` must match RFC 0008's regex
  ``[-_./a-zA-Z0-9]{8,64}`` (the RFC prints ``a-ZA-Z``, a typo); v2 ``id`` is
  any non-empty string (DIDComm v2 §Message Headers sets no syntax).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _json
from ._message_type import DIDCOMM_DOC_URI, parse_message_type, parse_protocol_id, version_problem
from .errors import MalformedMessage, UsageError

__all__ = [
    "SHAPES",
    "PROTOCOL_NAME",
    "PROTOCOL_VERSION",
    "DOC_URI",
    "PIURI",
    "MAX_PIURI_PAT",
    "V2_PROBLEM_REPORT_TYPE",
    "MESSAGE_NAMES",
    "PROBLEM_CODES",
    "UnsupportedVersion",
    "message_type",
    "parse_piuri",
    "normalize_name",
    "format_time",
    "parse_time",
    "interpolate",
    "Cast",
    "Prefer",
    "Bind",
    "Attach",
    "Input",
    "Output",
    "Detach",
    "ProblemReport",
    "Message",
    "parse_message",
    "loads",
]

SHAPES = ("v1", "v2")

# RFC 0482 §Name and Version: 'The name of this protocol is "Coprotocol
# Protocol 0.5" It is identified by the PIURI "https://didcomm.org/coprotocol/0.5".'
PROTOCOL_NAME = "coprotocol"
PROTOCOL_VERSION = (0, 5)
DOC_URI = DIDCOMM_DOC_URI
PIURI = f"{DOC_URI}{PROTOCOL_NAME}/{PROTOCOL_VERSION[0]}.{PROTOCOL_VERSION[1]}"

# RFC 0482 §Messages: "The protocol consists of 5 messages: bind, attach,
# input, output, detach and the adopted problem-report".
MESSAGE_NAMES = ("bind", "attach", "input", "output", "detach", "problem-report")

# DIDComm v2 §Problem Reports (the example's "type").
V2_PROBLEM_REPORT_TYPE = "https://didcomm.org/report-problem/2.0/problem-report"

# D10: the longest piuri_pat accepted. RFC 0482 sets no limit; PIURIs are
# short (the RFC's examples are under 60 characters), so 256 leaves room for
# any real pattern while bounding what one bind can cost the matcher.
MAX_PIURI_PAT = 256

# RFC 0008 §Message ID Requirements: "A short stream of characters matching
# regex [-_./a-ZA-Z0-9]{8,64}". "a-ZA-Z" is a typo for a-zA-Z (D7).
_V1_ID = re.compile(r"[-_./a-zA-Z0-9]{8,64}")

# Message type URIs and PIURIs (RFC 0003 uris.md ABNF, RFC 0020 versions,
# RFC 0348 legacy prefix) are parsed in one place for all of refdidcomm:
# refdidcomm._message_type.

# RFC 0074 §Date Time Conventions, "_time": ISO 8601 "yyyy-mm-ddTHH:MM:SS.xxx...",
# "the timezone defaults to UTC", "Precision can vary from minute to
# microsecond or greater", "The capital 'T' ... can freely vary with a space",
# "If local time is needed, Timezone Offset Notation is used".
_TIME = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]+))?)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?"
)

# DIDComm v2 §Problem Codes: "lower kabob-case ... a sequence of tokens
# delimited by the dot character"; sorter "e" or "w"; then the scope; then
# descriptors ("SHOULD include at least one descriptor").
_TOKEN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_PROBLEM_CODE = re.compile(rf"[ew]\.{_TOKEN}(?:\.{_TOKEN})*")

# Problem codes this implementation sends, each with its static comment
# (DIDComm v2: "the text MUST be statically associated with code") and the
# names of its args (v1 writes them as RFC 0035 problem_items). RFC 0482 names
# no codes; the one an RFC does name is "version-not-supported" (RFC 0003
# semver.md), kept as the descriptor. Descriptors come from DIDComm v2's
# table: "msg" (bad message), "req" (out of order / preconditions),
# "req.time" (expired). Scope "m" = only the message is rejected, "p" = the
# binding is abandoned.
PROBLEM_CODES: Mapping[str, Tuple[str, Tuple[str, ...]]] = {
    "e.m.msg.malformed": ("Message is not well formed: {1}: {2}.", ("field", "reason")),
    "e.m.msg.version-not-supported": (
        "Protocol version {1} is not supported; this agent speaks {2}.",
        ("version", "supported"),
    ),
    "e.p.req.no-match": ("No coprotocol implementation matches the bind for goal {1}.", ("goal_code",)),
    "e.m.req.invalid-state": ("Message {1} is not allowed in state {2}.", ("message", "state")),
    "e.m.req.unknown-binding": ("There is no coprotocol binding {1}.", ("binding_id",)),
    "e.m.req.duplicate-binding": ("A coprotocol binding {1} already exists.", ("binding_id",)),
    "e.p.req.too-many-bindings": ("This agent holds its limit of {1} coprotocol bindings.", ("max_bindings",)),
    "e.m.req.binding-mismatch": ("Binding {1} does not have the expected {2}.", ("binding_id", "field")),
    "e.m.msg.unknown-interaction-point": (
        "Interaction point {1} is not declared as an {2} of role {3}.",
        ("interaction_point", "direction", "role"),
    ),
    "e.m.msg.invalid-data": ("Data for interaction point {1} does not match its declaration: {2}.", ("interaction_point", "reason")),
    "e.m.req.interaction-point-unavailable": (
        "Interaction point {1} is not available in coprotocol state {2}.",
        ("interaction_point", "state"),
    ),
    "e.p.req.time.expired": ("Binding {1} expired at {2} before it was used.", ("binding_id", "expires_time")),
    "e.p.req.binding-done": ("Binding {1} is done.", ("binding_id",)),
    "e.p.me": ("Internal error.", ()),
}


class UnsupportedVersion(MalformedMessage):
    """The message type names this protocol at a version we do not speak (D1).

    RFC 0003 semver.md: "Agents for Bob (the recipient) should reject messages
    from protocols with major versions different from those they support. For
    major version 0, they should also reject protocols with minor versions
    they don't support".

    Attributes:
        version: the version the message carried, e.g. ``"1.0"``.
    """

    def __init__(self, version: str, field: str, reason: Optional[str] = None) -> None:
        self.version = version
        supported = f"{PROTOCOL_VERSION[0]}.{PROTOCOL_VERSION[1]}"
        super().__init__(reason or f"{PROTOCOL_NAME} version {version} is not supported (this implementation speaks {supported})", field)


Err = Callable[[str, Optional[str]], Exception]


def _peer(reason: str, field: Optional[str]) -> Exception:
    """Errors in received messages."""
    return MalformedMessage(reason, field)


def _caller(reason: str, field: Optional[str]) -> Exception:
    """Errors in what a builder was given."""
    return UsageError(f"{field}: {reason}" if field else reason)


def normalize_name(name: str) -> str:
    """Fold a protocol, message type, role or state name for comparison.

    RFC 0003 template.md: protocol names "are compared case-insensitively and
    ignoring punctuation" (``Let's Do Lunch!`` = ``lets_do_lunch``); role and
    state names likewise "are compared case-insensitively and ignoring
    punctuation"; uris.md: message type names too. We keep letters and digits
    and lower-case them.

    Args:
        name: the name as written.

    Returns:
        The folded name.
    """
    return "".join(ch for ch in name.lower() if ch.isalnum())


def message_type(name: str) -> str:
    """The v1/v2 ``type`` of one of our messages: ``PIURI + "/" + name``.

    Args:
        name: one of :data:`MESSAGE_NAMES`.

    Raises:
        UsageError: unknown name.
    """
    if name not in MESSAGE_NAMES:
        raise UsageError(f"not a coprotocol message name: {name!r}")
    return f"{PIURI}/{name}"


def parse_piuri(value: Any, field: str = "piuri", *, err: Err = _peer) -> Tuple[str, str, Tuple[int, int]]:
    """Check a PIURI (RFC 0003 uris.md, via :mod:`refdidcomm._message_type`).

    Args:
        value: the candidate, e.g. ``"https://didcomm.org/pay-with-venmo/1.3"``.
        field: the field name for errors.

    Returns:
        ``(doc_uri_with_delim, protocol_name, (major, minor))``; the legacy
        ``did:sov:...;spec/`` prefix comes back as ``https://didcomm.org/``.

    Raises:
        MalformedMessage: (or what ``err`` makes) not a string or not a PIURI.

    Spec: RFC 0003 uris.md §PIURI; RFC 0020 (major.minor, no patch).
    """
    try:
        pid = parse_protocol_id(value, field=field)
    except MalformedMessage as exc:
        raise err(exc.reason, field) from None
    return pid.doc_uri, pid.protocol, (pid.major, pid.minor or 0)


def format_time(when: _dt.datetime) -> str:
    """Write a ``_time`` value: ISO 8601 in UTC with the ``Z`` suffix.

    RFC 0074: "It is _strongly_ recommended to use the "Z" suffix to make UTC
    explicit". Fractional seconds are written only as far as needed (at most
    microseconds).

    Args:
        when: an aware datetime.

    Raises:
        UsageError: naive datetime.
    """
    if not isinstance(when, _dt.datetime) or when.tzinfo is None:
        raise UsageError("expires_time must be an aware datetime")
    utc = when.astimezone(_dt.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += ("." + f"{utc.microsecond:06d}").rstrip("0")
    return text + "Z"


def parse_time(value: Any, field: str) -> _dt.datetime:
    """Read a ``_time`` value (RFC 0074) as an aware UTC datetime.

    Accepts ``T`` or a space between date and time, minute to sub-microsecond
    precision (digits after the sixth are dropped), ``Z``, an offset
    ``+hh:mm``, or no zone at all ("the timezone defaults to UTC" -- which
    is what RFC 0482's own example ``"2020-06-23T18:42:07.124"`` relies on).

    Raises:
        MalformedMessage: anything else, or an impossible date.

    Spec: RFC 0074 §Date Time Conventions (``_time``); RFC 0032 ``~timing``.
    """
    if not isinstance(value, str):
        raise MalformedMessage("must be an ISO 8601 string", field)
    m = _TIME.fullmatch(value)
    if m is None:
        raise MalformedMessage(f"not an ISO 8601 date and time (RFC 0074 _time): {value!r}", field)
    tz = _dt.timezone.utc
    if m["tz"] and m["tz"] != "Z":
        sign = 1 if m["tz"][0] == "+" else -1
        hours, minutes = int(m["tz"][1:3]), int(m["tz"][4:6])
        if hours > 23 or minutes > 59:
            raise MalformedMessage(f"bad time zone offset {m['tz']!r}", field)
        tz = _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
    try:
        when = _dt.datetime(
            int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"] or 0), micro, tzinfo=tz
        )
    except ValueError as exc:
        raise MalformedMessage(f"impossible date or time {value!r}: {exc}", field) from None
    return when.astimezone(_dt.timezone.utc)


def _arg_text(arg: Any) -> str:
    if arg is None:
        return "?"
    if isinstance(arg, str):
        return arg
    return _json.dumps(arg)


def interpolate(comment: str, args: Sequence[Any]) -> str:
    """Fill ``{1}``, ``{2}`` ... in a problem-report comment.

    DIDComm v2 §Problem Reports: "args are referenced as {1}, {2}, and so
    forth. Missing or null args MUST be replaced with a question mark
    character (?) during interpolation; extra args MUST be appended to the
    main text as comma-separated values." We append them after one space,
    separated by ", ".

    Args:
        comment: the text with placeholders.
        args: JSON scalars.

    Returns:
        The text.
    """
    used = set()

    def repl(m: "re.Match[str]") -> str:
        n = int(m[1])
        used.add(n)
        return _arg_text(args[n - 1]) if 1 <= n <= len(args) else "?"

    text = re.sub(r"\{([0-9]+)\}", repl, comment)
    extra = [_arg_text(a) for i, a in enumerate(args, 1) if i not in used]
    return f"{text} {', '.join(extra)}" if extra else text


# -- field checks shared by builders (UsageError) and the parser (MalformedMessage)


def _check_id(value: Any, shape: str, field: str, err: Err) -> str:
    if not isinstance(value, str):
        raise err("must be a string", field)
    if shape == "v1":
        if not _V1_ID.fullmatch(value):
            raise err("must match [-_./a-zA-Z0-9]{8,64} (RFC 0008 Message ID Requirements)", field)
    elif not value:
        raise err("must not be empty (DIDComm v2 §Message Headers)", field)
    return value


def _check_text(value: Any, field: str, err: Err) -> str:
    if not isinstance(value, str) or not value:
        raise err("must be a non-empty string", field)
    return value


def _check_shape(shape: Any) -> str:
    if shape not in SHAPES:
        raise UsageError(f"shape must be 'v1' or 'v2', not {shape!r}")
    return shape


def _check_data(value: Any, field: str, err: Err) -> Dict[str, Any]:
    # D2: RFC 0482's examples write "data": [ "amount": 1.23, ... ], which is
    # not JSON; the text says "pass it any number of named inputs", so data is
    # a JSON object of named values.
    if not isinstance(value, dict):
        raise err("must be a JSON object of named values (RFC 0482 writes a list of pairs, which is not JSON)", field)
    for name in value:
        if not isinstance(name, str) or not name:
            raise err("names must be non-empty strings", field)
    try:
        _json.dumps(value)
    except UsageError as exc:
        raise err(f"not JSON data: {exc}", field) from None
    return value


@dataclass(frozen=True)
class Cast:
    """One entry of ``bind.cast``: who plays which role.

    RFC 0482 §Messages: ``{"role": "payee", "id": null}`` -- "Recipient of
    the bind message (id = null) should be payee"; ``{"role": "payer", "id":
    "did:peer:abc123"}``.

    Attributes:
        role: role name (compared case-insensitively, ignoring punctuation).
        id: the party's identifier, or ``None`` for the bind's recipient.
    """

    role: str
    id: Optional[str]

    def __post_init__(self) -> None:
        _check_text(self.role, "cast.role", _caller)
        if self.id is not None:
            _check_text(self.id, "cast.id", _caller)

    def to_json(self) -> Dict[str, Any]:
        return {"role": self.role, "id": self.id}


@dataclass(frozen=True)
class Prefer:
    """One entry of ``bind.prefer``: sort candidates by ``attribute``.

    RFC 0482 §Reference: ``{ "attribute": "success_ratio", "direction": "d" }``;
    ``a`` ascending, ``d`` descending; later entries break ties.
    """

    attribute: str
    direction: str

    def __post_init__(self) -> None:
        _check_text(self.attribute, "prefer.attribute", _caller)
        if self.direction not in ("a", "d"):
            raise UsageError("prefer.direction must be 'a' or 'd'")

    def to_json(self) -> Dict[str, Any]:
        return {"attribute": self.attribute, "direction": self.direction}


def _check_cast(entries: Sequence[Tuple[str, Optional[str]]], err: Err) -> None:
    # RFC 0482: cast is "the following mapping of identifiers to roles" and the
    # entry with id = null is the bind's recipient. The called side must know
    # which role it plays, so exactly one entry has id null (decision D9).
    if not entries:
        raise err("must name at least the recipient's role", "cast")
    nulls = sum(1 for _, pid in entries if pid is None)
    if nulls != 1:
        raise err(f"exactly one entry must have id null (the bind's recipient), found {nulls}", "cast")
    seen = set()
    for role, pid in entries:
        key = (normalize_name(role), pid)
        if key in seen:
            raise err(f"duplicate entry for role {role!r}", "cast")
        seen.add(key)


def _tuple_of(value: Any, kind: type, field: str) -> Optional[tuple]:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise UsageError(f"{field} must be a sequence of {kind.__name__}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise UsageError(f"{field} must contain {kind.__name__} values")
    return items


def _thread_v1(pthid: Optional[str]) -> Dict[str, Any]:
    return {"~thread": {"pthid": pthid}} if pthid is not None else {}


@dataclass(frozen=True)
class Bind:
    """``bind``: caller -> called, "I would like to interact with a new coprotocol instance".

    The bind's id becomes the binding id (RFC 0482: "The @id of the bind
    message ... becomes a permanent identifier for the coprotocol binding").
    With ``co_binding_id`` set it is a re-attach request; then "Other fields
    in the message are optional; if present, they constitute a check that the
    binding in question has the properties the caller expects."

    Attributes:
        id: message id (the binding id for a first bind).
        goal_code: required on a first bind (RFC 0519 goal code).
        cast: required on a first bind.
        co_binding_id: ``None`` for a new binding (D3), else the binding id.
        piuri_pat: optional wildcard pattern over PIURIs (``*`` only, D10).
        prefer: optional sort order for candidates.
        pthid: optional parent thread (the calling protocol's thread, D5).
    """

    id: str
    goal_code: Optional[str] = None
    cast: Optional[Tuple[Cast, ...]] = None
    co_binding_id: Optional[str] = None
    piuri_pat: Optional[str] = None
    prefer: Optional[Tuple[Prefer, ...]] = None
    pthid: Optional[str] = None
    name = "bind"

    def __post_init__(self) -> None:
        _check_text(self.id, "id", _caller)
        object.__setattr__(self, "cast", _tuple_of(self.cast, Cast, "cast"))
        object.__setattr__(self, "prefer", _tuple_of(self.prefer, Prefer, "prefer"))
        _check_bind(
            self.goal_code,
            None if self.cast is None else [(c.role, c.id) for c in self.cast],
            self.co_binding_id,
            self.piuri_pat,
            _caller,
        )
        if self.pthid is not None:
            _check_text(self.pthid, "pthid", _caller)

    @property
    def is_rebind(self) -> bool:
        """True if this bind asks to re-attach to ``co_binding_id``."""
        return self.co_binding_id is not None

    def _fields(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        if self.goal_code is not None:
            out["goal_code"] = self.goal_code
        out["co_binding_id"] = self.co_binding_id  # D3: written even when null, as in the tutorial
        if self.cast is not None:
            out["cast"] = [c.to_json() for c in self.cast]
        if self.piuri_pat is not None:
            out["piuri_pat"] = self.piuri_pat
        if self.prefer is not None:
            out["prefer"] = [p.to_json() for p in self.prefer]
        return out

    def to_message(self, shape: str) -> Dict[str, Any]:
        """This message as a JSON object in ``shape`` (``"v1"`` or ``"v2"``)."""
        return _envelope(self, shape, self.pthid, self._fields())


def _check_bind(
    goal_code: Any,
    cast: Optional[Sequence[Tuple[str, Optional[str]]]],
    co_binding_id: Any,
    piuri_pat: Any,
    err: Err,
) -> None:
    if co_binding_id is not None:
        _check_text(co_binding_id, "co_binding_id", err)
    elif goal_code is None or cast is None:
        # A first bind asks for "a new coprotocol instance having the following
        # characteristics and the following mapping of identifiers to roles"
        # (RFC 0482 §Messages): without a goal and a cast there is nothing to
        # match. Only a re-attach may omit them ("Other fields ... are optional").
        raise err("a first bind (co_binding_id null) needs goal_code and cast", "goal_code" if goal_code is None else "cast")
    if goal_code is not None:
        _check_text(goal_code, "goal_code", err)
    if cast is not None:
        _check_cast(cast, err)
    if piuri_pat is not None:
        _check_text(piuri_pat, "piuri_pat", err)
        if len(piuri_pat) > MAX_PIURI_PAT:
            # D10: a bound on the work one bind can ask of the matcher.
            raise err(f"longer than {MAX_PIURI_PAT} characters", "piuri_pat")


@dataclass(frozen=True)
class Attach:
    """``attach``: called -> caller, acknowledging a bind and naming the bound protocol.

    RFC 0482: ``"~thread": { "pthid": <bind @id> }``, ``"piuri"`` ("This is
    the best match"), optional ``~timing.expires_time`` ("how long the caller
    has to take the next step ... before being abandoned").

    Attributes:
        id: message id.
        pthid: the binding id.
        piuri: the PIURI of the bound coprotocol.
        expires_time: optional aware datetime (v2 writes whole seconds).
    """

    id: str
    pthid: str
    piuri: str
    expires_time: Optional[_dt.datetime] = None
    name = "attach"

    def __post_init__(self) -> None:
        _check_text(self.id, "id", _caller)
        _check_text(self.pthid, "pthid", _caller)
        parse_piuri(self.piuri, err=_caller)
        if self.expires_time is not None:
            format_time(self.expires_time)  # aware datetime check

    def to_message(self, shape: str) -> Dict[str, Any]:
        """This message as a JSON object in ``shape``."""
        expires: Dict[str, Any] = {}
        if self.expires_time is not None:
            if _check_shape(shape) == "v1":
                # D4: RFC 0032's decorator object, not the dotted member name.
                expires = {"~timing": {"expires_time": format_time(self.expires_time)}}
            else:
                # DIDComm v2 §Message Headers: expires_time "expressed in UTC
                # Epoch Seconds" -- an integer.
                if self.expires_time.microsecond:
                    raise UsageError("a v2 expires_time is whole seconds")
                expires = {"expires_time": int(self.expires_time.timestamp())}
        return _envelope(self, shape, self.pthid, {"piuri": self.piuri}, expires)


@dataclass(frozen=True)
class _Exchange:
    id: str
    pthid: str
    interaction_point: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_text(self.id, "id", _caller)
        _check_text(self.pthid, "pthid", _caller)
        _check_text(self.interaction_point, "interaction_point", _caller)
        if not isinstance(self.data, Mapping):
            raise UsageError("data must be a mapping of named values")
        object.__setattr__(self, "data", dict(_check_data(dict(self.data), "data", _caller)))

    def to_message(self, shape: str) -> Dict[str, Any]:
        """This message as a JSON object in ``shape``."""
        return _envelope(self, shape, self.pthid, {"interaction_point": self.interaction_point, "data": dict(self.data)})


class Input(_Exchange):
    """``input``: caller -> called, data for an interaction point the called role "gets".

    RFC 0482: "This allows the caller to invoke the bound coprotocol
    instance, and to pass it any number of named inputs."
    """

    name = "input"


class Output(_Exchange):
    """``output``: called -> caller, data from an interaction point the called role "gives".

    RFC 0482: "when the coprotocol instance wants to emit an output from
    called to caller, it uses an output message".
    """

    name = "output"


@dataclass(frozen=True)
class Detach:
    """``detach``: caller -> called. "This leaves the coprotocol running on called"."""

    id: str
    pthid: str
    name = "detach"

    def __post_init__(self) -> None:
        _check_text(self.id, "id", _caller)
        _check_text(self.pthid, "pthid", _caller)

    def to_message(self, shape: str) -> Dict[str, Any]:
        """This message as a JSON object in ``shape``."""
        return _envelope(self, shape, self.pthid, {})


@dataclass(frozen=True)
class ProblemReport:
    """The adopted ``problem-report`` (D6).

    Attributes:
        id: message id.
        pthid: the thread the problem occurred in: the ``thid`` of the
            triggering message (DIDComm v2: "Its value is the thid of the
            thread in which the problem occurred"; RFC 0035: "the
            ~thread.pthid ... would be the @id of the triggering message"),
            or the binding id when no message triggered it.
        code: the problem code (v2 structured, e.g. ``e.p.req.no-match``).
        comment: static text for the code, with ``{1}`` placeholders.
        args: JSON scalars filling the placeholders.
        ack: ids of messages acknowledged (v2 ``ack`` header).
        impact: v1 RFC 0035 ``impact`` (``message``/``thread``/``connection``).
        items: v1 RFC 0035 ``problem_items`` as ``(name, value)`` pairs. When
            writing v1 and this is empty, the args are written as items named
            by :data:`PROBLEM_CODES`. A parsed v1 report has its human text
            (args already filled in) as ``comment`` and the values here.
    """

    id: str
    pthid: str
    code: str
    comment: Optional[str] = None
    args: Tuple[Any, ...] = ()
    ack: Tuple[str, ...] = ()
    impact: Optional[str] = None
    items: Tuple[Tuple[str, Any], ...] = ()
    name = "problem-report"

    def __post_init__(self) -> None:
        _check_text(self.id, "id", _caller)
        _check_text(self.pthid, "pthid", _caller)
        _check_text(self.code, "code", _caller)
        if self.comment is not None:
            _check_text(self.comment, "comment", _caller)
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "ack", tuple(self.ack))
        for a in self.args:
            if not isinstance(a, (str, int, float, bool)) and a is not None:
                raise UsageError("problem-report args must be JSON scalars")
        for a in self.ack:
            _check_text(a, "ack", _caller)
        object.__setattr__(self, "items", tuple((str(k), v) for k, v in self.items))
        if self.impact is not None and self.impact not in _IMPACTS:
            raise UsageError(f"impact must be one of {_IMPACTS}")

    @classmethod
    def for_code(cls, id: str, pthid: str, code: str, args: Sequence[Any] = (), ack: Sequence[str] = ()) -> "ProblemReport":
        """Build a report for one of :data:`PROBLEM_CODES` (or any valid code).

        The comment is the code's static text; v1 ``impact`` follows the
        scope (``m`` -> ``message``, otherwise ``thread``).

        Raises:
            UsageError: the code is not a DIDComm v2 problem code.
        """
        if not _PROBLEM_CODE.fullmatch(code):
            raise UsageError(f"not a DIDComm v2 problem code: {code!r}")
        comment = PROBLEM_CODES[code][0] if code in PROBLEM_CODES else None
        impact = "message" if code.split(".")[1] == "m" else "thread"
        return cls(id=id, pthid=pthid, code=code, comment=comment, args=tuple(args), ack=tuple(ack), impact=impact)

    @property
    def sorter(self) -> Optional[str]:
        """``"e"`` (error) or ``"w"`` (warning) for structured codes, else ``None``."""
        return self.code[0] if _PROBLEM_CODE.fullmatch(self.code) else None

    @property
    def scope(self) -> str:
        """``"m"`` (the message only) or ``"p"`` (the binding is abandoned).

        Structured codes name it (a state name as scope counts as ``p``: the
        sender reverted). Unstructured v1 codes use RFC 0035 ``impact``
        (``message`` -> ``m``); with no impact the pessimistic ``p``.
        """
        if _PROBLEM_CODE.fullmatch(self.code):
            return "m" if self.code.split(".")[1] == "m" else "p"
        return "m" if self.impact == "message" else "p"

    @property
    def text(self) -> Optional[str]:
        """The comment with the args filled in (DIDComm v2 interpolation)."""
        return None if self.comment is None else interpolate(self.comment, self.args)

    def to_message(self, shape: str) -> Dict[str, Any]:
        """This message as a JSON object in ``shape``."""
        if _check_shape(shape) == "v1":
            # RFC 0035 §The problem-report message type: "Only
            # description.code is required"; description holds localized
            # text ("en") and the code; problem_items are "tagged pair[s]".
            description: Dict[str, Any] = {}
            if self.comment is not None:
                description["en"] = self.text
            description["code"] = self.code
            out: Dict[str, Any] = {"@id": self.id, "@type": message_type("problem-report")}
            out.update(_thread_v1(self.pthid))
            out["description"] = description
            items = self.items
            if not items and self.args:
                names = PROBLEM_CODES.get(self.code, ("", ()))[1]
                items = tuple((names[i] if i < len(names) else f"arg{i + 1}", a) for i, a in enumerate(self.args))
            if items:
                out["problem_items"] = [{k: v} for k, v in items]
            if self.impact is not None:
                out["impact"] = self.impact
            return out
        body: Dict[str, Any] = {"code": self.code}
        if self.comment is not None:
            body["comment"] = self.comment
        if self.args:
            body["args"] = list(self.args)
        out = {"id": self.id, "type": V2_PROBLEM_REPORT_TYPE, "pthid": self.pthid}
        if self.ack:
            out["ack"] = list(self.ack)
        out["body"] = body
        return out


_IMPACTS = ("message", "thread", "connection")  # RFC 0035 §Field Reference, impact

Message = Union[Bind, Attach, Input, Output, Detach, ProblemReport]


def _envelope(
    msg: Any, shape: str, pthid: Optional[str], fields: Dict[str, Any], extra: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """Lay out ``fields`` in a v1 or v2 message (ids are checked for the shape)."""
    _check_shape(shape)
    _check_id(msg.id, shape, "id", _caller)
    if pthid is not None:
        _check_id(pthid, shape, "pthid", _caller)
    mtype = message_type(msg.name)
    if shape == "v1":
        out: Dict[str, Any] = {"@id": msg.id, "@type": mtype}
        out.update(_thread_v1(pthid))
        out.update(fields)
        out.update(extra or {})
        return out
    out = {"id": msg.id, "type": mtype}
    if pthid is not None:
        out["pthid"] = pthid
    out.update(extra or {})
    out["body"] = fields
    return out


# -- parsing


def loads(data: Union[str, bytes, bytearray]) -> Any:
    """Parse a JSON text strictly (duplicate member names rejected).

    Raises:
        MalformedMessage: not JSON, not UTF-8, duplicate names, NaN.
    """
    return _json.loads(data, field="message")


@dataclass(frozen=True)
class _Head:
    """What every message has: id, type, threading, and where its fields live."""

    id: str
    type: str
    thid: Optional[str]
    pthid: Optional[str]
    fields: Mapping[str, Any]
    prefix: str  # "" (v1) or "body." (v2), for error field names


def _read_head(obj: Any, shape: str) -> _Head:
    if not isinstance(obj, dict):
        raise MalformedMessage("a DIDComm message is a JSON object", None)
    if shape == "v1":
        if "@type" not in obj and "type" in obj:
            raise MalformedMessage("missing; this looks like a DIDComm v2 message", "@type")
        mid = _check_id(obj.get("@id"), "v1", "@id", _peer)
        mtype = obj.get("@type")
        if not isinstance(mtype, str):
            raise MalformedMessage("missing or not a string", "@type")
        thid = pthid = None
        if "~thread" in obj:
            thread = obj["~thread"]
            if not isinstance(thread, dict):
                raise MalformedMessage("must be an object (RFC 0008)", "~thread")
            if "thid" in thread:
                thid = _check_id(thread["thid"], "v1", "~thread.thid", _peer)
            if "pthid" in thread:
                pthid = _check_id(thread["pthid"], "v1", "~thread.pthid", _peer)
            order = thread.get("sender_order", 0)
            if isinstance(order, bool) or not isinstance(order, int) or order < 0:
                raise MalformedMessage("must be a non-negative integer (RFC 0008)", "~thread.sender_order")
            if not isinstance(thread.get("received_orders", {}), dict):
                raise MalformedMessage("must be an object (RFC 0008)", "~thread.received_orders")
        return _Head(mid, mtype, thid, pthid, obj, "")
    if "type" not in obj and "@type" in obj:
        raise MalformedMessage("missing; this looks like a DIDComm v1 message", "type")
    mid = _check_id(obj.get("id"), "v2", "id", _peer)
    mtype = obj.get("type")
    if not isinstance(mtype, str):
        raise MalformedMessage("missing or not a string", "type")
    thid = _check_id(obj["thid"], "v2", "thid", _peer) if "thid" in obj else None
    pthid = _check_id(obj["pthid"], "v2", "pthid", _peer) if "pthid" in obj else None
    # DIDComm v2: body "MUST be present, even if empty. It MUST be a JSON object".
    body = obj.get("body")
    if not isinstance(body, dict):
        raise MalformedMessage("must be present and a JSON object (DIDComm v2 §Message Headers)", "body")
    return _Head(mid, mtype, thid, pthid, body, "body.")


def _read_expiry(obj: Mapping[str, Any], shape: str) -> Optional[_dt.datetime]:
    """The message's expiry: v1 ``~timing.expires_time`` (RFC 0032), v2 ``expires_time``.

    Read only once the type is known to be ours (a message of another
    version is rejected for that alone).
    """
    if shape == "v1":
        if "~timing.expires_time" in obj:
            # D4: RFC 0482 §Reference writes "~timing.expires_time" as one member
            # name; RFC 0032 defines "~timing": {"expires_time": ...}.
            raise MalformedMessage(
                'use the RFC 0032 decorator object "~timing": {"expires_time": ...}; '
                "the dotted member name of RFC 0482's example is not a decorator",
                "~timing.expires_time",
            )
        if "~timing" not in obj:
            return None
        timing = obj["~timing"]
        if not isinstance(timing, dict):
            raise MalformedMessage("must be an object (RFC 0032)", "~timing")
        if "expires_time" not in timing:
            return None
        return parse_time(timing["expires_time"], "~timing.expires_time")
    if "expires_time" not in obj:
        return None
    secs = obj["expires_time"]
    # DIDComm v2 §Message Headers: "expressed in UTC Epoch Seconds".
    if isinstance(secs, bool) or not isinstance(secs, int) or secs < 0:
        raise MalformedMessage("must be a non-negative integer of UTC epoch seconds", "expires_time")
    try:
        return _dt.datetime.fromtimestamp(secs, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise MalformedMessage("out of range", "expires_time") from None


def _message_name(head: _Head, shape: str) -> str:
    """Which of our messages ``head.type`` names (RFC 0003 uris.md matching)."""
    field = "@type" if shape == "v1" else "type"
    mtype = parse_message_type(head.type, field=field)
    name, msg = normalize_name(mtype.protocol), normalize_name(mtype.name)
    if shape == "v2" and mtype.doc_uri == DOC_URI and name == "reportproblem" and msg == "problemreport":
        # DIDComm v2 problem reports at a later 2.x minor are compatible (semver.md,
        # "should tentatively accept messages with later minor versions").
        problem = version_problem(mtype, (2, 0))
        if problem is not None:
            raise UnsupportedVersion(mtype.version, field, problem)
        return "problem-report"
    if mtype.doc_uri != DOC_URI or name != normalize_name(PROTOCOL_NAME):
        raise MalformedMessage(f"not a {PIURI} message: {head.type!r}", field)
    # D1: RFC 0003 semver.md -- "For major version 0, they should also reject
    # protocols with minor versions they don't support".
    problem = version_problem(mtype, PROTOCOL_VERSION)
    if problem is not None:
        raise UnsupportedVersion(mtype.version, field, problem)
    names = {normalize_name(n): n for n in MESSAGE_NAMES}
    if shape == "v2":
        # D6: in v2 the problem report has its own type (DIDComm v2 §Problem Reports).
        names.pop("problemreport")
    if msg not in names:
        raise MalformedMessage(f"not a message of {PIURI}: {mtype.name!r}", field)
    return names[msg]


def parse_message(message: Union[str, bytes, bytearray, Mapping[str, Any]], shape: str) -> Message:
    """Validate a received coprotocol message and return it as a value.

    Args:
        message: the plaintext message -- a JSON text (UTF-8 bytes or str) or
            an already parsed JSON object.
        shape: ``"v1"`` or ``"v2"``: the shape expected.

    Returns:
        A :class:`Bind`, :class:`Attach`, :class:`Input`, :class:`Output`,
        :class:`Detach` or :class:`ProblemReport`.

    Raises:
        UnsupportedVersion: the type names another version of this protocol (D1).
        MalformedMessage: anything else that is not a well-formed message of
            this protocol; ``field`` names the member at fault (v2 body
            members as ``body.NAME``).
        UsageError: ``shape`` is not ``"v1"`` or ``"v2"``, or ``message`` is
            neither text, bytes nor a mapping.

    Spec: RFC 0482 §Messages and §Reference; RFC 0008 (ids, ~thread);
    RFC 0032 (~timing); RFC 0035 and DIDComm v2 §Problem Reports.
    """
    _check_shape(shape)
    if not isinstance(message, (str, bytes, bytearray, Mapping)):
        raise UsageError("a message is JSON text (str or UTF-8 bytes) or a parsed JSON object")
    obj = loads(message) if isinstance(message, (str, bytes, bytearray)) else message
    if isinstance(obj, Mapping) and not isinstance(obj, dict):
        obj = dict(obj)
    try:
        return _parse_object(obj, shape)
    except UsageError as exc:
        # Every peer value is checked above as peer input before a builder
        # sees it; should a builder check still fire, it is still the peer's
        # message at fault, never the host's (a builder's UsageError here
        # would escape receive() as a host mistake).
        raise MalformedMessage(f"rejected by the message builder: {exc}", None) from None


def _parse_object(obj: Any, shape: str) -> Message:
    head = _read_head(obj, shape)
    name = _message_name(head, shape)
    f, p = head.fields, head.prefix
    if name == "problem-report":
        return _parse_problem_report(head, obj, shape)
    expires_time = _read_expiry(obj, shape)
    if expires_time is not None and name != "attach":
        # RFC 0482 gives an expiry meaning only on attach; elsewhere it would be
        # the generic message expiry, which this protocol does not use.
        raise MalformedMessage("only an attach carries an expiry in this protocol", "~timing.expires_time" if shape == "v1" else "expires_time")
    if name == "bind":
        return _parse_bind(head, shape)
    pthid_field = "~thread.pthid" if shape == "v1" else "pthid"
    if head.pthid is None:
        # RFC 0482: attach, input, output and detach all carry
        # "~thread": { "pthid": <the bind's @id> } -- the binding id.
        raise MalformedMessage("missing: it must name the binding (the bind's id)", pthid_field)
    if head.thid is not None:
        # D5: these messages are children of the binding's thread, never members
        # of another; a thid would make the binding ambiguous.
        raise MalformedMessage("not used by this protocol (messages name the binding in pthid)", "~thread.thid" if shape == "v1" else "thid")
    if name == "attach":
        piuri = f.get("piuri")
        if piuri is None:
            raise MalformedMessage("missing", p + "piuri")
        parse_piuri(piuri, p + "piuri")
        return Attach(id=head.id, pthid=head.pthid, piuri=piuri, expires_time=expires_time)
    if name in ("input", "output"):
        point = f.get("interaction_point")
        _check_text(point, p + "interaction_point", _peer)
        if "data" not in f:
            raise MalformedMessage("missing (an object of named values, possibly empty)", p + "data")
        data = _check_data(f["data"], p + "data", _peer)
        cls = Input if name == "input" else Output
        return cls(id=head.id, pthid=head.pthid, interaction_point=point, data=data)
    return Detach(id=head.id, pthid=head.pthid)


def _parse_bind(head: _Head, shape: str) -> Bind:
    f, p = head.fields, head.prefix
    if head.thid is not None:
        raise MalformedMessage("a bind starts a thread; it carries no thid", "~thread.thid" if shape == "v1" else "thid")
    goal_code = f.get("goal_code")
    co_binding_id = f.get("co_binding_id")
    if co_binding_id is not None:
        _check_id(co_binding_id, shape, p + "co_binding_id", _peer)
    cast_raw = f.get("cast")
    cast: Optional[Tuple[Cast, ...]] = None
    if cast_raw is not None:
        if not isinstance(cast_raw, list):
            raise MalformedMessage("must be a list of {role, id} objects", p + "cast")
        pairs: List[Tuple[str, Optional[str]]] = []
        for i, entry in enumerate(cast_raw):
            where = f"{p}cast[{i}]"
            if not isinstance(entry, dict):
                raise MalformedMessage("must be an object {role, id}", where)
            role = entry.get("role")
            _check_text(role, where + ".role", _peer)
            if "id" not in entry:
                raise MalformedMessage("missing (null for the bind's recipient)", where + ".id")
            pid = entry["id"]
            if pid is not None:
                _check_text(pid, where + ".id", _peer)
            pairs.append((role, pid))
        _check_cast(pairs, lambda reason, _f: MalformedMessage(reason, p + "cast"))
        cast = tuple(Cast(role, pid) for role, pid in pairs)
    prefer_raw = f.get("prefer")
    prefer: Optional[Tuple[Prefer, ...]] = None
    if prefer_raw is not None:
        if not isinstance(prefer_raw, list):
            raise MalformedMessage("must be a list of {attribute, direction} objects", p + "prefer")
        items = []
        for i, entry in enumerate(prefer_raw):
            where = f"{p}prefer[{i}]"
            if not isinstance(entry, dict):
                raise MalformedMessage("must be an object {attribute, direction}", where)
            attribute = entry.get("attribute")
            _check_text(attribute, where + ".attribute", _peer)
            direction = entry.get("direction")
            if direction not in ("a", "d"):
                # RFC 0482 §Reference uses "d"; "a" is its counterpart (ascending).
                raise MalformedMessage("must be 'a' (ascending) or 'd' (descending)", where + ".direction")
            items.append(Prefer(attribute, direction))
        prefer = tuple(items)
    _check_bind(
        goal_code,
        None if cast is None else [(c.role, c.id) for c in cast],
        co_binding_id,
        f.get("piuri_pat"),
        lambda reason, fld: MalformedMessage(reason, p + fld if fld else None),
    )
    return Bind(
        id=head.id,
        goal_code=goal_code,
        cast=cast,
        co_binding_id=co_binding_id,
        piuri_pat=f.get("piuri_pat"),
        prefer=prefer,
        pthid=head.pthid,
    )


def _parse_problem_report(head: _Head, obj: Mapping[str, Any], shape: str) -> ProblemReport:
    f = head.fields
    if shape == "v1":
        # RFC 0035: "~thread ... the ~thread.pthid (parent thread id) here would
        # be the @id of the triggering message". Within this protocol a
        # report is always about a binding or one of its messages, so we
        # require it (the report could not be routed otherwise).
        if head.pthid is None:
            raise MalformedMessage("missing: a coprotocol problem report names the thread it is about", "~thread.pthid")
        description = f.get("description")
        if not isinstance(description, dict):
            raise MalformedMessage("must be an object with a code (RFC 0035: only description.code is required)", "description")
        code = description.get("code")
        _check_text(code, "description.code", _peer)
        for key, text in description.items():
            if key != "code" and not isinstance(text, str):
                raise MalformedMessage("localized texts must be strings", f"description.{key}")
        # The English text becomes the report's comment, which must be a
        # non-empty string: check it here as peer input, before the builder
        # (whose checks are for the host's own mistakes) sees it.
        if "en" in description:
            _check_text(description["en"], "description.en", _peer)
        items_raw = f.get("problem_items", [])
        if not isinstance(items_raw, list):
            raise MalformedMessage("must be a list of {name: value} pairs", "problem_items")
        items: List[Tuple[str, Any]] = []
        for i, item in enumerate(items_raw):
            # RFC 0035: "Each item in the list must be a tagged pair (a JSON {key:value}".
            if not isinstance(item, dict) or len(item) != 1:
                raise MalformedMessage("must be an object with exactly one member (RFC 0035)", f"problem_items[{i}]")
            ((key, value),) = item.items()
            if not isinstance(value, (str, int, float, bool)) and value is not None:
                raise MalformedMessage("value must be a JSON scalar", f"problem_items[{i}]")
            items.append((key, value))
        impact = f.get("impact")
        if impact is not None and impact not in _IMPACTS:
            raise MalformedMessage(f"must be one of {', '.join(_IMPACTS)} (RFC 0035)", "impact")
        # description.en is already the human text (args filled in); the
        # machine-readable values stay in items.
        return ProblemReport(
            id=head.id, pthid=head.pthid, code=code, comment=description.get("en"), items=tuple(items), impact=impact
        )
    # DIDComm v2 §Problem Reports: "The pthid header MUST be included".
    if head.pthid is None:
        raise MalformedMessage("missing (DIDComm v2: MUST be included with problem reports)", "pthid")
    code = f.get("code")
    if not isinstance(code, str) or not _PROBLEM_CODE.fullmatch(code):
        raise MalformedMessage("must be a DIDComm v2 problem code (sorter.scope.descriptors, lower kebab-case)", "body.code")
    comment = f.get("comment")
    if comment is not None:
        _check_text(comment, "body.comment", _peer)
    args_raw = f.get("args", [])
    if not isinstance(args_raw, list) or any(
        not isinstance(a, (str, int, float, bool)) and a is not None for a in args_raw
    ):
        raise MalformedMessage("must be a list of JSON scalars", "body.args")
    if "escalate_to" in f:
        _check_text(f["escalate_to"], "body.escalate_to", _peer)
    # DIDComm v2 §ACKs: "the value of the header is an array that contains the id of one or more messages".
    ack_raw = obj.get("ack", [])
    if not isinstance(ack_raw, list) or any(not isinstance(a, str) or not a for a in ack_raw):
        raise MalformedMessage("must be a list of message ids", "ack")
    return ProblemReport(id=head.id, pthid=head.pthid, code=code, comment=comment, args=tuple(args_raw), ack=tuple(ack_raw))
