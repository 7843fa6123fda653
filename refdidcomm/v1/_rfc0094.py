"""Aries RFC 0094 routing/1.0 ``forward``: wrapping an envelope for mediators, and unwrapping it.

Spec: hyperledger/aries-rfcs ``concepts/0094-cross-domain-messaging/README.md``,
"Core:Routing:1.0:Forward"::

    {"@type": "https://didcomm.org/routing/1.0/forward", "@id": ...,
     "to": <key or DID of the next recipient>,
     "msg": <the RFC 0019 envelope for that recipient, as a JSON object>}

"If there are mediators specified in the DID service endpoint for the
Receiver agent, the Sender must wrap the message for the Receiver in a
'Forward' message for each mediator", and "Additional `forward` messages are
created to wrap each forward for each mediator."

Order and form, as deployed (ACA-Py ``transport/pack_format.py``
``pack``: ``for router_key in routing_keys: ... Forward(to=recip_keys[0],
msg=message) ... # Forwards are anon packed``):

* ``routingKeys[0]`` is the mediator nearest the recipient and wraps first;
  the last routing key wraps last and is the outermost layer, i.e. the
  first hop. The innermost ``to`` is the recipient's key, each further
  ``to`` the routing key wrapped just before.
* Every forward is packed Anoncrypt to its one routing key.
* ``to`` is written as the base58 verkey (the RFC 0019 ``kid`` form);
  routing keys may be given as base58 or Ed25519 did:key (inline service
  ``routingKeys``).

Randomness: per hop, the forward's ``@id`` (16 bytes, UUID4) and then the
Anoncrypt pack (see :mod:`refdidcomm.v1._rfc0019`), innermost hop first.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

from .. import crypto
from .._json import dumps_bytes, loads
from ..encoding import b58encode
from ..errors import MalformedMessage, UsageError
from ._keys import PublicKeyInput, SecretKeyInput, SigningKey, verkey
from .._message_type import version_problem
from ._messages import DIDCOMM_DOC_URI, new_message_id, parse_message
from ._rfc0019 import pack, recipient_kids, unpack

__all__ = ["FORWARD_TYPE", "Forwarded", "forward_message", "wrap_forward", "unwrap_forward"]

FORWARD_TYPE = DIDCOMM_DOC_URI + "routing/1.0/forward"

Envelope = Union[bytes, bytearray, str, Mapping[str, Any]]


class Forwarded(NamedTuple):
    """What a mediator learns from :func:`unwrap_forward`.

    Attributes:
        to: the forward's ``to``: the next recipient's key or DID, as sent.
        msg: the envelope to deliver to it, as compact UTF-8 JSON.
        message_id: the forward's ``@id``.
        recipient_verkey: the mediator key (base58) that opened the outer envelope.
    """

    to: str
    msg: bytes
    message_id: str
    recipient_verkey: str


def _envelope_object(envelope: Envelope, field: str) -> Dict[str, Any]:
    if isinstance(envelope, Mapping):
        value: Any = dict(envelope)
    elif isinstance(envelope, (bytes, bytearray, str)):
        value = loads(envelope, field=field)
    else:
        raise UsageError(f"{field} must be bytes, str or a mapping, not {type(envelope).__name__}")
    if not isinstance(value, dict):
        raise MalformedMessage("must be a JSON object", field)
    return value


def forward_message(
    to: str, msg: Mapping[str, Any], *, message_id: Optional[str] = None, rng: Optional[crypto.Rng] = None
) -> Dict[str, Any]:
    """Build one ``forward`` message object (not yet packed).

    Args:
        to: the next recipient, e.g. its base58 verkey.
        msg: the envelope for it, as a JSON object.
        message_id: the ``@id`` (default: a random UUID from ``rng``).
        rng: randomness for the default ``@id``.

    Returns:
        ``{"@type", "@id", "to", "msg"}``.

    Raises:
        UsageError: ``to`` is not a non-empty str, or ``msg`` not a mapping.

    Spec: Aries RFC 0094 "Core:Routing:1.0:Forward" ("The `to` field is required").
    """
    if not isinstance(to, str) or not to:
        raise UsageError("to must be a non-empty str")
    if not isinstance(msg, Mapping):
        raise UsageError("msg must be the envelope as a JSON object (a mapping)")
    return {
        "@type": FORWARD_TYPE,
        "@id": message_id if message_id is not None else new_message_id(rng),
        "to": to,
        "msg": dict(msg),
    }


def wrap_forward(
    envelope: Envelope,
    recipient_key: PublicKeyInput,
    routing_keys: Sequence[PublicKeyInput],
    *,
    backend: Optional[crypto.Backend] = None,
    rng: Optional[crypto.Rng] = None,
) -> bytes:
    """Wrap an envelope in one Anoncrypt forward per routing key, outermost last.

    Args:
        envelope: the RFC 0019 envelope for the recipient (bytes, str or mapping).
        recipient_key: the recipient key the envelope is for (the innermost
            ``to``); it must be one of the envelope's ``kid`` values.
        routing_keys: the service's ``routingKeys`` in their listed order
            (base58, Ed25519 did:key, 32 bytes or :class:`SigningKey`).
        backend: crypto backend (default: the active one).
        rng: randomness, drawn as the module docstring says.

    Returns:
        The envelope to send to the first hop (the last routing key), as
        compact UTF-8 JSON; the input envelope itself, re-serialized
        compactly, if ``routing_keys`` is empty.

    Raises:
        UsageError: ``recipient_key`` is not a recipient of the envelope;
            bad argument types.
        MalformedMessage: the envelope or a key text does not parse.
        UnsupportedAlgorithm: the envelope's ``alg``/``enc`` is unknown.
        InvalidKey, LowOrderPointError: a routing key that is no usable key.

    Spec: Aries RFC 0094 "Required: End-to-End encryption of the Agent Message".
    """
    if isinstance(routing_keys, (str, bytes, bytearray, SigningKey)) or not isinstance(routing_keys, Sequence):
        raise UsageError("routing_keys must be a sequence of keys")
    current = _envelope_object(envelope, "envelope")
    to_raw = verkey(recipient_key, field="recipient_key")
    to = b58encode(to_raw)
    if to not in recipient_kids(current):
        raise UsageError("recipient_key is not a recipient (kid) of the envelope")
    routing = [verkey(key, field=f"routing_keys[{i}]") for i, key in enumerate(routing_keys)]
    for routing_verkey in routing:
        forward = forward_message(to, current, rng=rng)
        current = loads(pack(dumps_bytes(forward), [routing_verkey], None, backend=backend, rng=rng), field="envelope")
        to = b58encode(routing_verkey)
    return dumps_bytes(current)


def unwrap_forward(
    envelope: Envelope,
    mediator_keys: Union[SecretKeyInput, Iterable[SecretKeyInput]],
    *,
    backend: Optional[crypto.Backend] = None,
) -> Forwarded:
    """At a mediator: open the envelope and read the forward inside.

    Args:
        envelope: the envelope addressed to one of ``mediator_keys``.
        mediator_keys: the mediator's secret key(s).
        backend: crypto backend (default: the active one).

    Returns:
        :class:`Forwarded`: where to send ``msg`` next.

    Raises:
        DecryptionError, MalformedMessage, UnsupportedAlgorithm: as
            :func:`refdidcomm.v1.unpack`.
        MalformedMessage: the plaintext is not a routing/1.x ``forward``
            (``@type``), or ``to`` or ``msg`` is missing or of the wrong type.

    Spec: Aries RFC 0094 "Required: Mediators Process Forward Messages".
    """
    opened = unpack(envelope, mediator_keys, backend=backend)
    message = parse_message(opened.message)
    kind = message.type
    if (kind.doc_uri, kind.protocol, kind.name) != (DIDCOMM_DOC_URI, "routing", "forward"):
        raise MalformedMessage(f"{kind.uri!r} is not a routing forward message", "@type")
    # RFC 0003 semver: another major version is unreadable; any routing/1.x forward is ours.
    problem = version_problem(kind, (1, 0))
    if problem is not None:
        raise MalformedMessage(problem, "@type")
    to = message.fields.get("to")
    if not isinstance(to, str) or not to:
        raise MalformedMessage("is required and must be a non-empty string", "to")
    msg = message.fields.get("msg")
    if not isinstance(msg, dict):
        # RFC 0094: "msg": { json object from <pack(...)> }
        raise MalformedMessage("is required and must be the envelope as a JSON object", "msg")
    return Forwarded(to=to, msg=dumps_bytes(msg), message_id=message.id, recipient_verkey=opened.recipient_verkey)
