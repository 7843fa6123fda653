"""Agents that talk over a real transport: HTTP on loopback, RFC 0346 cloud and edge agents.

This package is the only network code of refdidcomm; the rest of the
library stays sans-I/O. Standard library only (``http.server``,
``urllib.request``, ``sqlite3``)::

    from refdidcomm import agents, v1

    with agents.CloudAgent("A") as a, agents.CloudAgent("B") as b:
        alice, bob = agents.EdgeAgent("Alice"), agents.EdgeAgent("Bob")
        for edge in (alice, bob):
            edge.register(a.registration_url)
            edge.register(b.registration_url)
        envelope = v1.pack(b"hi", [bob.key.verkey], alice.key)
        alice.send_v1(envelope, bob.advertise())      # Alice -> (random chain) -> Bob's inbox
        (item,) = bob.wait_for(1)
        bob.unpack_v1(item.message).message           # b"hi"
        bob.ack([item])

DIDComm v2 goes the same way with routing/2.0 forwards:
``alice.new_did()``, :func:`refdidcomm.v2.pack_encrypted` (``forward=False``),
``alice.send_v2(packed, bob_did)``, ``bob.unpack_v2(item.message)``.

Pieces: :mod:`._transport` (endpoint, client, media types, problem
reports), :mod:`._inbox` (storage), :mod:`._rfc0346` (cloud agent,
registration invitations), :mod:`._edge` (edge agent), :mod:`._demo` (the
``python -m refdidcomm demo`` flows).
"""

from ._edge import CLOUD_AGENT_TAG, EdgeAgent, Received, Record, RecordStore, Routed, random_below, shuffled
from ._inbox import Inbox, InboxError, InboxFull, SqliteInbox, StoredMessage, UnknownConsumer
from ._rfc0346 import (
    INVITATION_PARAMETER,
    INVITATION_TYPE,
    CloudAgent,
    CloudAgentInvitation,
    CloudAgentStats,
    V2Identity,
    decode_registration_url,
    encode_registration_url,
    http_endpoint_of,
    new_peer2_identity,
)
from ._transport import (
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    DIDCOMM_MEDIA_TYPES,
    MEDIA_TYPE_ENCRYPTED,
    MEDIA_TYPE_ENVELOPE_V1,
    MEDIA_TYPE_JSON,
    MEDIA_TYPE_PLAIN,
    MEDIA_TYPE_SIGNED,
    PROBLEM_REPORT_TYPE,
    HTTPEndpoint,
    HTTPProblem,
    Request,
    Response,
    TransportError,
    get,
    post,
    problem_report,
)

__all__ = [
    # transport
    "MEDIA_TYPE_ENCRYPTED",
    "MEDIA_TYPE_SIGNED",
    "MEDIA_TYPE_PLAIN",
    "MEDIA_TYPE_ENVELOPE_V1",
    "MEDIA_TYPE_JSON",
    "DIDCOMM_MEDIA_TYPES",
    "PROBLEM_REPORT_TYPE",
    "DEFAULT_MAX_BODY",
    "DEFAULT_TIMEOUT",
    "HTTPEndpoint",
    "HTTPProblem",
    "Request",
    "Response",
    "TransportError",
    "post",
    "get",
    "problem_report",
    # storage
    "Inbox",
    "SqliteInbox",
    "StoredMessage",
    "InboxError",
    "InboxFull",
    "UnknownConsumer",
    # RFC 0346
    "INVITATION_TYPE",
    "INVITATION_PARAMETER",
    "CloudAgentInvitation",
    "encode_registration_url",
    "decode_registration_url",
    "CloudAgent",
    "CloudAgentStats",
    "V2Identity",
    "new_peer2_identity",
    "http_endpoint_of",
    "EdgeAgent",
    "CLOUD_AGENT_TAG",
    "Record",
    "RecordStore",
    "Routed",
    "Received",
    "random_below",
    "shuffled",
]
