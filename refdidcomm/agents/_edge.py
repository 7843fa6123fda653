"""An RFC 0346 edge agent: registers with cloud agents, routes through them at random, consumes its inbox.

Spec: Aries RFC 0346 (see :mod:`._rfc0346`):

* registration: the edge agent reads a cloud agent's ``c_a_r`` link, and
  "All the endpoint data and the public key of the cloud agents are then
  stored as non secret records in Alice's wallet with a tag "cloud-agent""
  (:class:`RecordStore`, :meth:`EdgeAgent.register`);
* its own service endpoint is one cloud agent's response endpoint "together
  with its consumer id" (:meth:`EdgeAgent.advertise`);
* sending (§"How connection request from Alice flows to Bob"): the message
  for the recipient is wrapped in a forward (``to`` = the recipient's
  service endpoint) packed for a randomly chosen cloud agent, that in a
  forward packed for a second random choice among the rest, and so on
  "till it has exhausted all the list"; the result goes to the last
  chosen. The RFC's example path is B -> C -> A, with A chosen first
  (:meth:`EdgeAgent.wrap_v1`, :meth:`EdgeAgent.send_v1`);
* receiving: it "periodically checks the consumer endpoint of all the cloud
  agents it has registered with", passing each its consumer id
  (:meth:`EdgeAgent.poll`, :meth:`EdgeAgent.wait_for`), and acknowledges
  what it has processed (:meth:`EdgeAgent.ack`).

The random order comes from the injectable ``rng`` (``rng(n) -> n bytes``):
a seeded ``rng`` reproduces the route and every envelope.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from .. import crypto, routing, v1, v2
from ..did import parse_did_url
from ..jwk import JWK
from ..v1._keys import SEED_BYTES
from .._json import dumps_bytes, loads
from ..errors import MalformedMessage, UsageError
from ..v1._rfc0094 import forward_message
from ._rfc0346 import INVITATION_PARAMETER, CloudAgentInvitation, V2Identity, decode_registration_url, http_endpoint_of, new_peer2_identity
from ._transport import DEFAULT_TIMEOUT, MEDIA_TYPE_ENCRYPTED, MEDIA_TYPE_ENVELOPE_V1, MEDIA_TYPE_JSON, get, json_body, post

__all__ = ["CLOUD_AGENT_TAG", "Record", "RecordStore", "Routed", "Received", "EdgeAgent", "random_below", "shuffled"]

CLOUD_AGENT_TAG = "cloud-agent"  # RFC 0346: 'with a tag "cloud-agent"'
MAX_POLL_ROUNDS = 10_000  # hard bound on wait_for's loop, whatever the timeout


def random_below(n: int, rng: Optional[crypto.Rng] = None) -> int:
    """A uniform integer in ``[0, n)`` from ``rng`` (rejection sampling on 32-bit draws).

    Raises:
        UsageError: ``n`` is not a positive int below 2**32, or ``rng``
            returned other than 4 bytes.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n < 1 << 32:
        raise UsageError("n must be an int in 1..2**32-1")
    limit = (1 << 32) - ((1 << 32) % n)  # largest multiple of n: no modulo bias
    for _ in range(64):  # each try fails with probability < 1/2
        raw = crypto.random_bytes(4) if rng is None else rng(4)
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != 4:
            raise UsageError("rng(4) must return exactly 4 bytes")
        value = int.from_bytes(raw, "big")
        if value < limit:
            return value % n
    raise UsageError("rng keeps returning values out of range; is it constant?")


def shuffled(items: Sequence[Any], rng: Optional[crypto.Rng] = None) -> List[Any]:
    """A uniformly random permutation of ``items`` (Fisher-Yates, draws from ``rng``)."""
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = random_below(i + 1, rng)
        out[i], out[j] = out[j], out[i]
    return out


@dataclass(frozen=True)
class Record:
    """A non-secret wallet record.

    Attributes:
        id: the record id.
        type: what it holds (e.g. ``"cloud-agent-registration"``).
        value: the data, a JSON object.
        tags: tags to query by.
    """

    id: str
    type: str
    value: Mapping[str, Any]
    tags: FrozenSet[str]


class RecordStore:
    """The smallest non-secrets wallet: add records, find them by tag (in memory)."""

    def __init__(self) -> None:
        self._records: List[Record] = []

    def add(self, record_type: str, value: Mapping[str, Any], tags: Iterable[str]) -> Record:
        """Add a record; returns it."""
        record = Record(str(uuid.uuid4()), record_type, dict(value), frozenset(tags))
        self._records.append(record)
        return record

    def find(self, tag: str) -> List[Record]:
        """All records carrying ``tag``, oldest first."""
        return [r for r in self._records if tag in r.tags]


@dataclass(frozen=True)
class Routed:
    """A message wrapped for the cloud-agent chain.

    Attributes:
        envelope: what to POST to ``first_hop``.
        first_hop: the service endpoint of the last chosen cloud agent.
        hops: every URL the message visits, first hop first, ending with the
            recipient's service endpoint.
        labels: the cloud agents' labels in travel order (e.g. B, C, A).
        layer_sizes: byte size of the message at each hop, outermost first,
            ending with the recipient's envelope.
    """

    envelope: bytes
    first_hop: str
    hops: Tuple[str, ...]
    labels: Tuple[str, ...]
    layer_sizes: Tuple[int, ...]


@dataclass(frozen=True)
class Received:
    """A message fetched from a consumer endpoint.

    Attributes:
        cloud_agent: the label of the cloud agent that held it.
        consumer: the consumer id it was stored under.
        consumer_endpoint: where it was fetched from.
        id: its storage id there (what :meth:`EdgeAgent.ack` sends back).
        media_type: the media type it arrived with.
        message: the packed message bytes.
    """

    cloud_agent: str
    consumer: str
    consumer_endpoint: str
    id: int
    media_type: str
    message: bytes


class EdgeAgent:
    """A mobile-style edge agent of RFC 0346 (no server of its own).

    Args:
        label: its name.
        seed: its 32-byte Ed25519 seed for DIDComm v1 (default: from ``rng``).
        rng: randomness for keys, route order and envelopes.
        backend: crypto backend (default: the active one).
        timeout: seconds per HTTP hop.
        resolver: DID resolver for DIDComm v2 (default: a fresh
            :func:`refdidcomm.v2.make_resolver`; did:peer resolves by itself).
    """

    def __init__(
        self,
        label: str,
        *,
        seed: Optional[bytes] = None,
        rng: Optional[crypto.Rng] = None,
        backend: Optional[crypto.Backend] = None,
        timeout: float = DEFAULT_TIMEOUT,
        resolver: Optional[v2.DIDResolver] = None,
    ) -> None:
        if not isinstance(label, str) or not label:
            raise UsageError("label must be a non-empty str")
        self.label = label
        self.rng = rng
        self.backend = backend
        self.timeout = timeout
        if seed is None:
            seed = crypto.random_bytes(SEED_BYTES) if rng is None else rng(SEED_BYTES)
        self.key = v1.signing_key(bytes(seed), backend=backend, field="seed")
        self.records = RecordStore()
        self._advertised: Optional[CloudAgentInvitation] = None
        self._seen: Set[Tuple[str, int]] = set()
        self.resolver: v2.DIDResolver = resolver if resolver is not None else v2.make_resolver()
        self.v2_secrets: Dict[str, JWK] = {}
        self.dids: List[str] = []

    # -- registration -------------------------------------------------------

    def register(self, link: str) -> CloudAgentInvitation:
        """Register with a cloud agent: read its ``c_a_r`` link and store it tagged "cloud-agent".

        Args:
            link: a registration link with ``?c_a_r=``, or the cloud agent's
                registration URL, which is fetched (GET) for a fresh link --
                the HTTP stand-in for scanning its QR code.

        Returns:
            The invitation read.

        Raises:
            MalformedInvitation: the link does not hold a valid invitation.
            TransportError: the registration URL cannot be fetched.
        """
        if not isinstance(link, str):
            raise UsageError("link must be a str")
        if INVITATION_PARAMETER + "=" not in urllib.parse.urlsplit(link).query:
            answer = json_body(get(link, timeout=self.timeout), field="registration")
            link = answer.get("invitation_url")  # type: ignore[assignment]
            if not isinstance(link, str):
                raise MalformedMessage("is required and must be a string", "invitation_url")
        invitation = decode_registration_url(link)
        self.records.add("cloud-agent-registration", invitation.to_dict(), {CLOUD_AGENT_TAG})
        return invitation

    @property
    def cloud_agents(self) -> List[CloudAgentInvitation]:
        """The registered cloud agents (records tagged "cloud-agent"), in registration order."""
        return [CloudAgentInvitation.from_dict(dict(r.value)) for r in self.records.find(CLOUD_AGENT_TAG)]

    def advertise(self) -> str:
        """This agent's service endpoint: one registered cloud agent's response endpoint + consumer id.

        The cloud agent is chosen at random on the first call and kept.

        Raises:
            UsageError: not registered with any cloud agent.

        Spec: RFC 0346: "adds the service endpoint as the chosen cloud agent's
        response endpoint together with its consumer id".
        """
        if self._advertised is None:
            agents = self.cloud_agents
            if not agents:
                raise UsageError(f"{self.label} is not registered with any cloud agent")
            self._advertised = agents[random_below(len(agents), self.rng)]
        return self._advertised.consumer_response_endpoint

    # -- sending ------------------------------------------------------------

    def route_order(self) -> List[CloudAgentInvitation]:
        """The registered cloud agents in a fresh random order: first element chosen first (innermost)."""
        agents = self.cloud_agents
        if not agents:
            raise UsageError(f"{self.label} is not registered with any cloud agent")
        return shuffled(agents, self.rng)

    def wrap_v1(self, envelope: bytes, to_endpoint: str, order: Optional[Sequence[CloudAgentInvitation]] = None) -> Routed:
        """Wrap an RFC 0019 envelope in routing/1.0 forwards, one per cloud agent.

        Args:
            envelope: the packed message for the recipient.
            to_endpoint: the recipient's service endpoint (the innermost ``to``).
            order: cloud agents, first chosen first (default: :meth:`route_order`).

        Returns:
            :class:`Routed`.

        Raises:
            UsageError: no cloud agents; bad arguments.
            MalformedMessage: ``envelope`` is not a JSON object.

        Spec: RFC 0346 §"How connection request from Alice flows to Bob";
        Aries RFC 0094 forward, each packed Anoncrypt for its cloud agent.
        """
        if not isinstance(to_endpoint, str) or urllib.parse.urlsplit(to_endpoint).scheme not in ("http", "https"):
            raise UsageError("to_endpoint must be an http(s) URL")
        chain = list(order) if order is not None else self.route_order()
        current = loads(envelope, field="envelope")
        if not isinstance(current, dict):
            raise MalformedMessage("must be a JSON object", "envelope")
        to = to_endpoint
        sizes = [len(dumps_bytes(current))]
        hops = [to_endpoint]
        for agent in chain:
            forward = forward_message(to, current, rng=self.rng)
            packed = v1.pack(dumps_bytes(forward), [agent.recipient_keys[0]], None, backend=self.backend, rng=self.rng)
            current = loads(packed, field="envelope")
            to = agent.service_endpoint
            sizes.append(len(packed))
            hops.append(to)
        outer = dumps_bytes(current)
        return Routed(
            envelope=outer,
            first_hop=to,
            hops=tuple(reversed(hops)),
            labels=tuple(a.label for a in reversed(chain)),
            layer_sizes=tuple(reversed(sizes)),
        )

    def send_v1(self, envelope: bytes, to_endpoint: str, order: Optional[Sequence[CloudAgentInvitation]] = None) -> Routed:
        """:meth:`wrap_v1`, then POST to the first hop.

        Returns when every hop has passed the message on and the recipient's
        cloud agent has stored it (each answers ``202`` only then).

        Raises:
            TransportError: a hop is down or refused; the problem report of
                the hop that failed is in the message. Nothing was stored.
        """
        routed = self.wrap_v1(envelope, to_endpoint, order)
        self.post_routed(routed, MEDIA_TYPE_ENVELOPE_V1)
        return routed

    def post_routed(self, routed: Routed, media_type: str) -> None:
        """POST a wrapped message to its first hop, waiting long enough for every hop behind it."""
        # Each hop waits self.timeout for the next; the sender waits for all of them.
        post(routed.first_hop, routed.envelope, media_type, timeout=self.timeout * len(routed.hops))

    # -- DIDComm v2 ------------------------------------------------------------

    def new_did(self) -> V2Identity:
        """A fresh did:peer:2 whose service is :meth:`advertise`; its keys join this agent's secrets."""
        identity = new_peer2_identity(self.advertise(), resolver=self.resolver, rng=self.rng, backend=self.backend)
        self.v2_secrets.update(identity.secrets)
        self.dids.append(identity.did)
        return identity

    def wrap_v2(self, packed: str, to_did: str, order: Optional[Sequence[CloudAgentInvitation]] = None) -> Routed:
        """Wrap a DIDComm v2 encrypted message in routing/2.0 forwards, one per cloud agent.

        The innermost forward's ``next`` is ``to_did``; each further one's is
        the DID of the cloud agent wrapped just before; each layer is
        anoncrypted to its cloud agent's DID (:func:`refdidcomm.routing.wrap_forward`).

        Args:
            packed: the JWE for the recipient (JSON text).
            to_did: the recipient DID; its DIDCommMessaging service must be
                an http(s) URI without routing keys (an RFC 0346 response endpoint).
            order: cloud agents, first chosen first (default: :meth:`route_order`).

        Raises:
            UsageError: a cloud agent without a DID (v1 only); the recipient's
                service has routing keys; bad arguments.
            MalformedMessage: the recipient has no usable service.

        Spec: RFC 0346 (the random chain); DIDComm v2 §"Routing Protocol 2.0".
        """
        did = parse_did_url(to_did, field_name="to").did
        wrapped, meta = routing.wrap_for_recipient(packed, did, resolver=self.resolver, rng=self.rng, backend=self.backend)
        if meta is None:
            raise MalformedMessage(f"{did[:60]}... has no DIDComm v2 service", "to")
        if meta.routing_keys:
            raise UsageError("the recipient's service has routing keys; an RFC 0346 route ends at a plain response endpoint")
        to_endpoint = http_endpoint_of(did, self.resolver)
        chain = list(order) if order is not None else self.route_order()
        missing = [a.label for a in chain if a.did is None]
        if missing:
            raise UsageError(f"cloud agents without a DIDComm v2 DID cannot carry routing/2.0: {', '.join(missing)}")
        current, next_hop = wrapped, did
        sizes = [len(current.encode("utf-8"))]
        hops = [to_endpoint]
        for agent in chain:
            current = routing.wrap_forward(current, next_hop, str(agent.did), resolver=self.resolver, rng=self.rng, backend=self.backend)
            next_hop = str(agent.did)
            sizes.append(len(current.encode("utf-8")))
            hops.append(agent.service_endpoint)
        return Routed(
            envelope=current.encode("utf-8"),
            first_hop=hops[-1],
            hops=tuple(reversed(hops)),
            labels=tuple(a.label for a in reversed(chain)),
            layer_sizes=tuple(reversed(sizes)),
        )

    def send_v2(self, packed: str, to_did: str, order: Optional[Sequence[CloudAgentInvitation]] = None) -> Routed:
        """:meth:`wrap_v2`, then POST to the first hop as ``application/didcomm-encrypted+json``.

        Raises:
            TransportError: as :meth:`send_v1`.
        """
        routed = self.wrap_v2(packed, to_did, order)
        self.post_routed(routed, MEDIA_TYPE_ENCRYPTED)
        return routed

    def unpack_v2(self, packed: Any) -> v2.UnpackResult:
        """Unpack a DIDComm v2 message with every key of this agent's DIDs."""
        return v2.unpack(packed, secrets=self.v2_secrets, resolver=self.resolver, backend=self.backend)

    # -- receiving ----------------------------------------------------------

    def poll(self) -> List[Received]:
        """Fetch new messages from every registered cloud agent's consumer endpoint.

        Messages already returned by an earlier poll (not yet acknowledged)
        are not returned again.

        Raises:
            TransportError: a consumer endpoint is unreachable or refused.
            MalformedMessage: a consumer endpoint answered nonsense.
        """
        out: List[Received] = []
        for agent in self.cloud_agents:
            request = dumps_bytes({"consumer": agent.consumer})
            answer = json_body(post(agent.consumer_endpoint, request, MEDIA_TYPE_JSON, timeout=self.timeout), field="consume")
            messages = answer.get("messages")
            if not isinstance(messages, list):
                raise MalformedMessage("is required and must be a list", "messages")
            for i, item in enumerate(messages):
                if not isinstance(item, dict):
                    raise MalformedMessage("must be an object", f"messages[{i}]")
                mid, media_type, message = item.get("id"), item.get("media_type"), item.get("message")
                if not isinstance(mid, int) or not isinstance(media_type, str) or not isinstance(message, str):
                    raise MalformedMessage("needs id (int), media_type (str), message (str)", f"messages[{i}]")
                if (agent.consumer, mid) in self._seen:
                    continue
                self._seen.add((agent.consumer, mid))
                out.append(Received(agent.label, agent.consumer, agent.consumer_endpoint, mid, media_type, message.encode("utf-8")))
        return out

    def ack(self, received: Iterable[Received]) -> int:
        """Acknowledge processed messages; their cloud agents delete them. Returns how many were deleted."""
        by_endpoint: Dict[Tuple[str, str], List[int]] = {}
        for item in received:
            by_endpoint.setdefault((item.consumer_endpoint, item.consumer), []).append(item.id)
        deleted = 0
        for (endpoint, consumer), ids in by_endpoint.items():
            body = dumps_bytes({"consumer": consumer, "ids": ids})
            answer = json_body(post(endpoint + "/ack", body, MEDIA_TYPE_JSON, timeout=self.timeout), field="ack")
            count = answer.get("deleted")
            if not isinstance(count, int):
                raise MalformedMessage("is required and must be an integer", "deleted")
            deleted += count
        return deleted

    def wait_for(self, count: int = 1, *, timeout: float = DEFAULT_TIMEOUT, interval: float = 0.02) -> List[Received]:
        """Poll until ``count`` new messages arrived or ``timeout`` seconds passed.

        Returns:
            The messages received (possibly fewer than ``count`` on timeout).
        """
        deadline = time.monotonic() + timeout
        got: List[Received] = []
        for _ in range(MAX_POLL_ROUNDS):
            got.extend(self.poll())
            if len(got) >= count or time.monotonic() >= deadline:
                break
            time.sleep(interval)
        return got

    def unpack_v1(self, envelope: bytes) -> v1.Unpacked:
        """Open an RFC 0019 envelope addressed to this agent's key."""
        return v1.unpack(envelope, [self.key], backend=self.backend)
