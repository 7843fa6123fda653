"""DIDs for DIDComm: documents, did:key, did:peer (0, 2, 3, 4), resolution. No I/O.

What the messaging layers call::

    from refdidcomm import did

    doc = did.resolve("did:peer:2.Vz6Mk....Ez6LS....SeyJ0Ijoi...")
    for vm in doc.key_agreement:              # VerificationMethod, document order
        km = did.key_of(vm)                   # KeyMaterial(kty, crv, public_key, jwk)
        km.jwk.kid                            # == vm.id, the absolute DID URL
    for ep in did.normalize_services(doc):    # ServiceEndpoint records
        ep.uri, ep.accept, ep.routing_keys
    vm = did.dereference(doc, "#key-1")       # or an absolute DID URL

* :func:`resolve` ``(did, *, registry=None, documents=None, legacy=False,
  known=())`` -> :class:`DIDDocument`. did:key and did:peer are resolved
  from the DID itself (did:peer:3 and short did:peer:4 through the long
  forms in ``known``); any other DID through ``documents`` (an in-memory map,
  e.g. for ``did:example``) or ``registry`` (method name -> the caller's
  function, e.g. for did:web). :class:`Resolver` keeps these options and
  remembers long-form peer DIDs as it resolves them.
* :class:`DIDDocument` has ``id``, ``verification_method`` and the
  relationships ``authentication``, ``assertion_method``,
  ``key_agreement``, ``capability_invocation``, ``capability_delegation``
  -- tuples of :class:`VerificationMethod` whose ``id`` is always absolute
  -- plus ``service``, ``also_known_as`` and :meth:`DIDDocument.to_dict`.
* :func:`key_of` ``(vm)`` reads Multikey, JsonWebKey2020,
  Ed25519VerificationKey2018/2020, X25519KeyAgreementKey2019/2020 and
  EcdsaSecp256k1VerificationKey2019 methods; the JWK's ``kid`` is the
  method's absolute id. An unsupported method type raises
  :class:`UnsupportedKeyType` (skippable); a broken one ``MalformedDID``.
* :func:`normalize_services` ``(doc)`` -> list of :class:`ServiceEndpoint`
  ``(uri, accept, routing_keys, recipient_keys, priority, id, type)`` for
  ``DIDCommMessaging`` (string, v2.0 list, v2.1 object) and DIDComm v1
  ``did-communication`` services.
* :func:`dereference` ``(doc_or_did, did_url)`` -> the document, or the
  verification method or service named by the fragment.
* Creating: :func:`create_did_key`, :func:`create_peer0`,
  :func:`create_peer2` (one ``S`` element per service, abbreviations as the
  2023 spec), :func:`peer3_from_peer2`, :func:`create_peer4` (long and
  short form); DIDComm v1 verkeys: :func:`verkey_to_did_key`,
  :func:`did_key_to_verkey`.

Errors: malformed DIDs, documents, keys and services raise
:class:`~refdidcomm.errors.MalformedDID` (a ``MalformedMessage``) with the
reason; :class:`DIDNotFound` (also a ``MalformedDID``) when a valid DID
cannot be resolved with what was supplied; caller mistakes raise
:class:`~refdidcomm.errors.UsageError`.

Specs: W3C DID Core 1.0; the did:key Method v0.7 (W3C CCG); the Peer DID
Method Specification (DIF, including the 2023 did:peer:2 clarifications and
did:peer:4); DIDComm Messaging v2.0/v2.1 "Service Endpoint"; Aries RFC 0067.
"""

from __future__ import annotations

from ._didkey import create_did_key, did_key_to_verkey, verkey_to_did_key
from ._document import (
    DIDURL,
    MAX_DID_URL_LENGTH,
    DIDDocument,
    DIDNotFound,
    KeyMaterial,
    Service,
    ServiceEndpoint,
    UnsupportedKeyType,
    VerificationMethod,
    key_of,
    normalize_services,
    parse_did_url,
)
from ._peer0 import create_peer0
from ._peer2 import create_peer2
from ._peer3 import peer3_from_peer2
from ._peer4 import create_peer4
from ._resolver import Resolver, dereference, resolve

__all__ = [
    "resolve",
    "Resolver",
    "dereference",
    "DIDDocument",
    "VerificationMethod",
    "Service",
    "ServiceEndpoint",
    "KeyMaterial",
    "key_of",
    "normalize_services",
    "DIDURL",
    "parse_did_url",
    "MAX_DID_URL_LENGTH",
    "create_did_key",
    "create_peer0",
    "create_peer2",
    "peer3_from_peer2",
    "create_peer4",
    "verkey_to_did_key",
    "did_key_to_verkey",
    "DIDNotFound",
    "UnsupportedKeyType",
]
