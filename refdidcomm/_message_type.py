"""Message type URIs and protocol identifiers: Aries RFC 0003 / RFC 0020, DIDComm v2 §Message Type URI.

The one place in refdidcomm where a message type (``@type`` in DIDComm v1,
``type`` in DIDComm v2) or a protocol identifier (as in
``handshake_protocols``) is parsed. Both DIDComm generations use the same
shape:

* RFC 0003 ``uris.md`` (and DIDComm v2 §Message Type URI, which copies it)::

      message-type-uri  = doc-uri delim protocol-name "/" protocol-version "/" message-type-name
      delim             = "?" / "/" / "&" / ":" / ";" / "="
      protocol-version  = 1*DIGIT "." 1*DIGIT
      identifier        = alpha *(*(alphanumeric / "_" / "-" / ".") alphanumeric)

  A protocol identifier URI (PIURI) is the same without ``"/" message-type-name``.
* Versions -- RFC 0020 "Protocol Versioning": "Semantic Versioning 2.0.0,
  excluding patch version number ... a change in the major protocol version
  number indicates a breaking change while the minor protocol version number
  indicates non-breaking additions". RFC 0003 ``semver.md``: agents "should
  reject messages from protocols with major versions different from those
  they support. For major version 0, they should also reject protocols with
  minor versions they don't support". :func:`version_problem` applies that
  rule. Version numbers have no leading zeros (semver 2.0.0 §2).
* The legacy core prefix -- RFC 0020 "Aries Core Message Namespace":
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg`` namespaces the core protocols, written
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/``. RFC 0348 moved them to
  ``https://didcomm.org/`` ("Before:
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/notification/1.0/ack`` After:
  ``https://didcomm.org/notification/1.0/ack``") and asks agents to accept
  both. We parse both, normalise to the https form, and record in
  :attr:`MessageType.legacy` that the old one arrived.

Deviation, for protocol identifiers only: a minor version written ``x``
(``https://didcomm.org/didexchange/1.x``) is accepted when the caller asks
for it (``wildcard_minor=True``), because Credo writes handshake protocols
that way to mean "any 1.x"; :attr:`ProtocolId.minor` is then ``None``.
Message types never take a wildcard.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Tuple

from .errors import MalformedMessage

if TYPE_CHECKING:  # pragma: no cover
    from .crypto import Backend, Rng

__all__ = [
    "new_message_id",
    "LEGACY_DOC_URI",
    "DIDCOMM_DOC_URI",
    "MessageType",
    "ProtocolId",
    "parse_message_type",
    "parse_protocol_id",
    "version_problem",
]

LEGACY_DOC_URI = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/"  # RFC 0020 "Aries Core Message Namespace"
DIDCOMM_DOC_URI = "https://didcomm.org/"  # RFC 0348

# RFC 0003 uris.md, as quoted in the module docstring. The doc-uri is
# "anything up to a delimiter"; the lazy match takes the shortest doc-uri for
# which the rest of the ABNF still matches, so a protocol name never swallows
# a '/'.
_IDENTIFIER = r"[A-Za-z](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_NUMBER = r"0|[1-9][0-9]*"  # semver 2.0.0 §2: "MUST NOT contain leading zeroes"
_MTURI = re.compile(
    rf"(?P<doc_uri>.+?[?/&:;=])(?P<protocol>{_IDENTIFIER})"
    rf"/(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})"
    rf"/(?P<name>{_IDENTIFIER})"
)
_PIURI = re.compile(
    rf"(?P<doc_uri>.+?[?/&:;=])(?P<protocol>{_IDENTIFIER})"
    rf"/(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER}|x)"
)


class MessageType(NamedTuple):
    """A parsed message type URI (RFC 0003 MTURI).

    Attributes:
        doc_uri: the documentation URI including its delimiter; the legacy
            ``did:sov:...;spec/`` prefix is replaced by ``https://didcomm.org/``.
        protocol: the protocol name, e.g. ``"out-of-band"``.
        major, minor: the protocol version.
        name: the message type name, e.g. ``"invitation"``.
        legacy: True if the text used the legacy ``did:sov`` prefix.
    """

    doc_uri: str
    protocol: str
    major: int
    minor: int
    name: str
    legacy: bool

    @property
    def version(self) -> str:
        """``"MAJOR.MINOR"``."""
        return f"{self.major}.{self.minor}"

    @property
    def uri(self) -> str:
        """The normalised message type URI (https prefix for core protocols)."""
        return f"{self.doc_uri}{self.protocol}/{self.version}/{self.name}"

    @property
    def piuri(self) -> str:
        """The protocol identifier URI (RFC 0003 "PIURI"): the MTURI without the name."""
        return f"{self.doc_uri}{self.protocol}/{self.version}"


class ProtocolId(NamedTuple):
    """A parsed protocol identifier URI (RFC 0003 PIURI).

    Attributes:
        doc_uri: as in :class:`MessageType` (legacy prefix normalised).
        protocol: the protocol name, e.g. ``"didexchange"``.
        major: the major version.
        minor: the minor version, or ``None`` for a wildcard ``x``.
        legacy: True if the text used the legacy ``did:sov`` prefix.
    """

    doc_uri: str
    protocol: str
    major: int
    minor: Optional[int]
    legacy: bool

    @property
    def version(self) -> str:
        """``"MAJOR.MINOR"`` (``"MAJOR.x"`` for a wildcard minor)."""
        return f"{self.major}.{'x' if self.minor is None else self.minor}"

    @property
    def uri(self) -> str:
        """The normalised PIURI."""
        return f"{self.doc_uri}{self.protocol}/{self.version}"


def _normalise_prefix(text: str) -> Tuple[str, bool]:
    """Replace the RFC 0020 legacy core prefix by the RFC 0348 one; say if it was there."""
    if text.startswith(LEGACY_DOC_URI):
        return DIDCOMM_DOC_URI + text[len(LEGACY_DOC_URI) :], True
    return text, False


def parse_message_type(text: Any, *, field: str = "@type") -> MessageType:
    """Parse a message type URI, normalising the legacy core prefix.

    Args:
        text: e.g. ``"https://didcomm.org/out-of-band/1.1/invitation"`` or
            ``"did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/connections/1.0/invitation"``.
        field: the member name carried by errors (``"@type"`` or ``"type"``).

    Returns:
        The :class:`MessageType`.

    Raises:
        MalformedMessage: not a string, or not
            ``doc-uri delim protocol/MAJOR.MINOR/name``.

    Spec: Aries RFC 0003 ``uris.md``; RFC 0020; RFC 0348; DIDComm v2
    §Message Type URI.
    """
    if not isinstance(text, str):
        raise MalformedMessage("must be a string", field)
    normalised, legacy = _normalise_prefix(text)
    match = _MTURI.fullmatch(normalised)
    if match is None:
        raise MalformedMessage(
            f"{text!r} is not a message type URI (doc-uri, protocol/MAJOR.MINOR/name; RFC 0003)", field
        )
    return MessageType(
        doc_uri=match["doc_uri"],
        protocol=match["protocol"],
        major=int(match["major"]),
        minor=int(match["minor"]),
        name=match["name"],
        legacy=legacy,
    )


def parse_protocol_id(text: Any, *, field: str = "piuri", wildcard_minor: bool = False) -> ProtocolId:
    """Parse a protocol identifier URI, normalising the legacy core prefix.

    Args:
        text: e.g. ``"https://didcomm.org/didexchange/1.1"``.
        field: the member name carried by errors.
        wildcard_minor: accept ``MAJOR.x`` (see the module docstring).

    Returns:
        The :class:`ProtocolId`.

    Raises:
        MalformedMessage: not a string, or not ``doc-uri delim protocol/MAJOR.MINOR``.

    Spec: Aries RFC 0003 ``uris.md`` §PIURI; RFC 0020; RFC 0348.
    """
    if not isinstance(text, str):
        raise MalformedMessage("must be a string", field)
    normalised, legacy = _normalise_prefix(text)
    match = _PIURI.fullmatch(normalised)
    if match is None or (match["minor"] == "x" and not wildcard_minor):
        raise MalformedMessage(f"{text!r} is not a protocol identifier URI (doc-uri, protocol/MAJOR.MINOR; RFC 0003)", field)
    return ProtocolId(
        doc_uri=match["doc_uri"],
        protocol=match["protocol"],
        major=int(match["major"]),
        minor=None if match["minor"] == "x" else int(match["minor"]),
        legacy=legacy,
    )


def version_problem(message_type: MessageType, supported: Tuple[int, int]) -> Optional[str]:
    """Say why a message of ``message_type`` cannot be read by an implementation of ``supported``.

    RFC 0003 ``semver.md``: reject another major version; for major version 0
    also reject another minor version. A *higher* minor of a major >= 1 is
    readable (minor versions only add, RFC 0020), and so is a lower one.

    Args:
        message_type: the parsed type of the received message.
        supported: ``(major, minor)`` this implementation speaks.

    Returns:
        ``None`` if the message is readable, else a sentence for the error.
    """
    major, minor = supported
    speaks = f"{message_type.protocol} {major}.{minor}"
    if message_type.major != major:
        return (
            f"{message_type.protocol} version {message_type.version} has another major version than the "
            f"{speaks} this implementation speaks; a major version change is a breaking change (RFC 0003 semver)"
        )
    if major == 0 and message_type.minor != minor:
        return (
            f"{message_type.protocol} version {message_type.version}: for major version 0 every minor "
            f"version may break compatibility, and this implementation speaks {speaks} (RFC 0003 semver)"
        )
    return None


def new_message_id(rng: "Optional[Rng]" = None, backend: "Optional[Backend]" = None) -> str:
    """A random UUID (version 4) for a message ``@id``/``id``.

    RFC 0008 ("UUID recommended") and DIDComm v2 ("UUID recommended") both
    suggest UUIDs; 16 bytes come from ``rng`` (or the CSPRNG) through
    :func:`refdidcomm.crypto.draw`, and RFC 4122 §4.4 sets the version and
    variant bits.

    Raises:
        UsageError: ``rng`` is not callable or returned other than 16 bytes.
    """
    from . import crypto

    return str(uuid.UUID(bytes=crypto.draw(rng, 16, backend), version=4))
