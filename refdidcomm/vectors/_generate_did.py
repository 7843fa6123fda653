"""Generated identities (did suite) and out-of-band invitations (oob suite).

``identities.json`` (schema ``identities``) holds the parties every
messaging vector uses: for each, its keys (private and public JWKs with the
draws that made them, Multikey, did:key), its did:peer:2 (keys in order, one
``S`` element per service), its did:peer:4 (long and short form, from an
input document) and the resolved documents. Mediators come first so that the
recipients' ``DIDCommMessaging`` services can name their keys in
``routingKeys`` (1, 2 and 3 hops). Negatives: each DID truncated or with a
changed multibase prefix (``MalformedDID``), a did:peer:4 whose hash no
longer matches, and the short did:peer:4 without its long form
(``DIDNotFound``).

``oob_invitations.json`` (schema ``oob_invitations``): RFC 0434 1.1 and
DIDComm v2 out-of-band invitations made with :func:`refdidcomm.oob.make_invitation`
/ ``make_invitation_v2`` (ids from the DRBG), their URLs by
:func:`refdidcomm.oob.encode_url`, and negatives derived from each URL.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .. import did, jwk, oob
from ..encoding import b64url_encode
from ..errors import UsageError
from ._format import make_header
from ._generate_common import Cases, Context, compact_json

__all__ = ["generate_did", "generate_oob", "IDENTITY_PLAN"]

_SIGN_ALL = (("V", "Ed25519"), ("V", "P-256"), ("V", "secp256k1"), ("E", "X25519"), ("E", "P-256"), ("E", "P-384"), ("E", "P-521"))
_SIMPLE = (("V", "Ed25519"), ("E", "X25519"))

#: (name, keys as (purpose, curve), endpoint, routing mediators) in creation order.
IDENTITY_PLAN: Tuple[Tuple[str, Tuple[Tuple[str, str], ...], str, Tuple[str, ...]], ...] = (
    ("mediator1", _SIMPLE, "https://mediator1.example/didcomm", ()),
    ("mediator2", _SIMPLE, "https://mediator2.example/didcomm", ()),
    ("mediator3", _SIMPLE, "https://mediator3.example/didcomm", ()),
    ("alice", _SIGN_ALL, "https://alice.example/didcomm", ()),
    ("bob", _SIGN_ALL, "https://bob.example/didcomm", ()),
    ("carol", _SIMPLE, "https://mediator1.example/didcomm", ("mediator1",)),
    ("dave", _SIMPLE, "https://mediator2.example/didcomm", ("mediator1", "mediator2")),
    ("erin", _SIMPLE, "https://mediator3.example/didcomm", ("mediator1", "mediator2", "mediator3")),
    ("charlie-old", _SIMPLE, "https://charlie.example/didcomm", ()),
    ("charlie", _SIMPLE, "https://charlie.example/didcomm", ()),
)

_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def _service(endpoint: str, routing: List[str]) -> Dict[str, Any]:
    return {"type": "DIDCommMessaging", "serviceEndpoint": {"uri": endpoint, "accept": ["didcomm/v2"], "routingKeys": routing}}


def _input_document(keys: List[Tuple[str, jwk.JWK]], service: Dict[str, Any]) -> Dict[str, Any]:
    methods = [{"id": f"#key-{i}", "type": "Multikey", "publicKeyMultibase": did.create_did_key(k)[len("did:key:"):]}
               for i, (_, k) in enumerate(keys, 1)]
    return {
        "@context": _CONTEXT,
        "verificationMethod": methods,
        "authentication": [f"#key-{i}" for i, (p, _) in enumerate(keys, 1) if p == "V"],
        "assertionMethod": [f"#key-{i}" for i, (p, _) in enumerate(keys, 1) if p == "V"],
        "keyAgreement": [f"#key-{i}" for i, (p, _) in enumerate(keys, 1) if p == "E"],
        "service": [dict(service, id="#didcomm")],
    }


def make_identities(ctx: Context) -> Dict[str, Any]:
    """The identities document (also used by the v2 suite)."""
    rec, out = ctx.rng("identities"), Cases()
    made: Dict[str, Dict[str, Any]] = {}
    for name, plan, endpoint, mediators in IDENTITY_PLAN:
        drawn: List[Tuple[str, jwk.JWK, List[str]]] = []
        for purpose, crv in plan:
            key, draws = rec.record(lambda rng: jwk.generate(crv, rng=rng, backend=ctx.backend))
            drawn.append((purpose, key, draws))
        # DIDComm v2 routing keys: the mediators' first keyAgreement key, as absolute DID URLs.
        routing = [made[m]["keys"][1]["kid"] for m in mediators]
        service = _service(endpoint, routing)
        peer2 = did.create_peer2([(p, k) for p, k, _ in drawn], [service])
        keys = []
        for i, (purpose, key, draws) in enumerate(drawn, 1):
            kid = f"{peer2}#key-{i}"
            named = key.with_kid(kid)
            keys.append({"purpose": purpose, "crv": key.crv, "kid": kid, "private_jwk": named.to_dict(private=True),
                         "public_jwk": named.to_dict(), "multikey": did.create_did_key(key)[len("did:key:"):],
                         "did_key": did.create_did_key(key), "rng_draws": draws})
        input_document = _input_document([(p, k) for p, k, _ in drawn], service)
        long_form, short_form = did.create_peer4(input_document)
        body = {
            "op": "identity", "name": name, "keys": keys, "services": [service], "did_key": keys[0]["did_key"],
            "did_peer_2": peer2, "peer4_input_document": input_document, "did_peer_4": long_form, "did_peer_4_short": short_form,
            "documents": {
                "did_key": did.resolve(keys[0]["did_key"]).to_dict(),
                "did_peer_2": did.resolve(peer2).to_dict(),
                "did_peer_4": did.resolve(long_form).to_dict(),
                "did_peer_4_short": did.resolve(short_form, known=[long_form]).to_dict(),
            },
        }
        hops = f", routing through {len(mediators)} mediator(s)" if mediators else ""
        made[name] = out.add(f"identity {name}: {', '.join(f'{p} {c}' for p, c in plan)}{hops}", [], "valid", body)
    for name in ("alice", "carol"):
        c = made[name]
        for label, text in (("did:key", c["did_key"]), ("did:peer:2", c["did_peer_2"])):
            out.add(f"{name}'s {label} truncated by one character", ["Truncated"], "invalid", {"op": "resolve_invalid", "did": text[:-1]}, "MalformedDID")
        v = c["did_peer_2"].index(".V")
        out.add(f"{name}'s did:peer:2 with its first key's multibase prefix changed from z", ["BadMultibase"], "invalid",
                {"op": "resolve_invalid", "did": c["did_peer_2"][: v + 2] + "y" + c["did_peer_2"][v + 3:]}, "MalformedDID")
        long_form = c["did_peer_4"]
        colon = long_form.rindex(":")
        changed = long_form[: colon + 5] + ("A" if long_form[colon + 5] != "A" else "B") + long_form[colon + 6:]
        out.add(f"{name}'s long did:peer:4 with one character of the encoded document changed (hash mismatch)", ["HashMismatch"], "invalid",
                {"op": "resolve_invalid", "did": changed}, "MalformedDID")
        out.add(f"{name}'s short did:peer:4 without its long form", ["UnknownShortForm"], "invalid",
                {"op": "resolve_invalid", "did": c["did_peer_4_short"]}, "DIDNotFound")
    header = make_header(name="identities", schema="identities", algorithm="DID identities: JWKs, Multikey, did:key, did:peer:2, did:peer:4, documents",
                         seed=ctx.seed, command=ctx.command, stream="identities", backends=ctx.checked_on,
                         source=["did:key v0.7", "Peer DID Method Specification (2023): numalgo 2 and 4", "DID Core 1.0", "RFC 7517", "DIDComm Messaging v2 §Service Endpoint"], notes=[
        "op identity: each key's private_jwk is jwk.generate(crv, rng replaying rng_draws) with kid = did_peer_2 + '#key-N'; "
        "did_peer_2 = create_peer2((purpose, key) in order, services); did_peer_4 (long, short) = create_peer4(peer4_input_document); "
        "documents are the resolved DID documents (did_peer_4_short resolved with the long form known).",
        "routingKeys name mediators' first keyAgreement key (their key-2) in order; carol has 1 hop, dave 2, erin 3.",
        "op resolve_invalid: resolving did raises error."])
    return {"header": header, "cases": out.cases}


def generate_did(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The did suite: ``identities.json``."""
    return {"identities.json": make_identities(ctx)}


def _expect_url(url: str, data: bytes, parameter: str) -> None:
    if f"{parameter}={b64url_encode(data)}" not in url:
        raise UsageError("oob.encode_url did not write the compact JSON as unpadded base64url")


def generate_oob(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The oob suite: ``oob_invitations.json`` and the ``identities.json`` whose DIDs and keys it uses."""
    identities = make_identities(ctx)
    ids = {c["name"]: c for c in identities["cases"] if c.get("op") == "identity"}
    rec, out = ctx.rng("oob_invitations"), Cases()
    alice = ids["alice"]
    carol = ids["carol"]
    med = ids["mediator1"]
    made: List[Tuple[str, Dict[str, Any], str]] = [
        ("RFC 0434 1.1 invitation, inline service with alice's did:key", oob.make_invitation(
            services=[oob.inline_service("https://alice.example/didcomm", [alice["did_key"]])],
            handshake_protocols=["https://didcomm.org/didexchange/1.1"], label="Alice", goal_code="issue-vc",
            goal="To issue a credential", rng=rec), "oob"),
        ("RFC 0434 1.1 invitation, inline service with a routing key", oob.make_invitation(
            services=[oob.inline_service("https://mediator1.example/didcomm", [carol["did_key"]], [med["did_key"]])],
            handshake_protocols=["https://didcomm.org/didexchange/1.1", "https://didcomm.org/connections/1.0"], label="Carol", rng=rec), "oob"),
        ("RFC 0434 1.1 invitation, alice's did:peer:2 as the service", oob.make_invitation(
            services=[alice["did_peer_2"]], handshake_protocols=["https://didcomm.org/didexchange/1.1"], label="Alice", rng=rec), "oob"),
        ("DIDComm v2 out-of-band 2.0 invitation from alice's did:peer:2", oob.make_invitation_v2(
            from_did=alice["did_peer_2"], goal_code="streamlined-vp", goal="To verify a credential", accept=["didcomm/v2"], rng=rec), "_oob"),
        ("DIDComm v2 out-of-band 2.0 invitation from carol's did:peer:4 (short form)", oob.make_invitation_v2(
            from_did=carol["did_peer_4_short"], goal_code="connect", accept=["didcomm/v2"], rng=rec), "_oob"),
    ]
    base = "https://example.com/ssi"
    for comment, invitation, parameter in made:
        data = compact_json(invitation).encode("utf-8")
        url = oob.encode_url(invitation, base=base)
        _expect_url(url, data, parameter)
        kind = "out-of-band/2" if parameter == "_oob" else "out-of-band/1"
        out.add(comment, [], "valid", {"input": url, "kind": kind, "parameter": parameter, "tolerated": [],
                                       "invitation": invitation, "data_utf8": data.decode("utf-8")})
        encoded = b64url_encode(data)
        out.add(f"{comment}: base64url truncated by five characters", ["Truncated"], "invalid",
                {"input": f"{base}?{parameter}={encoded[:-5]}"}, "MalformedInvitation")
        out.add(f"{comment}: no invitation parameter", ["MissingParameter"], "invalid",
                {"input": f"{base}?x={encoded}", "field": "url"}, "MalformedInvitation")
        type_member = "type" if parameter == "_oob" else "@type"
        missing = {k: v for k, v in invitation.items() if k != type_member}
        out.add(f"{comment}: {type_member} removed", ["MissingMember"], "invalid",
                {"input": f"{base}?{parameter}={b64url_encode(compact_json(missing).encode())}"}, "MalformedInvitation")
        future = dict(invitation, **{type_member: invitation[type_member].replace("/1.1/", "/9.0/").replace("/2.0/", "/9.0/")})
        out.add(f"{comment}: a future major version 9.0", ["UnsupportedVersion"], "invalid",
                {"input": f"{base}?{parameter}={b64url_encode(compact_json(future).encode())}"}, "UnsupportedInvitationVersion")
    header = make_header(name="oob_invitations", schema="oob_invitations", algorithm="out-of-band invitations (Aries RFC 0434 1.1, DIDComm v2 out-of-band 2.0) and URLs",
                         seed=ctx.seed, command=ctx.command, stream="oob_invitations", backends=ctx.checked_on, identities="identities.json",
                         source=["Aries RFC 0434", "DIDComm Messaging v2 §Out Of Band Messages"], notes=[
        "input: the URL; valid: oob.decode(input) gives kind, parameter, no tolerances, data_utf8 (compact JSON) and invitation.",
        "Ids (@id / id) are UUIDv4 from the DRBG; DIDs and keys are those of identities.json.",
        "invalid: decoding raises error (field, where given, is the error's field)."])
    return {"identities.json": identities, "oob_invitations.json": {"header": header, "cases": out.cases}}
