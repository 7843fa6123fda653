"""RFC 0346 cloud and edge agents over HTTP on loopback: registration, random routes, inbox, ack."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import pathlib
from typing import Callable, Iterator, List

import pytest

from refdidcomm import v1, v2
from refdidcomm.agents import (
    CLOUD_AGENT_TAG,
    INVITATION_TYPE,
    MEDIA_TYPE_ENVELOPE_V1,
    CloudAgent,
    CloudAgentInvitation,
    EdgeAgent,
    decode_registration_url,
    encode_registration_url,
    get,
    random_below,
    shuffled,
)
from refdidcomm.errors import MalformedInvitation, MalformedMessage, UsageError


def seeded_rng(label: str) -> Callable[[int], bytes]:
    """Deterministic rng: SHA-256 in counter mode over a label."""
    counter = itertools.count()

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(f"{label}:{next(counter)}".encode()).digest()
        return out[:n]

    return rng


@pytest.fixture
def cloud_agents(tmp_path: pathlib.Path) -> Iterator[List[CloudAgent]]:
    agents: List[CloudAgent] = []
    try:
        for name in "ABC":
            agents.append(CloudAgent(f"CloudAgent{name}", db_path=str(tmp_path / f"{name}.db")).start())
        yield agents
    finally:
        for agent in agents:
            agent.stop()


def _registered(name: str, agents: List[CloudAgent]) -> EdgeAgent:
    edge = EdgeAgent(name, rng=seeded_rng(name))
    for agent in agents:
        edge.register(agent.registration_url)
    return edge


# -- invitations ---------------------------------------------------------------

INV = CloudAgentInvitation(
    id="12345678900987654321",
    label="CloudAgentA",
    recipient_keys=("8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K",),
    service_endpoint="https://cloudagenta.com/endpoint",
    response_endpoint="https://cloudagenta.com/response",
    consumer="b1004443feff4f3cba25c45ef35b492c",
    consumer_endpoint="https://cloudagenta.com/consume",
)


def test_invitation_round_trip():
    url = encode_registration_url(INV, "https://cloudagenta.com/register")
    assert "?c_a_r=" in url and "=" not in url.split("c_a_r=")[1]
    assert decode_registration_url(url) == INV
    assert INV.to_dict()["@type"] == INVITATION_TYPE
    # RFC 0346's own example: "serviceEndpoint": ".../response/b1004443feff4f3cba25c45ef35b492c"
    assert INV.consumer_response_endpoint == "https://cloudagenta.com/response/b1004443feff4f3cba25c45ef35b492c"


def test_invitation_rfc_example_legacy_type_padded_standard_base64():
    # The RFC's JSON verbatim (legacy did:sov @type), standard base64 with padding.
    obj = dict(INV.to_dict(), **{"@type": "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/didexchange/1.0/cloudagentregistrationinvitation"})
    blob = base64.b64encode(json.dumps(obj, indent=4).encode()).decode()
    assert decode_registration_url("https://x.example/?c_a_r=" + blob) == INV


def _url(obj) -> str:
    return "https://x.example/?c_a_r=" + base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "change",
    [
        {"@type": "https://didcomm.org/didexchange/1.0/invitation"},
        {"@id": ""},
        {"label": 5},
        {"serviceEndpoint": "ftp://x/"},
        {"responseEndpoint": None},
        {"consumerEndpoint": "cloudagenta.com/consume"},
        {"consumer": "a/b"},
        {"consumer": ""},
        {"recipientKeys": []},
        {"recipientKeys": "8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"},
        {"recipientKeys": ["not-base58-0OIl"]},
        {"recipientKeys": ["3mJr7AoUXx2Wqd"]},
    ],
)
def test_invitation_bad_member(change):
    with pytest.raises(MalformedInvitation):
        decode_registration_url(_url(dict(INV.to_dict(), **change)))


@pytest.mark.parametrize("missing", ["@type", "@id", "label", "recipientKeys", "serviceEndpoint", "responseEndpoint", "consumer", "consumerEndpoint"])
def test_invitation_missing_member(missing):
    obj = INV.to_dict()
    del obj[missing]
    with pytest.raises(MalformedInvitation):
        decode_registration_url(_url(obj))


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/",
        "https://x.example/?c_a_r=",
        "https://x.example/?c_a_r=%%%",
        "https://x.example/?c_a_r=e30&c_a_r=e30",
        "https://x.example/?c_a_r=W10",  # []
        "https://x.example/?c_a_r=bm90IGpzb24",  # "not json"
        "https://x.example/?c_a_r=" + "A" * 9000,
    ],
)
def test_invitation_bad_url(url):
    with pytest.raises(MalformedInvitation):
        decode_registration_url(url)


def test_invitation_did_extension():
    did = "did:peer:2.Ez6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"
    with_did = CloudAgentInvitation(**{**INV.__dict__, "did": did})
    url = encode_registration_url(with_did, "https://cloudagenta.com/register")
    assert decode_registration_url(url).did == did
    assert "did" not in INV.to_dict()
    for bad in (5, "not-a-did", did + "#key-1"):
        with pytest.raises(MalformedInvitation):
            decode_registration_url(_url(dict(INV.to_dict(), did=bad)))


def test_invitation_usage_errors():
    with pytest.raises(UsageError):
        encode_registration_url(INV, "cloudagenta.com")
    with pytest.raises(UsageError):
        decode_registration_url(b"https://x/?c_a_r=e30")


# -- randomness ------------------------------------------------------------------


def test_random_below_rejects_biased_draws():
    draws = iter([b"\xff\xff\xff\xff", (7).to_bytes(4, "big")])
    # 2**32 - 1 is at or above the largest multiple of 3 below 2**32: rejected.
    assert random_below(3, lambda n: next(draws)) == 7 % 3


def test_random_below_errors():
    with pytest.raises(UsageError):
        random_below(0)
    with pytest.raises(UsageError):
        random_below(3, lambda n: b"\x00")
    with pytest.raises(UsageError):
        random_below(3, lambda n: b"\xff\xff\xff\xff")  # constant, always rejected


def test_shuffled_covers_all_orders_and_is_reproducible():
    seen = {tuple(shuffled("ABC", seeded_rng(f"s{i}"))) for i in range(200)}
    assert seen == set(itertools.permutations("ABC"))
    assert shuffled("ABCDE", seeded_rng("x")) == shuffled("ABCDE", seeded_rng("x"))


# -- registration ------------------------------------------------------------------


def test_registration_new_consumer_each_time(cloud_agents):
    a = cloud_agents[0]
    first = decode_registration_url(json.loads(get(a.registration_url).body)["invitation_url"])
    second = decode_registration_url(json.loads(get(a.registration_url).body)["invitation_url"])
    assert first.consumer != second.consumer
    assert a.inbox.has_consumer(first.consumer) and a.inbox.has_consumer(second.consumer)
    assert first.recipient_keys == (a.verkey,)
    assert first.service_endpoint == a.service_endpoint
    assert first.consumer_endpoint == a.consumer_endpoint


def test_edge_records_tagged_cloud_agent(cloud_agents):
    alice = _registered("Alice", cloud_agents)
    records = alice.records.find(CLOUD_AGENT_TAG)
    assert len(records) == 3
    assert [r.value["label"] for r in records] == ["CloudAgentA", "CloudAgentB", "CloudAgentC"]
    assert alice.records.find("other") == []
    endpoint = alice.advertise()
    assert endpoint in {ca.consumer_response_endpoint for ca in alice.cloud_agents}
    assert alice.advertise() == endpoint  # chosen once


def test_edge_register_with_link(cloud_agents):
    alice = EdgeAgent("Alice")
    link = json.loads(get(cloud_agents[1].registration_url).body)["invitation_url"]
    assert alice.register(link).label == "CloudAgentB"


def test_edge_unregistered():
    alice = EdgeAgent("Alice")
    with pytest.raises(UsageError):
        alice.advertise()
    with pytest.raises(UsageError):
        alice.route_order()


# -- routing -----------------------------------------------------------------------


def test_v1_message_routed_through_every_cloud_agent(cloud_agents):
    alice, bob = _registered("Alice", cloud_agents), _registered("Bob", cloud_agents)
    bob_endpoint = bob.advertise()
    envelope = v1.pack(b'{"@type":"https://didcomm.org/basicmessage/1.0/message","@id":"m-12345678","content":"hi"}', [bob.key.verkey], alice.key)
    routed = alice.send_v1(envelope, bob_endpoint)
    # Every cloud agent once, in a random order; the last hop is Bob's response endpoint.
    assert sorted(routed.labels) == ["CloudAgentA", "CloudAgentB", "CloudAgentC"]
    assert routed.hops[-1] == bob_endpoint
    assert routed.first_hop == routed.hops[0]
    by_label = {ca.label: ca for ca in cloud_agents}
    for label, next_hop in zip(routed.labels, routed.hops[1:]):
        assert by_label[label].stats.hops == [f"routing/1.0 -> {next_hop}"]
    # Each layer is bigger than the one inside it.
    assert list(routed.layer_sizes) == sorted(routed.layer_sizes, reverse=True)
    assert routed.layer_sizes[-1] == len(envelope)

    (item,) = bob.wait_for(1, timeout=5)
    assert item.media_type == MEDIA_TYPE_ENVELOPE_V1
    opened = bob.unpack_v1(item.message)
    assert json.loads(opened.message)["content"] == "hi"
    assert opened.sender_verkey == alice.key.verkey_b58
    # Not deleted until acknowledged; not returned twice to the same poller.
    holder = next(ca for ca in cloud_agents if ca.label == item.cloud_agent)
    assert holder.inbox.count() == 1
    assert bob.poll() == []
    assert bob.ack([item]) == 1
    assert holder.inbox.count() == 0
    assert bob.ack([item]) == 0


def test_route_order_is_random_per_message_and_reproducible(cloud_agents):
    alice = _registered("Alice", cloud_agents)
    orders = {tuple(a.label for a in alice.route_order()) for _ in range(40)}
    assert len(orders) > 1


def test_seeded_route_reproducible(cloud_agents):
    orders = []
    for _ in range(2):
        alice = _registered("Alice", cloud_agents)
        orders.append([tuple(a.label for a in alice.route_order()) for _ in range(5)])
    assert orders[0] == orders[1]


def test_rfc_example_path_b_c_a(cloud_agents):
    """RFC 0346: chosen A first, then C, then B; the message travels B -> C -> A."""
    a, b, c = cloud_agents
    alice, bob = _registered("Alice", cloud_agents), _registered("Bob", [a])
    by_label = {ca.label: ca for ca in alice.cloud_agents}
    order = [by_label["CloudAgentA"], by_label["CloudAgentC"], by_label["CloudAgentB"]]
    envelope = v1.pack(b"{}", [bob.key.verkey], alice.key)
    routed = alice.send_v1(envelope, bob.advertise(), order)
    assert routed.labels == ("CloudAgentB", "CloudAgentC", "CloudAgentA")
    assert routed.hops == (b.service_endpoint, c.service_endpoint, a.service_endpoint, bob.advertise())
    assert len(bob.wait_for(1)) == 1


def test_many_messages_and_edges(cloud_agents):
    alice, bob = _registered("Alice", cloud_agents), _registered("Bob", cloud_agents)
    for i in range(5):
        alice.send_v1(v1.pack(str(i).encode(), [bob.key.verkey], alice.key), bob.advertise())
        bob.send_v1(v1.pack(str(i).encode(), [alice.key.verkey], bob.key), alice.advertise())
    got_b = bob.wait_for(5)
    got_a = alice.wait_for(5)
    assert sorted(bob.unpack_v1(m.message).message for m in got_b) == [str(i).encode() for i in range(5)]
    assert sorted(alice.unpack_v1(m.message).message for m in got_a) == [str(i).encode() for i in range(5)]
    assert bob.ack(got_b) == 5 and alice.ack(got_a) == 5
    assert sum(ca.inbox.count() for ca in cloud_agents) == 0


def test_wait_for_times_out_empty(cloud_agents):
    bob = _registered("Bob", cloud_agents)
    assert bob.wait_for(1, timeout=0.1) == []


def test_wrap_v1_bad_input(cloud_agents):
    alice = _registered("Alice", cloud_agents)
    with pytest.raises(UsageError):
        alice.wrap_v1(b"{}", "mailto:bob@example.com")
    with pytest.raises(MalformedMessage):
        alice.wrap_v1(b"[1]", "http://127.0.0.1:1/response/x")


# -- routing/2.0 ------------------------------------------------------------------------


def test_v2_message_routed_through_every_cloud_agent(cloud_agents):
    alice, bob = _registered("Alice", cloud_agents), _registered("Bob", cloud_agents)
    alice_did, bob_did = alice.new_did().did, bob.new_did().did
    assert all(ca.did for ca in alice.cloud_agents)
    msg = v2.Message(id="m1", type="https://didcomm.org/basicmessage/2.0/message", from_=bob_did, to=[alice_did], body={"content": "hi"})
    packed = v2.pack_encrypted(msg, alice_did, frm=bob_did, secrets=bob.v2_secrets, resolver=bob.resolver, forward=False).packed
    routed = bob.send_v2(packed, alice_did)
    assert sorted(routed.labels) == ["CloudAgentA", "CloudAgentB", "CloudAgentC"]
    assert routed.hops[-1] == alice.advertise()
    by_label = {ca.label: ca for ca in cloud_agents}
    for label, next_hop in zip(routed.labels, routed.hops[1:]):
        assert by_label[label].stats.hops == [f"routing/2.0 -> {next_hop}"]
    assert list(routed.layer_sizes) == sorted(routed.layer_sizes, reverse=True)
    (item,) = alice.wait_for(1)
    assert item.media_type == "application/didcomm-encrypted+json"
    result = alice.unpack_v2(item.message)
    assert result.message.body == {"content": "hi"}
    assert result.metadata.authenticated and result.metadata.encrypted_from.startswith(bob_did + "#")
    assert alice.ack([item]) == 1


def test_v1_and_v2_through_the_same_agents(cloud_agents):
    alice, bob = _registered("Alice", cloud_agents), _registered("Bob", cloud_agents)
    alice_did, bob_did = alice.new_did().did, bob.new_did().did
    msg = v2.Message(id="m1", type="https://didcomm.org/basicmessage/2.0/message", body={"content": "v2"})
    alice.send_v2(v2.pack_encrypted(msg, bob_did, secrets={}, resolver=alice.resolver, forward=False).packed, bob_did)
    alice.send_v1(v1.pack(b"v1", [bob.key.verkey], None), bob.advertise())
    got = bob.wait_for(2)
    kinds = sorted(m.media_type for m in got)
    assert kinds == ["application/didcomm-encrypted+json", "application/didcomm-envelope-enc"]


def test_wrap_v2_needs_agent_dids(tmp_path):
    agent = CloudAgent("Old", v2=False).start()
    try:
        alice = EdgeAgent("Alice")
        alice.register(agent.registration_url)
        assert alice.cloud_agents[0].did is None
        did = alice.new_did().did
        with pytest.raises(UsageError):
            alice.wrap_v2(v2.pack_encrypted(v2.Message(id="1", type="https://x.org/a/1.0/b", body={}), did, secrets={}, resolver=alice.resolver, forward=False).packed, did)
    finally:
        agent.stop()
