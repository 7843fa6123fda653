"""Fault tests: a cloud agent down mid-route, restart between store and fetch, bad and oversize POSTs, unknown consumers."""

from __future__ import annotations

import json
import pathlib
from typing import Iterator, List

import pytest

from refdidcomm import v1, v2
from refdidcomm._json import dumps_bytes
from refdidcomm.agents import (
    MEDIA_TYPE_ENCRYPTED,
    MEDIA_TYPE_ENVELOPE_V1,
    MEDIA_TYPE_JSON,
    MEDIA_TYPE_PLAIN,
    CloudAgent,
    EdgeAgent,
    TransportError,
    post,
)
from refdidcomm.v1._rfc0094 import forward_message

SEEDS = {name: bytes([i + 1]) * 32 for i, name in enumerate("ABC")}


@pytest.fixture
def cloud_agents(tmp_path: pathlib.Path) -> Iterator[List[CloudAgent]]:
    agents: List[CloudAgent] = []
    try:
        for name in "ABC":
            agents.append(CloudAgent(f"CloudAgent{name}", seed=SEEDS[name], db_path=str(tmp_path / f"{name}.db"), max_body=16384).start())
        yield agents
    finally:
        for agent in agents:
            agent.stop()


def _edge(name: str, agents: List[CloudAgent]) -> EdgeAgent:
    edge = EdgeAgent(name, timeout=2.0)
    for agent in agents:
        edge.register(agent.registration_url)
    return edge


def _order(edge: EdgeAgent, labels: str):
    by_label = {ca.label[-1]: ca for ca in edge.cloud_agents}
    return [by_label[x] for x in labels]  # first chosen first: travels reversed


def _nothing_stored(agents: List[CloudAgent]) -> bool:
    return all(ca.inbox.count() == 0 for ca in agents)


@pytest.mark.parametrize("down", "ABC")
def test_cloud_agent_down_mid_route(cloud_agents, down):
    """Route B -> C -> A with one agent stopped: a clear error, nothing half-delivered."""
    a, b, c = cloud_agents
    alice = _edge("Alice", cloud_agents)
    bob = _edge("Bob", [a])  # Bob's inbox is on A, the last hop
    bob_endpoint = bob.advertise()
    order = _order(alice, "ACB")
    stopped = {"A": a, "B": b, "C": c}[down]
    stopped.stop()
    envelope = v1.pack(b"{}", [bob.key.verkey], alice.key)
    with pytest.raises(TransportError) as info:
        alice.send_v1(envelope, bob_endpoint, order)
    error = info.value
    if down == "B":  # the first hop itself
        assert error.status is None and "unreachable" in str(error)
    else:
        assert error.status == 502
        assert error.problem["body"]["code"] == "e.p.xfer.cant-forward"
        assert "next hop failed" in str(error) and "unreachable" in str(error)
    live = [ca for ca in cloud_agents if ca is not stopped]
    assert _nothing_stored(live)
    if down != "A":
        assert bob.poll() == []


def test_restart_between_store_and_fetch(cloud_agents, tmp_path):
    a, b, c = cloud_agents
    alice, bob = _edge("Alice", cloud_agents), _edge("Bob", [a])
    alice.send_v1(v1.pack(b"survives", [bob.key.verkey], alice.key), bob.advertise())
    assert a.inbox.count() == 1
    port = a.port
    a.stop()
    with pytest.raises(TransportError):
        bob.poll()
    # The same agent (same key, same database, same port) comes back.
    cloud_agents[0] = again = CloudAgent("CloudAgentA", seed=SEEDS["A"], db_path=str(tmp_path / "A.db"), port=port).start()
    (item,) = bob.wait_for(1, timeout=5)
    assert bob.unpack_v1(item.message).message == b"survives"
    assert bob.ack([item]) == 1
    assert again.inbox.count() == 0


def test_unacked_message_survives_restart(cloud_agents, tmp_path):
    a = cloud_agents[0]
    alice, bob = _edge("Alice", cloud_agents), _edge("Bob", [a])
    alice.send_v1(v1.pack(b"x", [bob.key.verkey], alice.key), bob.advertise())
    assert len(bob.wait_for(1)) == 1  # fetched, not acknowledged
    port = a.port
    a.stop()
    cloud_agents[0] = CloudAgent("CloudAgentA", seed=SEEDS["A"], db_path=str(tmp_path / "A.db"), port=port).start()
    fresh = EdgeAgent("Bob-again")
    fresh.records = bob.records
    assert len(fresh.wait_for(1)) == 1


# -- malformed input: 400 with a problem report ------------------------------------


def _refused(url: str, body: bytes, media_type: str) -> TransportError:
    with pytest.raises(TransportError) as info:
        post(url, body, media_type, timeout=2)
    assert info.value.problem is not None, "every refusal carries a problem report"
    assert "Traceback" not in str(info.value)
    return info.value


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"{}", b'{"protected":"x"}', b"\xff\xfe", b'{"a":1,"a":2}'],
)
def test_malformed_post_to_service_endpoint(cloud_agents, body):
    a = cloud_agents[0]
    error = _refused(a.service_endpoint, body, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 400
    assert error.problem["body"]["code"] == "e.p.msg.malformed"
    assert a.stats.refused == 1


def test_envelope_for_someone_else_is_400_opaque(cloud_agents):
    a, b, _ = cloud_agents
    envelope = v1.pack(b"{}", [b.verkey], None)
    error = _refused(a.service_endpoint, envelope, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 400
    assert error.problem["body"]["args"] == ["decryption failed"]


def test_not_a_forward_is_400(cloud_agents):
    a = cloud_agents[0]
    message = dumps_bytes({"@type": "https://didcomm.org/basicmessage/1.0/message", "@id": "m-12345678", "content": "hi"})
    error = _refused(a.service_endpoint, v1.pack(message, [a.verkey], None), MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 400 and "forward" in error.problem["body"]["args"][0]


def test_rfc0094_key_as_to_is_unroutable(cloud_agents):
    """RFC 0094's `to` is a key; RFC 0346 cloud agents need the next hop's URL."""
    a = cloud_agents[0]
    recipient = v1.signing_key(b"\x09" * 32)
    outer = v1.wrap_forward(v1.pack(b"{}", [recipient.verkey], None), recipient.verkey, [a.verkey])
    error = _refused(a.service_endpoint, outer, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 400 and error.problem["body"]["code"] == "e.p.msg.unroutable"


def test_wrong_media_type_is_415(cloud_agents):
    a = cloud_agents[0]
    error = _refused(a.service_endpoint, b"{}", "text/plain")
    assert error.status == 415
    v1_only = CloudAgent("V1only", v2=False).start()
    try:
        error = _refused(v1_only.service_endpoint, b"{}", MEDIA_TYPE_ENCRYPTED)
        assert error.status == 415 and "no DIDComm v2 identity" in str(error)
    finally:
        v1_only.stop()
    consumer = a.new_invitation().consumer
    assert _refused(f"{a.response_endpoint}/{consumer}", b"{}", MEDIA_TYPE_JSON).status == 415
    assert _refused(a.consumer_endpoint, b"{}", MEDIA_TYPE_PLAIN).status == 415


@pytest.mark.parametrize("body", [b"", b"nope", b"[1]", b'"s"'])
def test_malformed_post_to_response_endpoint(cloud_agents, body):
    a = cloud_agents[0]
    consumer = a.new_invitation().consumer
    error = _refused(f"{a.response_endpoint}/{consumer}", body, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 400
    assert a.inbox.count() == 0


@pytest.mark.parametrize(
    "path, body",
    [
        ("/consume", b"{"),
        ("/consume", b"{}"),
        ("/consume", b'{"consumer": 5}'),
        ("/consume", b'{"consumer": "c", "limit": 0}'),
        ("/consume", b'{"consumer": "c", "limit": true}'),
        ("/consume/ack", b'{"consumer": "c"}'),
        ("/consume/ack", b'{"consumer": "c", "ids": ["1"]}'),
        ("/consume/ack", b'{"consumer": "c", "ids": 1}'),
    ],
)
def test_malformed_consume(cloud_agents, path, body):
    a = cloud_agents[0]
    assert _refused(a.url + path, body, MEDIA_TYPE_JSON).status == 400


def test_unknown_paths_404(cloud_agents):
    a = cloud_agents[0]
    assert _refused(a.url + "/nowhere", b"{}", MEDIA_TYPE_PLAIN).status == 404
    with pytest.raises(TransportError) as info:
        from refdidcomm.agents import get

        get(a.service_endpoint, timeout=2)
    assert info.value.status == 404 and info.value.problem["body"]["code"] == "e.p.xfer.not-found"


# -- oversize --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["service", "response"])
def test_oversize_post_413(cloud_agents, where):
    a = cloud_agents[0]
    consumer = a.new_invitation().consumer
    url = a.service_endpoint if where == "service" else f"{a.response_endpoint}/{consumer}"
    body = b'{"x":"' + b"a" * 16384 + b'"}'
    error = _refused(url, body, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 413 and error.problem["body"]["code"] == "e.p.xfer.too-large"
    assert a.inbox.count() == 0


def test_oversize_inner_hop_reported_to_sender(cloud_agents):
    """A message that fits the first hop's limit but not a later one's: 502 naming the 413."""
    a, b, c = cloud_agents
    small = CloudAgent("Small", max_body=2048).start()
    try:
        alice = _edge("Alice", [b])
        alice.register(small.registration_url)
        bob = _edge("Bob", [a])
        order = _order(alice, "lB")  # Small chosen first (innermost), B is the first hop
        envelope = v1.pack(b"x" * 1500, [bob.key.verkey], alice.key)
        with pytest.raises(TransportError) as info:
            alice.send_v1(envelope, bob.advertise(), order)
        assert info.value.status == 502 and "413" in str(info.value)
        assert _nothing_stored(cloud_agents)
    finally:
        small.stop()


# -- unknown consumer -------------------------------------------------------------------


def test_unknown_consumer_direct(cloud_agents):
    a = cloud_agents[0]
    error = _refused(f"{a.response_endpoint}/deadbeef", b"{}", MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 404 and error.problem["body"]["code"] == "e.p.req.unknown-consumer"
    error = _refused(a.consumer_endpoint, json.dumps({"consumer": "deadbeef"}).encode(), MEDIA_TYPE_JSON)
    assert error.status == 404
    error = _refused(a.consumer_endpoint + "/ack", json.dumps({"consumer": "deadbeef", "ids": [1]}).encode(), MEDIA_TYPE_JSON)
    assert error.status == 404


def test_forward_to_unknown_consumer(cloud_agents):
    a, b, c = cloud_agents
    alice = _edge("Alice", cloud_agents)
    envelope = v1.pack(b"{}", [v1.signing_key(b"\x07" * 32).verkey], alice.key)
    with pytest.raises(TransportError) as info:
        alice.send_v1(envelope, f"{a.response_endpoint}/0123456789abcdef")
    assert info.value.status == 502
    assert "e.p.req.unknown-consumer" in str(info.value)
    assert _nothing_stored(cloud_agents)


def test_forward_to_unreachable_url(cloud_agents):
    a = cloud_agents[0]
    alice = _edge("Alice", [a])
    inner = v1.pack(b"{}", [v1.signing_key(b"\x07" * 32).verkey], None)
    outer = v1.pack(dumps_bytes(forward_message("http://127.0.0.1:1/response/x", json.loads(inner))), [a.verkey], None)
    error = _refused(a.service_endpoint, outer, MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 502
    assert alice.cloud_agents[0].label == "CloudAgentA"


def test_storage_failure_is_500_not_202(cloud_agents):
    a = cloud_agents[0]
    consumer = a.new_invitation().consumer
    a.inbox.close()
    error = _refused(f"{a.response_endpoint}/{consumer}", b"{}", MEDIA_TYPE_ENVELOPE_V1)
    assert error.status == 500 and error.problem["body"]["code"] == "e.p.me.res.storage"


# -- routing/2.0 faults ------------------------------------------------------------------


def _v2_message(sender: EdgeAgent, frm: str, to: str, content: str) -> str:
    msg = v2.Message(id="m-" + content, type="https://didcomm.org/basicmessage/2.0/message", from_=frm, to=[to], body={"content": content})
    return v2.pack_encrypted(msg, to, frm=frm, secrets=sender.v2_secrets, resolver=sender.resolver, forward=False).packed


@pytest.mark.parametrize("down", "ABC")
def test_v2_cloud_agent_down_mid_route(cloud_agents, down):
    a, b, c = cloud_agents
    alice, bob = _edge("Alice", cloud_agents), _edge("Bob", [a])
    alice_did, bob_did = alice.new_did().did, bob.new_did().did
    packed = _v2_message(alice, alice_did, bob_did, "x")
    stopped = {"A": a, "B": b, "C": c}[down]
    stopped.stop()
    with pytest.raises(TransportError) as info:
        alice.send_v2(packed, bob_did, _order(alice, "ACB"))
    if down == "B":
        assert info.value.status is None
    else:
        assert info.value.status == 502 and info.value.problem["body"]["code"] == "e.p.xfer.cant-forward"
    assert _nothing_stored([ca for ca in cloud_agents if ca is not stopped])


@pytest.mark.parametrize("body", [b"{}", b"[]", b"nope", b'{"protected":"e30","recipients":[],"iv":"","ciphertext":"","tag":""}'])
def test_v2_malformed_post(cloud_agents, body):
    a = cloud_agents[0]
    error = _refused(a.service_endpoint, body, MEDIA_TYPE_ENCRYPTED)
    assert error.status == 400 and error.problem["body"]["code"] == "e.p.msg.malformed"


def test_v2_forward_for_another_agent_is_400(cloud_agents):
    a, b, _ = cloud_agents
    alice, bob = _edge("Alice", [b]), _edge("Bob", [a])
    packed = _v2_message(alice, alice.new_did().did, (bob_did := bob.new_did().did), "x")
    routed = alice.wrap_v2(packed, bob_did)  # encrypted to B's DID
    error = _refused(a.service_endpoint, routed.envelope, MEDIA_TYPE_ENCRYPTED)
    assert error.status == 400
    assert a.inbox.count() == 0


def test_v2_next_without_http_service_is_400(cloud_agents):
    from refdidcomm import routing
    from refdidcomm.agents import new_peer2_identity

    a = cloud_agents[0]
    nowhere = new_peer2_identity(None)  # a DID without any service
    alice = _edge("Alice", [a])
    packed = v2.pack_encrypted(
        v2.Message(id="1", type="https://example.org/x/1.0/y", body={}), nowhere.did, secrets={}, resolver=alice.resolver, forward=False
    ).packed
    outer = routing.wrap_forward(packed, nowhere.did, a.v2.did, resolver=alice.resolver)
    error = _refused(a.service_endpoint, outer.encode(), MEDIA_TYPE_ENCRYPTED)
    assert error.status == 400 and "no http(s) DIDCommMessaging service" in str(error)


def test_v2_forward_to_unknown_consumer(cloud_agents, tmp_path):
    from refdidcomm.agents import new_peer2_identity

    a = cloud_agents[0]
    alice = _edge("Alice", cloud_agents)
    ghost = new_peer2_identity(f"{a.response_endpoint}/0123456789abcdef", resolver=alice.resolver)
    packed = _v2_message(alice, alice.new_did().did, ghost.did, "x")
    with pytest.raises(TransportError) as info:
        alice.send_v2(packed, ghost.did)
    assert info.value.status == 502 and "e.p.req.unknown-consumer" in str(info.value)
    assert _nothing_stored(cloud_agents)


def test_v2_restart_between_store_and_fetch(cloud_agents, tmp_path):
    a = cloud_agents[0]
    alice, bob = _edge("Alice", cloud_agents), _edge("Bob", [a])
    alice_did, bob_did = alice.new_did().did, bob.new_did().did
    alice.send_v2(_v2_message(alice, alice_did, bob_did, "kept"), bob_did)
    port = a.port
    a.stop()
    cloud_agents[0] = CloudAgent("CloudAgentA", seed=SEEDS["A"], db_path=str(tmp_path / "A.db"), port=port).start()
    (item,) = bob.wait_for(1, timeout=5)
    assert bob.unpack_v2(item.message).message.body == {"content": "kept"}


def test_full_inbox_is_507_and_nothing_half_delivered(tmp_path):
    from refdidcomm.agents import SqliteInbox

    a = CloudAgent("Tiny", inbox=SqliteInbox(str(tmp_path / "tiny.db"), owner="Tiny", max_queued=1)).start()
    try:
        alice, bob = _edge("Alice", [a]), _edge("Bob", [a])
        alice.send_v1(v1.pack(b"1", [bob.key.verkey], None), bob.advertise())
        with pytest.raises(TransportError) as info:
            alice.send_v1(v1.pack(b"2", [bob.key.verkey], None), bob.advertise())
        assert info.value.status == 502 and "e.p.me.res.storage.full" in str(info.value)
        error = _refused(bob.advertise(), b"{}", MEDIA_TYPE_ENVELOPE_V1)
        assert error.status == 507
        (item,) = bob.wait_for(1)
        assert bob.unpack_v1(item.message).message == b"1"
    finally:
        a.stop()
        a.inbox.close()


def test_restarted_agent_keeps_its_keys_and_did(cloud_agents, tmp_path):
    a = cloud_agents[0]
    before = (a.verkey, a.v2.did, sorted(a.v2.secrets))
    port = a.port
    a.stop()
    cloud_agents[0] = again = CloudAgent("CloudAgentA", seed=SEEDS["A"], db_path=str(tmp_path / "A.db"), port=port).start()
    assert (again.verkey, again.v2.did, sorted(again.v2.secrets)) == before


def test_port_in_use_is_oserror(cloud_agents):
    with pytest.raises(OSError):
        CloudAgent("Clash", port=cloud_agents[0].port)


@pytest.mark.parametrize("seed", [b"", b"\x01" * 31, b"\x01" * 33, "x" * 32])
def test_bad_seed(seed):
    from refdidcomm.errors import UsageError

    with pytest.raises(UsageError):
        CloudAgent("Bad", seed=seed)
