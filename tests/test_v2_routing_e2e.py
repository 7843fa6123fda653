"""Forward chains end to end: v2.pack_encrypted -> mediators' unwrap_forward -> v2.unpack.

Keys and documents are vectors/didcomm_v2_forward.json's (mediator1/2/3 and
Charlie from didcomm-rust; dave, erin are ours).
"""

from __future__ import annotations

from typing import Dict

import pytest

from refdidcomm import _json, routing, v2
from refdidcomm.jwk import JWK, KeyNotFound

from conftest import load_vectors
from v2_helpers import label_rng

VECTORS = load_vectors("didcomm_v2_forward")
RESOLVER = v2.make_resolver(VECTORS["keys"]["documents"])
ALL = {kid: JWK.from_dict(d).with_kid(kid) for kid, d in VECTORS["keys"]["secrets"].items()}


def only(prefix: str) -> Dict[str, JWK]:
    return {kid: key for kid, key in ALL.items() if kid.startswith(prefix + "#")}


def message(to: str) -> v2.Message:
    return v2.Message(
        id="1234567890",
        type="https://example.org/lunch/1.0/proposal",
        from_="did:example:dave",
        to=[to],
        created_time=1516269022,
        body={"where": "the usual place"},
    )


def peel(packed: str, mediators, backend) -> str:
    """Each mediator in turn unwraps one layer; returns what the last one delivers."""
    for mediator, expected_next in mediators:
        result = routing.unwrap_forward(packed, secrets=only(mediator), resolver=RESOLVER, backend=backend)
        assert result.next == expected_next
        packed = result.forwarded
    return packed


CHARLIE_ROUTE = [
    ("did:example:mediator3", "did:example:mediator2#key-x25519-1"),
    ("did:example:mediator2", "did:example:mediator1#key-x25519-1"),
    ("did:example:mediator1", "did:example:charlie"),
]


@pytest.mark.parametrize("mode", ["authcrypt", "anoncrypt", "protect_sender"])
def test_three_mediators_to_charlie(mode: str, backend) -> None:
    kw = {}
    if mode != "anoncrypt":
        kw["frm"] = "did:example:dave"
    if mode == "protect_sender":
        kw["protect_sender"] = True
    msg = message("did:example:charlie")
    result = v2.pack_encrypted(msg, "did:example:charlie", secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend, **kw)
    meta = result.service_metadata
    assert meta is not None
    assert meta.id == "did:example:charlie#didcomm-1"
    assert meta.service_endpoint == "http://example.com/path"  # mediator3's, the DID endpoint resolved
    assert meta.routing_keys == ("did:example:mediator3", "did:example:mediator2#key-x25519-1", "did:example:mediator1#key-x25519-1")
    # Charlie cannot open the outer layer: it is for mediator3.
    with pytest.raises(KeyNotFound):
        v2.unpack(result.packed, secrets=only("did:example:charlie"), resolver=RESOLVER, backend=backend)
    delivered = peel(result.packed, CHARLIE_ROUTE, backend)
    unpacked = v2.unpack(delivered, secrets=only("did:example:charlie"), resolver=RESOLVER, backend=backend)
    assert unpacked.message.to_dict() == msg.to_dict()
    assert unpacked.metadata.encrypted
    assert unpacked.metadata.authenticated == (mode != "anoncrypt")
    assert unpacked.metadata.re_wrapped_in_forward is False


def test_mediator_rewrapping_is_reported(backend) -> None:
    msg = message("did:example:charlie")
    result = v2.pack_encrypted(msg, "did:example:charlie", frm="did:example:dave", secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend)
    delivered = peel(result.packed, CHARLIE_ROUTE, backend)
    # "the mediator can attach the opaque payload to a new forward message (appropriately
    # anoncrypted) ... The outer envelope is a forward message where to is the receiver itself."
    rewrapped = routing.wrap_forward(delivered, "did:example:charlie", "did:example:charlie", resolver=RESOLVER, backend=backend)
    unpacked = v2.unpack(rewrapped, secrets=only("did:example:charlie"), resolver=RESOLVER, backend=backend)
    assert unpacked.message.to_dict() == msg.to_dict()
    assert unpacked.metadata.re_wrapped_in_forward is True
    assert unpacked.metadata.authenticated
    # with unwrapping off, the forward itself comes back
    raw = v2.unpack(rewrapped, secrets=only("did:example:charlie"), resolver=RESOLVER, backend=backend, unwrap_re_wrapping_forward=False)
    assert routing.is_forward(raw.message)
    assert raw.message.body == {"next": "did:example:charlie"}


def test_forward_off_and_no_routing_keys_leave_the_message_alone(backend) -> None:
    msg = message("did:example:charlie")
    plain = v2.pack_encrypted(msg, "did:example:charlie", frm="did:example:dave", forward=False, secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend)
    assert plain.service_metadata is None
    assert v2.unpack(plain.packed, secrets=only("did:example:charlie"), resolver=RESOLVER, backend=backend).message.to_dict() == msg.to_dict()
    erin = message("did:example:erin")
    result = v2.pack_encrypted(erin, "did:example:erin", frm="did:example:dave", secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend)
    assert result.service_metadata.routing_keys == ()
    assert result.service_metadata.service_endpoint == "https://erin.example/didcomm"
    opened = v2.unpack(result.packed, secrets=only("did:example:erin"), resolver=RESOLVER, backend=backend)
    assert opened.message.to_dict() == erin.to_dict() and opened.metadata.re_wrapped_in_forward is False


def test_one_hop_v20_list_service_and_expiry_header(backend) -> None:
    msg = message("did:example:bob")
    result = v2.pack_encrypted(
        msg, "did:example:bob", frm="did:example:dave", forward_headers={"expires_time": 1900000000},
        secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend,
    )
    assert result.service_metadata.routing_keys == ("did:example:mediator1#key-x25519-1",)
    hop = routing.unwrap_forward(result.packed, secrets=only("did:example:mediator1"), resolver=RESOLVER, backend=backend)
    assert hop.next == "did:example:bob"
    assert hop.forward_message.expires_time == 1900000000
    bob = {k: v for k, v in ALL.items() if k.startswith("did:example:bob#")}
    assert v2.unpack(hop.forwarded, secrets=bob, resolver=RESOLVER, backend=backend).message.to_dict() == msg.to_dict()


def test_seeded_pack_with_forward_is_reproducible(backend) -> None:
    msg = message("did:example:charlie")
    one = v2.pack_encrypted(msg, "did:example:charlie", frm="did:example:dave", rng=label_rng("e2e"), secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend)
    two = v2.pack_encrypted(msg, "did:example:charlie", frm="did:example:dave", rng=label_rng("e2e"), secrets=only("did:example:dave"), resolver=RESOLVER, backend=backend)
    assert one.packed == two.packed
    assert _json.loads(one.packed)["protected"]


def test_cycle_surfaces_through_pack(backend) -> None:
    from refdidcomm.errors import MalformedMessage

    with pytest.raises(MalformedMessage, match="cycle"):
        v2.pack_encrypted(message("did:example:loopa"), "did:example:loopa", secrets={}, resolver=RESOLVER, backend=backend)


def test_v2_reexports_the_routing_names() -> None:
    assert v2.ServiceMetadata is routing.ServiceMetadata
    assert v2.ForwardResult is routing.ForwardResult
    assert v2.wrap_for_recipient is routing.wrap_for_recipient
    assert v2.unwrap_forward is routing.unwrap_forward
    assert v2.is_forward is routing.is_forward
    assert v2.FORWARD_TYPE == routing.FORWARD_TYPE
