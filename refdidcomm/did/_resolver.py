"""DID resolution and DID URL dereferencing, without I/O.

:func:`resolve` dispatches on the DID method (DID Core §7.1 "DID
Resolution", reduced to what a sans-I/O library can do):

1. ``did:key`` and ``did:peer`` (numalgo 0, 2, 3, 4) are resolved from the DID
   itself -- for did:peer:3 and short did:peer:4 with the long forms the
   caller passes as ``known``;
2. otherwise the caller's ``documents`` map (for example ``did:example``
   documents of the DIDComm spec appendix) is consulted for the exact DID;
3. otherwise the caller's ``registry`` maps the method name to a function
   ``did -> document`` (how a did:web or ledger resolver plugs in; any
   network access happens there, in the caller's code);
4. otherwise :class:`~refdidcomm.did.DIDNotFound` (a ``MalformedDID``)
   says there is no resolver for the method.

Every document, whatever its source, goes through
:meth:`DIDDocument.from_dict`, and its ``id`` must be the DID asked for.
did:peer:1 (genesis documents, the 2019 numalgo) is not supported.

:class:`Resolver` bundles the same options in an object that remembers
long-form peer DIDs as they are seen, so later did:peer:3 and short
did:peer:4 DIDs resolve.
"""

from __future__ import annotations

import re
from collections import abc
from collections.abc import Mapping
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from ..errors import MalformedDID, UsageError
from ._didkey import resolve_did_key
from ._document import DIDDocument, DIDNotFound, Service, VerificationMethod, absolute_id, parse_did, parse_did_url
from ._peer0 import resolve_peer0
from ._peer2 import resolve_peer2
from ._peer3 import resolve_peer3
from ._peer4 import resolve_peer4

__all__ = ["MethodResolver", "resolve", "dereference", "Resolver"]

#: A resolver for one DID method: DID -> the document (a JSON object or a
#: DIDDocument), or None when it does not know the DID.
MethodResolver = Callable[[str], Union[DIDDocument, Mapping[str, Any], None]]
DocumentSource = Union[DIDDocument, Mapping[str, Any]]


def _as_document(source: Any, did: str, origin: str) -> DIDDocument:
    if isinstance(source, DIDDocument):
        if source.id != did:
            raise MalformedDID(f"the {origin} returned the document of {source.id!r}, not of the DID asked for", "id")
        return source
    if isinstance(source, Mapping):
        return DIDDocument.from_dict(source, did=did)
    raise UsageError(f"the {origin} must give a DIDDocument or a dict, not {type(source).__name__}")


def _resolve_peer(did: str, msid: str, legacy: bool, known: Iterable[str]) -> DIDDocument:
    numalgo = msid[:1]
    if numalgo == "0":
        return resolve_peer0(did, legacy=legacy)
    if numalgo == "2":
        return resolve_peer2(did, legacy=legacy)
    if numalgo == "3":
        return resolve_peer3(did, known=known, legacy=legacy)
    if numalgo == "4":
        return resolve_peer4(did, known=known)
    if numalgo == "1":
        raise MalformedDID("did:peer:1 (numalgo 1, genesis documents) is not supported", "did")
    raise MalformedDID(f"unknown did:peer numalgo {numalgo!r} (0, 2, 3 or 4)", "did")


def resolve(
    did: Any,
    *,
    registry: Optional[Mapping[str, MethodResolver]] = None,
    documents: Optional[Mapping[str, DocumentSource]] = None,
    legacy: bool = False,
    known: Iterable[str] = (),
) -> DIDDocument:
    """Resolve a DID to its document.

    Args:
        did: the DID (no fragment, path or query; see :func:`dereference`).
        registry: method name -> :data:`MethodResolver`, for methods
            refdidcomm does not resolve itself (``{"web": my_did_web}``).
        documents: DID -> document (JSON object or DIDDocument), e.g. the
            ``did:example`` documents of the DIDComm spec appendix.
        legacy: resolve did:peer:0/2/3 in the peerdid-python 0.5.2 shape
            (``#6MkqRYqQ`` key ids, ``#didcommmessaging-0`` service ids).
        known: long-form peer DIDs seen before (did:peer:2 for did:peer:3,
            long did:peer:4 for its short form); other DIDs are ignored.
    Returns:
        the validated :class:`DIDDocument`, whose ``id`` is ``did``.
    Raises:
        MalformedDID: ``did`` is not a DID (or is a DID URL), the method's
            own checks fail (bad multibase, wrong multicodec, unknown
            purpose code, undecodable segment, hash mismatch, ...), or the
            document is invalid or names another DID.
        DIDNotFound: the DID is well formed but nothing resolves it (unknown
            method, did:example not in ``documents``, did:peer:3 or short
            did:peer:4 without its long form, a registry function that
            returns None).
        UsageError: ``registry``/``documents`` are not mappings, or a
            registry function returns something that is not a document.
    Spec: DID Core §7.1; the did:key and did:peer method specifications.
    """
    parsed = parse_did(did, field_name="did")
    if isinstance(known, (str, bytes)):
        raise UsageError("known must be an iterable of DIDs, not a single string")
    if not isinstance(known, abc.Iterable):
        raise UsageError(f"known must be an iterable of DIDs, not {type(known).__name__}")
    if parsed.method == "key":
        return resolve_did_key(parsed.did)
    if parsed.method == "peer":
        # Only did:peer reads known: the copy is made here, not on every resolution.
        return _resolve_peer(parsed.did, parsed.method_specific_id, legacy, list(known))
    if documents is not None:
        if not isinstance(documents, Mapping):
            raise UsageError("documents must be a mapping DID -> document")
        if parsed.did in documents:
            return _as_document(documents[parsed.did], parsed.did, "documents map")
    if registry is not None:
        if not isinstance(registry, Mapping):
            raise UsageError("registry must be a mapping method name -> resolver function")
        function = registry.get(parsed.method)
        if function is not None:
            source = function(parsed.did)
            if source is None:
                raise DIDNotFound(f"the did:{parsed.method} resolver does not know this DID", "did")
            return _as_document(source, parsed.did, f"did:{parsed.method} resolver")
    if parsed.method == "example":
        raise DIDNotFound("did:example DIDs resolve only through the documents map, which does not have this one", "did")
    raise DIDNotFound(f"no resolver for DID method {parsed.method!r} (supply one in registry)", "did")


def dereference(
    doc_or_did: Union[DIDDocument, str],
    did_url: str,
    **resolve_options: Any,
) -> Union[DIDDocument, VerificationMethod, Service]:
    """Dereference a DID URL: the document, or the method or service its fragment names.

    Args:
        doc_or_did: the document, or a DID to :func:`resolve` first (with
            ``resolve_options``).
        did_url: an absolute DID URL of that DID, or a relative one
            (``#key-1``) taken relative to it. Without a fragment the result
            is the document itself.
        resolve_options: ``registry``, ``documents``, ``legacy``, ``known``.
    Returns:
        the :class:`DIDDocument`, :class:`VerificationMethod` or :class:`Service`.
    Raises:
        MalformedDID: an invalid DID URL, a DID URL of another DID, a path or
            query (not supported), or a resolution failure.
        DIDNotFound: the fragment names nothing in the document, or the DID
            does not resolve.
        UsageError: ``doc_or_did`` is neither a document nor a string.
    Spec: DID Core §7.2 (DID URL Dereferencing).
    """
    if isinstance(doc_or_did, DIDDocument):
        doc = doc_or_did
    elif isinstance(doc_or_did, str):
        doc = resolve(doc_or_did, **resolve_options)
    else:
        raise UsageError(f"expected a DIDDocument or a DID, not {type(doc_or_did).__name__}")
    absolute = absolute_id(did_url, doc.id, field_name="didUrl")
    parsed = parse_did_url(absolute, field_name="didUrl")
    if parsed.did == doc.id and not parsed.path and parsed.query is None and parsed.fragment is None:
        return doc
    return doc.find(absolute)


class Resolver:
    """A configured :func:`resolve`: registry, documents, legacy mode, and known long forms.

    Example::

        resolver = Resolver(documents={"did:example:bob": bob_doc})
        resolver.register("web", my_did_web_function)
        doc = resolver.resolve("did:peer:2.Vz6Mk...")   # also remembers it
        doc3 = resolver.resolve("did:peer:3zQm...")      # now resolvable

    Every long-form did:peer:2 and did:peer:4 this object resolves is
    remembered (:meth:`remember` adds one explicitly).
    """

    def __init__(
        self,
        *,
        registry: Optional[Mapping[str, MethodResolver]] = None,
        documents: Optional[Mapping[str, DocumentSource]] = None,
        legacy: bool = False,
        known: Iterable[str] = (),
    ) -> None:
        self._registry: Dict[str, MethodResolver] = dict(registry or {})
        self._documents: Dict[str, DocumentSource] = dict(documents or {})
        self.legacy = legacy
        self._known: List[str] = []
        for did in known:
            self.remember(did)

    def register(self, method: str, function: MethodResolver) -> None:
        """Add (or replace) the resolver function for a DID method.

        Raises:
            UsageError: ``method`` is not a valid method name or ``function`` is not callable.
        """
        # DID Core §3.1: method-name = 1*method-char; method-char = %x61-7A / DIGIT.
        if not isinstance(method, str) or not re.fullmatch(r"[a-z0-9]+", method):
            raise UsageError(f"invalid DID method name {method!r}")
        if not callable(function):
            raise UsageError("a method resolver must be callable")
        self._registry[method] = function

    def add_document(self, document: DocumentSource) -> None:
        """Add a document to the in-memory map, under its own ``id``.

        Raises:
            MalformedDID: the document is invalid.
        """
        doc = document if isinstance(document, DIDDocument) else DIDDocument.from_dict(document)
        self._documents[doc.id] = doc

    def remember(self, did: str) -> None:
        """Remember a long-form peer DID so that its short forms resolve later.

        Raises:
            MalformedDID: ``did`` is not a DID.
        """
        parse_did(did, field_name="did")
        if did not in self._known:
            self._known.append(did)

    def resolve(self, did: Any) -> DIDDocument:
        """:func:`resolve` with this object's options; remembers peer long forms."""
        doc = resolve(did, registry=self._registry, documents=self._documents, legacy=self.legacy, known=self._known)
        if isinstance(did, str) and (did.startswith("did:peer:2.") or (did.startswith("did:peer:4") and did.count(":") == 3)):
            self.remember(did)
        return doc

    __call__ = resolve

    def dereference(self, did_url: str) -> Union[DIDDocument, VerificationMethod, Service]:
        """Resolve the DID of an absolute DID URL and dereference it."""
        parsed = parse_did_url(did_url, field_name="didUrl")
        return dereference(self.resolve(parsed.did), did_url)
