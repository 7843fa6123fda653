"""DIDComm v2 plaintext messages: the JWM headers, ``body`` and attachments.

DIDComm Messaging v2, "Plaintext Message Structure" and "Attachments". A
plaintext message is a JSON object whose headers are siblings of ``body``:

* ``id`` -- REQUIRED string; ``type`` -- REQUIRED string (a message type URI);
  ``body`` -- REQUIRED JSON object ("This attribute MUST be present, even if
  empty");
* ``typ`` -- OPTIONAL, ``application/didcomm-plain+json`` ("the
  ``application/`` prefix MAY be omitted and the recipient MUST treat media
  types not containing ``/`` as having the ``application/`` prefix present");
* ``from`` -- OPTIONAL, "a valid DID or DID URL (without the fragment
  component)"; ``to`` -- OPTIONAL, "MUST be an array of strings where each
  element is a valid DID or DID URL (without the fragment component)";
* ``thid``, ``pthid`` -- OPTIONAL strings ("If not included the ``id``
  property of the message MUST be treated as the value of the ``thid``":
  :attr:`Message.thread_id`; the header itself is not invented on parse);
* ``created_time``, ``expires_time`` -- OPTIONAL, UTC epoch seconds (integers);
* ``from_prior`` -- OPTIONAL, a compact JWS JWT (DID rotation, see
  :mod:`refdidcomm.v2._from_prior`);
* ``attachments`` -- OPTIONAL array of attachment objects (below);
* any other header is kept, in order, in :attr:`Message.extra_headers`
  ("any software that doesn't understand such fields SHOULD ignore them and
  MUST NOT fail because of their inclusion in a message").

Attachments are kept as validated JSON objects. Each needs ``data``, an
object that "MUST contain at least one of the following subfields, and
enough of them to allow access to the data": we require one of ``base64``,
``json`` or ``links`` (``jws`` and ``hash`` alone give no access to the
content), and ``hash`` whenever ``links`` is present ("MUST be used if the
data is referenced via the links data attribute"). ``id`` is optional but a
string when present.

Every rule broken raises :class:`~refdidcomm.errors.MalformedMessage` whose
``field`` names the member (``attachments[0].data.links``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from .. import _json
from ..did import parse_did_url
from ..errors import MalformedMessage, UsageError

__all__ = ["PLAINTEXT_TYP", "Message", "normalize_media_type", "did_of", "json_copy"]

#: DIDComm v2 media type of a plaintext message ("Media Types").
PLAINTEXT_TYP = "application/didcomm-plain+json"

# Header name -> attribute name, in the order to_dict() writes them.
_HEADERS = (
    ("id", "id"),
    ("typ", "typ"),
    ("type", "type"),
    ("from", "from_"),
    ("to", "to"),
    ("thid", "thid"),
    ("pthid", "pthid"),
    ("created_time", "created_time"),
    ("expires_time", "expires_time"),
    ("from_prior", "from_prior"),
    ("body", "body"),
    ("attachments", "attachments"),
)
_KNOWN = frozenset(name for name, _ in _HEADERS)

# Attachment descriptor members with a fixed JSON type ("Attachments").
_ATTACHMENT_STRINGS = ("id", "description", "filename", "media_type", "format")
_ATTACHMENT_INTS = ("lastmod_time", "byte_count")


def normalize_media_type(value: str) -> str:
    """Add the ``application/`` prefix a media type may omit ("Media Types")."""
    return value if "/" in value else "application/" + value


def json_copy(obj: Any, field_name: str) -> Any:
    """A caller-passed JSON value, made into freshly parsed JSON under the same limits as text input.

    A dict handed to :func:`~refdidcomm.v2.unpack` or :meth:`Message.from_dict`
    is peer content the caller parsed; it must meet what :func:`refdidcomm._json.loads`
    enforces on text (nesting at most :data:`refdidcomm._json.MAX_DEPTH`,
    string member names, finite numbers, no unpaired surrogates), so that no
    later walk (copy, re-serialisation) can hit Python's recursion limit.

    Args:
        obj: the value. field_name: the name used in errors.
    Returns:
        ``_json.loads(_json.dumps(obj))``: an independent copy.
    Raises:
        MalformedMessage: nesting deeper than ``MAX_DEPTH`` (peer content).
        UsageError: a value JSON cannot represent (a set, bytes, NaN, a
            non-str member name, a cycle) -- the caller's mistake.
    """
    if _json.deeper_than(obj):
        raise MalformedMessage(f"JSON nested deeper than {_json.MAX_DEPTH} levels", field_name)
    return _json.loads(_json.dumps(obj), field=field_name)


def did_of(value: Any, field_name: str, *, fragment: Optional[bool] = False) -> str:
    """The DID of a DID or DID URL, checked.

    Args:
        value: the DID or DID URL.
        field_name: the member it came from (for errors).
        fragment: False -- a fragment is not allowed (``from``, ``to``);
            True -- required (a key id); None -- either.
    Returns:
        the DID (``did:method:id``).
    Raises:
        MalformedMessage: not a DID URL, or the fragment rule is broken.
    """
    parsed = parse_did_url(value, field_name=field_name)
    if fragment is False and parsed.fragment is not None:
        raise MalformedMessage("must be a DID or DID URL without a fragment", field_name)
    if fragment is True and parsed.fragment is None:
        raise MalformedMessage("must be a DID URL with a fragment (a key id)", field_name)
    return parsed.did


def _string(obj: Mapping[str, Any], name: str, where: str, *, required: bool) -> Optional[str]:
    if name not in obj:
        if required:
            raise MalformedMessage("required member is missing", where + name)
        return None
    value = obj[name]
    if not isinstance(value, str):
        raise MalformedMessage("must be a string", where + name)
    return value


def _epoch(obj: Mapping[str, Any], name: str) -> Optional[int]:
    if name not in obj:
        return None
    value = obj[name]
    # "expressed in UTC Epoch Seconds": a JSON integer; bool is not one.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedMessage("must be a non-negative integer (UTC epoch seconds)", name)
    return value


def _check_attachment(att: Any, where: str) -> Dict[str, Any]:
    if not isinstance(att, dict):
        raise MalformedMessage("an attachment must be a JSON object", where)
    for name in _ATTACHMENT_STRINGS:
        _string(att, name, where + ".", required=False)
    for name in _ATTACHMENT_INTS:
        if name in att and (isinstance(att[name], bool) or not isinstance(att[name], int)):
            raise MalformedMessage("must be an integer", f"{where}.{name}")
    if "data" not in att:
        raise MalformedMessage("required member is missing", f"{where}.data")
    data = att["data"]
    if not isinstance(data, dict):
        raise MalformedMessage("must be a JSON object", f"{where}.data")
    if not any(name in data for name in ("base64", "json", "links")):
        raise MalformedMessage("needs base64, json or links to give access to the content", f"{where}.data")
    _string(data, "base64", f"{where}.data.", required=False)
    _string(data, "hash", f"{where}.data.", required=False)
    if "links" in data:
        links = data["links"]
        if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
            raise MalformedMessage("must be an array of strings", f"{where}.data.links")
        if "hash" not in data:
            # "hash ... MUST be used if the data is referenced via the links data attribute"
            raise MalformedMessage("links require hash", f"{where}.data.hash")
    if "jws" in data and not isinstance(data["jws"], dict):
        raise MalformedMessage("must be a JWS in the JSON serialization (an object)", f"{where}.data.jws")
    return att


@dataclass
class Message:
    """A DIDComm v2 plaintext message.

    Attributes (JSON member in brackets where it differs):
        id, type: REQUIRED strings.
        body: REQUIRED JSON object.
        from_ [``from``]: the sender DID (or DID URL without fragment).
        to: recipient DIDs.
        thid, pthid: thread and parent thread ids.
        created_time, expires_time: UTC epoch seconds.
        from_prior: the DID rotation JWT (compact JWS).
        attachments: validated attachment objects.
        typ: the media type; ``application/didcomm-plain+json`` by default,
            None when a received message had none.
        extra_headers: every other header, kept in order for the round trip.
    """

    id: str
    type: str
    body: Dict[str, Any] = field(default_factory=dict)
    from_: Optional[str] = None
    to: Optional[List[str]] = None
    thid: Optional[str] = None
    pthid: Optional[str] = None
    created_time: Optional[int] = None
    expires_time: Optional[int] = None
    from_prior: Optional[str] = None
    attachments: Optional[List[Dict[str, Any]]] = None
    typ: Optional[str] = PLAINTEXT_TYP
    extra_headers: Dict[str, Any] = field(default_factory=dict)

    @property
    def thread_id(self) -> str:
        """``thid``, or ``id`` when there is none ("the ``id`` ... MUST be treated as the value of the ``thid``")."""
        return self.thid if self.thid is not None else self.id

    # -- parsing ---------------------------------------------------------
    @classmethod
    def from_dict(cls, obj: Any) -> "Message":
        """Validate a plaintext message JSON object and build the model.

        Args:
            obj: the decoded JSON value.
        Returns:
            the :class:`Message` (a copy made through JSON, :func:`json_copy`;
            ``obj`` is not kept).
        Raises:
            MalformedMessage: not an object, nested deeper than the JSON
                limit, or a header breaks its rule (``field`` names it).
            UsageError: ``obj`` holds a value JSON cannot represent.
        Spec: DIDComm v2 "Plaintext Message Structure", "Message Headers",
            "Attachments", "Media Types".
        """
        if not isinstance(obj, dict):
            raise MalformedMessage("a plaintext message must be a JSON object", "message")
        return cls._from_owned(json_copy(obj, "message"))

    @classmethod
    def _from_owned(cls, obj: Any) -> "Message":
        """:meth:`from_dict` for a value nobody else holds (freshly parsed JSON): no copy."""
        if not isinstance(obj, dict):
            raise MalformedMessage("a plaintext message must be a JSON object", "message")
        msg_id = _string(obj, "id", "", required=True)
        msg_type = _string(obj, "type", "", required=True)
        if "body" not in obj:
            # "This attribute MUST be present, even if empty."
            raise MalformedMessage("required member is missing", "body")
        if not isinstance(obj["body"], dict):
            raise MalformedMessage("must be a JSON object", "body")
        typ = _string(obj, "typ", "", required=False)
        if typ is not None and normalize_media_type(typ) != PLAINTEXT_TYP:
            raise MalformedMessage(f"must be {PLAINTEXT_TYP!r}, got {typ!r}", "typ")
        frm = _string(obj, "from", "", required=False)
        if frm is not None:
            did_of(frm, "from")
        to = obj.get("to")
        if "to" in obj:
            if not isinstance(to, list) or not all(isinstance(item, str) for item in to):
                raise MalformedMessage("must be an array of strings", "to")
            for i, item in enumerate(to):
                did_of(item, f"to[{i}]")
        attachments = obj.get("attachments")
        if "attachments" in obj:
            if not isinstance(attachments, list):
                raise MalformedMessage("must be an array", "attachments")
            for i, att in enumerate(attachments):
                _check_attachment(att, f"attachments[{i}]")
        return cls(
            id=str(msg_id),
            type=str(msg_type),
            body=obj["body"],
            from_=frm,
            to=to,
            thid=_string(obj, "thid", "", required=False),
            pthid=_string(obj, "pthid", "", required=False),
            created_time=_epoch(obj, "created_time"),
            expires_time=_epoch(obj, "expires_time"),
            from_prior=_string(obj, "from_prior", "", required=False),
            attachments=attachments,
            typ=typ,
            extra_headers={name: value for name, value in obj.items() if name not in _KNOWN},
        )

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Message":
        """Parse (strict JSON, duplicate names rejected) and validate a plaintext message.

        Raises:
            MalformedMessage: invalid JSON or any rule of :meth:`from_dict`.
        """
        return cls._from_owned(_json.loads(text, field="message"))

    # -- writing ---------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        """The message as a JSON object (absent headers left out), validated.

        Returns:
            a new dict (deep copies of the values): the known headers in a
            fixed order, then ``extra_headers``.
        Raises:
            MalformedMessage: the model breaks a rule (as :meth:`from_dict`).
            UsageError: an extra header reuses a known header's name.
        """
        return copy.deepcopy(self._wire())

    def _wire(self) -> Dict[str, Any]:
        """The validated JSON object, sharing the model's values (for immediate serialization)."""
        clash = sorted(set(self.extra_headers) & _KNOWN)
        if clash:
            raise UsageError(f"extra_headers may not hold the standard headers {clash}")
        out: Dict[str, Any] = {}
        for name, attr in _HEADERS:
            value = getattr(self, attr)
            if value is not None:
                out[name] = value
        out.update(self.extra_headers)
        # Validate what we would send with the same rules we apply to what we receive.
        Message._from_owned(out)
        return out

    def to_json(self) -> str:
        """The message as compact JSON text (see :meth:`to_dict`)."""
        return _json.dumps(self._wire())
