"""DIDComm v1 plaintext messages: ``@type``, ``@id``, ``~thread``, ``~transport``, media types.

Specs, in the order of this module:

* Message type URIs -- parsed by :mod:`refdidcomm._message_type`, the one
  place in refdidcomm that reads them (Aries RFC 0003 ``uris.md``, RFC 0020,
  RFC 0348): the legacy prefix ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/`` is
  normalised to ``https://didcomm.org/`` and :attr:`MessageType.legacy`
  records that it arrived (RFC 0348 step 2: an agent "MAY send out an old
  format message type upon receipt of a message containing an old format
  message type").
* Message ids and threads -- Aries RFC 0008. ``@id`` must match
  ``[-_./a-zA-Z0-9]{8,64}``. Erratum: the RFC prints the class as
  ``[-_./a-ZA-Z0-9]``, where ``a-Z`` is an empty range in most regex
  dialects (and an error in Python's); the evident intent, which we
  enforce, is ASCII letters, digits and ``-_./``. A message without
  ``~thread`` has the implicit thread ``{"thid": <its own @id>,
  "sender_order": 0}`` (RFC 0008 "Implicit Threads").
* ``~transport`` -- Aries RFC 0092: ``return_route`` is ``none``
  (default), ``all`` or ``thread``, the last with ``return_route_thread``.
* Media types -- Aries RFC 0044 names the v1 envelope type
  ``application/didcomm-enc-env`` (fallbacks ``application/jwe`` and
  ``application/json``); deployed agents send
  ``application/didcomm-envelope-enc`` (ACA-Py
  ``aries_cloudagent/transport/wire_format.py`` ``DIDCOMM_V1_MIME_TYPE``,
  Credo ``DidCommMimeType.V1``) and still accept the pre-RFC
  ``application/ssi-agent-wire`` (their ``DIDCOMM_V0_MIME_TYPE`` /
  ``DidCommMimeType.V0``). We send what they read and accept all of these.

Errors: bad peer input is :class:`MalformedMessage` naming the member
(``@type``, ``@id``, ``~thread.thid``, ``~transport.return_route``, ...);
bad arguments to the builders are :class:`UsageError`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, NamedTuple, Optional, Union

from .. import crypto
from .._json import loads
from .._message_type import DIDCOMM_DOC_URI, LEGACY_DOC_URI, MessageType, new_message_id, parse_message_type
from ..errors import MalformedMessage, UsageError

__all__ = [
    "LEGACY_DOC_URI",
    "DIDCOMM_DOC_URI",
    "MEDIA_TYPE_ENVELOPE",
    "ACCEPTED_MEDIA_TYPES",
    "MessageType",
    "Thread",
    "Transport",
    "Message",
    "parse_message_type",
    "parse_message",
    "new_message_id",
    "make_message",
    "accepts_media_type",
]

MEDIA_TYPE_ENVELOPE = "application/didcomm-envelope-enc"
ACCEPTED_MEDIA_TYPES = frozenset(
    {
        MEDIA_TYPE_ENVELOPE,  # what ACA-Py and Credo send
        "application/didcomm-enc-env",  # RFC 0044's name for *.dee
        "application/ssi-agent-wire",  # pre-RFC 0044 name, still accepted by ACA-Py and Credo
        "application/jwe",  # RFC 0044: "with `application/jwe` as a fallback"
        "application/json",  # RFC 0044: "an even less desirable fallback"; also plaintext *.dm
    }
)

# RFC 0008 "Message ID Requirements" (with the a-Z erratum read as a-z).
_MESSAGE_ID = re.compile(r"[-_./a-zA-Z0-9]{8,64}")
_RETURN_ROUTES = ("none", "all", "thread")  # RFC 0092 "Reference"


class Thread(NamedTuple):
    """The ``~thread`` decorator, with RFC 0008's implicit defaults filled in.

    Attributes:
        thid: the thread id (the message's own ``@id`` when absent).
        pthid: the parent thread id, or None.
        sender_order: the sender's order in the thread; 0 when absent (RFC
            0008 "Implicit Threads" and "Implicit Replies").
        received_orders: actor -> highest sender_order seen, as sent (empty
            when absent; the implicit reply's ``{other: 0}`` is not filled in,
            since the message does not name the other party).
        explicit: True if the message carried a ``~thread`` decorator.
    """

    thid: str
    pthid: Optional[str]
    sender_order: int
    received_orders: Mapping[str, int]
    explicit: bool


class Transport(NamedTuple):
    """The ``~transport`` decorator (RFC 0092).

    Attributes:
        return_route: ``"none"`` (also when absent), ``"all"`` or ``"thread"``.
        return_route_thread: the thread id for ``"thread"``, else None.
    """

    return_route: str
    return_route_thread: Optional[str]


class Message(NamedTuple):
    """A parsed DIDComm v1 plaintext message.

    Attributes:
        type: the parsed ``@type``.
        id: the ``@id``.
        thread: the ``~thread`` decorator, or the implicit thread.
        transport: the ``~transport`` decorator (return_route ``none`` when absent).
        fields: the whole message object as received.
    """

    type: MessageType
    id: str
    thread: Thread
    transport: Transport
    fields: Mapping[str, Any]


def _check_id(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise MalformedMessage("must be a string", field)
    if not _MESSAGE_ID.fullmatch(value):
        raise MalformedMessage("must be 8 to 64 characters of [-_./a-zA-Z0-9] (RFC 0008)", field)
    return value


def _int_at_least(value: Any, field: str, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise MalformedMessage(f"must be an integer >= {minimum}", field)
    return value


def _parse_thread(message: Mapping[str, Any], message_id: str) -> Thread:
    if "~thread" not in message:
        # RFC 0008 "Implicit Threads": thid = @id, sender_order = 0.
        return Thread(thid=message_id, pthid=None, sender_order=0, received_orders={}, explicit=False)
    decorator = message["~thread"]
    if not isinstance(decorator, dict):
        raise MalformedMessage("must be a JSON object", "~thread")
    thid = decorator.get("thid", message_id)
    if not isinstance(thid, str) or not thid:
        raise MalformedMessage("must be a non-empty string", "~thread.thid")
    pthid = decorator.get("pthid")
    # pthid may name a thread that did not start with a DIDComm message (an
    # out-of-band invitation id, a public DID), so only its type is checked.
    if pthid is not None and (not isinstance(pthid, str) or not pthid):
        raise MalformedMessage("must be a non-empty string", "~thread.pthid")
    # RFC 0008 "Implicit Replies": no sender_order means 0.
    sender_order = _int_at_least(decorator.get("sender_order", 0), "~thread.sender_order", 0)
    received = decorator.get("received_orders", {})
    if not isinstance(received, dict):
        raise MalformedMessage("must be a JSON object", "~thread.received_orders")
    received_orders = {
        # RFC 0008: "use the special value `-1`" for "no observable contribution".
        actor: _int_at_least(order, f"~thread.received_orders.{actor}", -1)
        for actor, order in received.items()
    }
    return Thread(thid=thid, pthid=pthid, sender_order=sender_order, received_orders=received_orders, explicit=True)


def _parse_transport(message: Mapping[str, Any]) -> Transport:
    if "~transport" not in message:
        return Transport(return_route="none", return_route_thread=None)
    decorator = message["~transport"]
    if not isinstance(decorator, dict):
        raise MalformedMessage("must be a JSON object", "~transport")
    route = decorator.get("return_route", "none")  # RFC 0092: "`none`: Default."
    if route not in _RETURN_ROUTES:
        raise MalformedMessage(f"must be one of {', '.join(_RETURN_ROUTES)}", "~transport.return_route")
    if route != "thread":
        return Transport(return_route=route, return_route_thread=None)
    # RFC 0092: "`thread`: Send all messages matching the cryptographic key and
    # thread specified in the `return_route_thread` attribute."
    thread = decorator.get("return_route_thread")
    if not isinstance(thread, str) or not thread:
        raise MalformedMessage("is required (a thread id) when return_route is 'thread'", "~transport.return_route_thread")
    return Transport(return_route=route, return_route_thread=thread)


def parse_message(data: Union[bytes, bytearray, str, Mapping[str, Any]]) -> Message:
    """Parse a DIDComm v1 plaintext message and its core decorators.

    Args:
        data: the message as UTF-8 JSON bytes, str, or an already parsed mapping.

    Returns:
        :class:`Message`.

    Raises:
        MalformedMessage: not a JSON object; ``@type`` or ``@id`` missing or
            malformed; a malformed ``~thread`` or ``~transport``.
        UsageError: ``data`` of another type.

    Spec: Aries RFC 0020 (``@type`` required), RFC 0008, RFC 0092.
    """
    if isinstance(data, Mapping):
        message: Any = dict(data)
    elif isinstance(data, (bytes, bytearray, str)):
        message = loads(data, field="message")
    else:
        raise UsageError(f"message must be bytes, str or a mapping, not {type(data).__name__}")
    if not isinstance(message, dict):
        raise MalformedMessage("must be a JSON object", "message")
    # RFC 0020: "A "Message Type" is a required attribute of all communications".
    if "@type" not in message:
        raise MalformedMessage("is required", "@type")
    message_type = parse_message_type(message["@type"])
    if "@id" not in message:
        raise MalformedMessage("is required", "@id")
    message_id = _check_id(message["@id"], "@id")
    return Message(
        type=message_type,
        id=message_id,
        thread=_parse_thread(message, message_id),
        transport=_parse_transport(message),
        fields=message,
    )


def make_message(
    message_type: str,
    fields: Optional[Mapping[str, Any]] = None,
    *,
    message_id: Optional[str] = None,
    thid: Optional[str] = None,
    pthid: Optional[str] = None,
    return_route: Optional[str] = None,
    return_route_thread: Optional[str] = None,
    rng: Optional[crypto.Rng] = None,
) -> Dict[str, Any]:
    """Build a v1 message object with ``@type``, ``@id`` and optional decorators.

    Args:
        message_type: the MTURI; a legacy ``did:sov`` one is kept as given.
        fields: other members (must not contain ``@type``, ``@id``, ``~thread``
            or ``~transport``, which the keyword arguments set).
        message_id: the ``@id`` (default: :func:`new_message_id`).
        thid, pthid: ``~thread`` members; omitted when both are None.
        return_route, return_route_thread: ``~transport`` (RFC 0092).
        rng: randomness for the default ``@id``.

    Returns:
        A new dict, ready for :func:`refdidcomm._json.dumps_bytes` and
        :func:`refdidcomm.v1.pack`; it passes :func:`parse_message`.

    Raises:
        UsageError: any value :func:`parse_message` would reject.
    """
    extra = dict(fields or {})
    clash = {"@type", "@id", "~thread", "~transport"} & extra.keys()
    if clash:
        raise UsageError(f"set {', '.join(sorted(clash))} with the keyword arguments, not in fields")
    message: Dict[str, Any] = {"@type": message_type, "@id": message_id if message_id is not None else new_message_id(rng)}
    thread = {name: value for name, value in (("thid", thid), ("pthid", pthid)) if value is not None}
    if thread:
        message["~thread"] = thread
    message.update(extra)
    if return_route is not None:
        transport = {"return_route": return_route}
        if return_route_thread is not None:
            transport["return_route_thread"] = return_route_thread
        message["~transport"] = transport
    try:
        parse_message(message)
    except MalformedMessage as exc:
        raise UsageError(f"invalid message: {exc}") from None
    return message


def accepts_media_type(content_type: Any) -> bool:
    """True if ``content_type`` is one a v1 agent accepts for an inbound message.

    Parameters (``; charset=utf-8``) are ignored; type and subtype compare
    case-insensitively (RFC 9110 §8.3.1: "The type and subtype tokens are
    case-insensitive").

    Args:
        content_type: a Content-Type header value.

    Returns:
        Whether its type/subtype is in :data:`ACCEPTED_MEDIA_TYPES`.

    Raises:
        UsageError: ``content_type`` is not a str.

    Spec: Aries RFC 0044 "Detecting DIDComm Versions"; the deployed names above.
    """
    if not isinstance(content_type, str):
        raise UsageError(f"content_type must be a str, not {type(content_type).__name__}")
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence in ACCEPTED_MEDIA_TYPES
