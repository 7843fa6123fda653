"""DID syntax, DID URLs, DID documents, verification-method keys and DIDComm services.

What this module does, and the spec text behind each part:

* **DID and DID URL syntax** -- W3C DID Core 1.0 §3.1 (``did = "did:"
  method-name ":" method-specific-id``; ``method-char = %x61-7A / DIGIT``;
  ``idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded``) and §3.2
  (``did-url = did path-abempty [ "?" query ] [ "#" fragment ]``, path,
  query and fragment as in RFC 3986 §3.3-§3.5). Relative DID URLs (§3.2.2)
  are resolved against the document's DID; only the two forms DID documents
  use are accepted: ``#fragment`` and ``?query[#fragment]``.
* **DID documents** -- DID Core §5: ``id`` (§5.1.1), ``alsoKnownAs``
  (§5.1.3), ``verificationMethod`` (§5.2), the verification relationships
  ``authentication``, ``assertionMethod``, ``keyAgreement``,
  ``capabilityInvocation``, ``capabilityDelegation`` (§5.3; each entry is a
  reference or an embedded method), and ``service`` (§5.4). Parsing
  dereferences every relationship entry, so the messaging layers get
  :class:`VerificationMethod` objects with absolute ids.
* **Keys of verification methods** -- :func:`key_of` reads ``Multikey``
  (W3C Controlled Identifiers §2.2.2), ``JsonWebKey2020`` / ``JsonWebKey``
  (``publicKeyJwk``, DID Core §5.2.1), ``Ed25519VerificationKey2018``
  (``publicKeyBase58``), ``Ed25519VerificationKey2020``
  (``publicKeyMultibase``), ``X25519KeyAgreementKey2019``
  (``publicKeyBase58``), ``X25519KeyAgreementKey2020``
  (``publicKeyMultibase``) and ``EcdsaSecp256k1VerificationKey2019``
  (``publicKeyJwk`` or a compressed ``publicKeyBase58`` point, as the did:key
  test vectors use it).
* **DIDComm services** -- :func:`normalize_services` turns every DIDComm
  service into :class:`ServiceEndpoint` records: ``DIDCommMessaging`` with
  ``serviceEndpoint`` as a string (the pre-2.0 shape, ``accept`` and
  ``routingKeys`` beside it), a list of ``{uri, accept, routingKeys}``
  objects (DIDComm v2.0 "Service Endpoint"), or one such object (DIDComm
  v2.1); and the DIDComm v1 ``did-communication`` service of Aries RFC 0067
  (``recipientKeys``, ``routingKeys``, ``priority``; also its older name
  ``IndyAgent`` from Aries RFC 0160).

Choices where specs and deployed software disagree (each is also commented
where it is made):

* A verification method without ``controller`` is accepted and given the
  document's DID (DID Core §5.2 requires it; did:peer:4 input documents omit
  it on purpose and some deployed documents omit it).
* ``Ed25519VerificationKey2020`` / ``X25519KeyAgreementKey2020`` whose
  ``publicKeyMultibase`` holds the raw 32-byte key without the multicodec
  prefix (an early draft of those suites, still produced by old peerdid
  releases) are read as that raw key; the spec form (with the prefix) is what
  we write.
* ``publicKeyJwk`` containing ``d`` is rejected (DID Core §5.2.1: "MUST NOT
  contain "d", or any other members of the private information class").
* A relationship entry that names a verification method this document does
  not contain (DID Core allows references into other documents; deployed
  documents also carry dangling ones, e.g. didcomm-python's
  ``alice_spec_test_vectors`` references ``#key-x25519-not-in-secrets-1``)
  does not make the document invalid. It is left out of the relationship
  tuple -- no layer can use a key it does not have -- and listed in
  :attr:`DIDDocument.unresolved_references`, so it is not silently lost.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from .. import _json, _sec1
from .._rfc7517 import JWK
from ..encoding import MULTIKEY_LENGTHS, MULTIKEY_MAX_LEN, b58decode, multibase_decode, multikey_decode, multikey_encode
from ..errors import InvalidKey, MalformedDID, MalformedMessage, UnsupportedAlgorithm, UsageError

__all__ = [
    "DIDNotFound",
    "UnsupportedKeyType",
    "DIDURL",
    "parse_did_url",
    "parse_did",
    "absolute_id",
    "VerificationMethod",
    "Service",
    "DIDDocument",
    "RELATIONSHIPS",
    "KeyMaterial",
    "key_of",
    "jwk_of_multikey",
    "multikey_of",
    "ServiceEndpoint",
    "normalize_services",
    "DIDCOMM_V2_SERVICE",
    "DIDCOMM_V1_SERVICES",
    "MAX_DID_URL_LENGTH",
    "MAX_DOCUMENT_DEPTH",
    "check_depth",
]


class DIDNotFound(MalformedDID):
    """A well-formed DID (or DID URL) that nothing the caller supplied resolves.

    Raised for a did:peer:3 or short did:peer:4 whose long form is not known,
    a DID whose method has no resolver, a ``did:example`` DID missing from the
    in-memory map, and a DID URL fragment that names nothing in the document.
    """


class UnsupportedKeyType(MalformedDID):
    """A verification method's type or key type is not one refdidcomm reads.

    Callers iterating ``keyAgreement`` or ``authentication`` may catch this
    and skip the method (for example an RSA or BLS key next to an X25519 key).
    """


# ---------------------------------------------------------------------------
# DID and DID URL syntax: DID Core §3.1, §3.2; RFC 3986 §2.1, §3.3-§3.5.

_PCT_ENCODED = r"%[0-9A-Fa-f]{2}"
_IDCHAR = rf"(?:[A-Za-z0-9._-]|{_PCT_ENCODED})"
_METHOD_NAME = re.compile(r"[a-z0-9]+")
_METHOD_SPECIFIC_ID = re.compile(rf"(?:{_IDCHAR}*:)*{_IDCHAR}+")
# The did:peer:2 exception: the peer DID spec's own matching regex allows "="
# in S elements ("(\.(S)[0-9a-zA-Z=]*)*") and padded S elements circulate
# (peerdid-python's negative vectors contain one), although "=" is not an
# idchar. For did:peer:2 only, "=" is tolerated here; _peer2 decides what a
# padded element means.
_PEER2_SPECIFIC_ID = re.compile(rf"2(?:{_IDCHAR}|=)*")
# RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
_PCHAR = rf"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|{_PCT_ENCODED})"
_PATH_ABEMPTY = re.compile(rf"(?:/{_PCHAR}*)*")
# RFC 3986 §3.4, §3.5: query = fragment = *( pchar / "/" / "?" ).
_QUERY_OR_FRAGMENT = re.compile(rf"(?:{_PCHAR}|[/?])*")
_DID_URL_SHAPE = re.compile(r"did:([^:/?#]*):([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.DOTALL)


#: The longest DID URL :func:`parse_did_url` accepts, in characters, checked
#: before any other work. DID Core sets no limit; ours bounds the work a peer
#: can cause (base58 decoding is quadratic: 200,000 characters took 10-14 s).
#: Real peer DIDs are far shorter: a did:peer:2 with two keys and one
#: DIDComm service is about 250 characters, and a did:peer:4 long form with
#: several keys and twenty services about 6,000. 16 KiB leaves room for
#: long documents; decoding 16,384 base58 characters takes about 0.1 s, and
#: resolving a did:peer:4 of that size about 0.25 s (measured, CPython 3.11).
MAX_DID_URL_LENGTH = 16 * 1024

#: The deepest JSON nesting a DID document (or a service inside one) may
#: have; the same limit :func:`refdidcomm._json.loads` applies to parsed
#: input, here for objects a caller passes in (recursive copies would
#: otherwise end in ``RecursionError``).
MAX_DOCUMENT_DEPTH = 100


def check_depth(value: Any, where: str, *, limit: int = MAX_DOCUMENT_DEPTH) -> None:
    """Check, without recursion, that ``value`` nests lists and objects at most ``limit`` deep.

    Raises:
        MalformedDID: nested deeper, naming ``where``.
    """
    if _json.deeper_than(value, limit):
        raise MalformedDID(f"JSON nested deeper than {limit} levels", where)


class DIDURL(NamedTuple):
    """A parsed DID URL (DID Core §3.2). ``query`` and ``fragment`` are None when absent."""

    did: str
    method: str
    method_specific_id: str
    path: str
    query: Optional[str]
    fragment: Optional[str]

    @property
    def url(self) -> str:
        """The DID URL as text."""
        out = self.did + self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out


def parse_did_url(text: Any, *, field_name: Optional[str] = None) -> DIDURL:
    """Parse an absolute DID URL (or a plain DID).

    Args:
        text: the DID URL, e.g. ``did:example:alice#key-1``.
        field_name: the field it came from, carried by errors.
    Returns:
        the :class:`DIDURL` parts.
    Raises:
        MalformedDID: not a string, not ``did:``, an empty or upper-case
            method name, a character outside ``idchar``, a malformed
            percent-encoding, or an invalid path, query or fragment; longer
            than :data:`MAX_DID_URL_LENGTH` characters (checked first).
    Spec: DID Core §3.1 (DID Syntax), §3.2 (DID URL Syntax); RFC 3986 §3.3-§3.5.
    """
    if not isinstance(text, str):
        raise MalformedDID("a DID must be a string", field_name)
    if len(text) > MAX_DID_URL_LENGTH:
        raise MalformedDID(f"a DID URL of {len(text)} characters is longer than {MAX_DID_URL_LENGTH}", field_name)
    # The cache below is keyed by the text: an exact str (str.__str__ copies
    # a subclass's characters), so a subclass's own __eq__/__hash__ cannot
    # make it match another DID's entry.
    return _parse_did_url_str(str.__str__(text), field_name)


# The same DID URLs are parsed many times per message (resolution, key lookup,
# recipient checks). DIDURL is an immutable NamedTuple, so parsing results
# can be shared; errors are not cached (lru_cache never stores exceptions).
# Bounded, so that a peer sending many distinct DIDs cannot grow it.
@functools.lru_cache(maxsize=1024)
def _parse_did_url_str(text: str, field_name: Optional[str]) -> DIDURL:
    shape = _DID_URL_SHAPE.fullmatch(text)
    if shape is None:
        raise MalformedDID(f"not a DID: {_shorten(text)!r} (DID Core §3.1: did:<method>:<id>)", field_name)
    method, msid, path, query, fragment = shape.groups()
    if not _METHOD_NAME.fullmatch(method):
        raise MalformedDID(f"invalid method name {method!r} (DID Core §3.1: lower-case letters and digits)", field_name)
    specific = _PEER2_SPECIFIC_ID if method == "peer" and msid.startswith("2") else _METHOD_SPECIFIC_ID
    if not specific.fullmatch(msid):
        raise MalformedDID(
            f"invalid method-specific id in {_shorten(text)!r} (DID Core §3.1 idchar: ALPHA / DIGIT / . - _ / %XX)",
            field_name,
        )
    if not _PATH_ABEMPTY.fullmatch(path):
        raise MalformedDID("invalid DID URL path (RFC 3986 §3.3)", field_name)
    for part, label in ((query, "query"), (fragment, "fragment")):
        if part is not None and not _QUERY_OR_FRAGMENT.fullmatch(part):
            raise MalformedDID(f"invalid DID URL {label} (RFC 3986 §3.4/§3.5)", field_name)
    return DIDURL(f"did:{method}:{msid}", method, msid, path, query, fragment)


def parse_did(text: Any, *, field_name: Optional[str] = None) -> DIDURL:
    """Parse a DID: a DID URL with no path, query or fragment.

    Raises:
        MalformedDID: as :func:`parse_did_url`, or the text has a path,
            query or fragment (a DID URL is not a DID).
    Spec: DID Core §3.1.
    """
    parsed = parse_did_url(text, field_name=field_name)
    if parsed.path or parsed.query is not None or parsed.fragment is not None:
        raise MalformedDID(f"{_shorten(text)!r} is a DID URL, not a DID", field_name)
    return parsed


def absolute_id(reference: Any, base_did: str, *, field_name: Optional[str] = None) -> str:
    """Turn a (possibly relative) DID URL in a document into an absolute one.

    ``#fragment`` and ``?query[#fragment]`` are appended to ``base_did``
    (RFC 3986 §5.2 with the DID as base and an empty path); an absolute DID
    URL is checked and returned as is.

    Args:
        reference: the id or reference as written in the document.
        base_did: the document's DID.
        field_name: where the reference was found, for errors.
    Returns:
        the absolute DID URL.
    Raises:
        MalformedDID: not a string, not a valid DID URL, or a relative form
            other than the two above (a relative path such as ``key-1``).
    Spec: DID Core §3.2.2 (Relative DID URLs).
    """
    if not isinstance(reference, str):
        raise MalformedDID("an id or reference must be a string", field_name)
    if reference.startswith("did:"):
        parse_did_url(reference, field_name=field_name)
        return reference
    if reference.startswith(("#", "?")):
        return parse_did_url(base_did + reference, field_name=field_name).url
    raise MalformedDID(
        f"relative DID URL {_shorten(reference)!r} is not supported (only '#fragment' and '?query' forms)",
        field_name,
    )


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# The document model.

#: The verification relationships of DID Core §5.3 (JSON name, attribute name).
RELATIONSHIPS: Tuple[Tuple[str, str], ...] = (
    ("authentication", "authentication"),
    ("assertionMethod", "assertion_method"),
    ("keyAgreement", "key_agreement"),
    ("capabilityInvocation", "capability_invocation"),
    ("capabilityDelegation", "capability_delegation"),
)

# DID Core §5.2.1 "Verification Material": a method "MUST NOT contain multiple
# verification material properties for the same material". These are the
# material properties of the DID Specification Registries.
_MATERIAL_PROPERTIES = (
    "publicKeyJwk",
    "publicKeyMultibase",
    "publicKeyBase58",
    "publicKeyBase64",
    "publicKeyHex",
    "publicKeyPem",
    "blockchainAccountId",
    "ethereumAddress",
)


@dataclass(frozen=True)
class VerificationMethod:
    """A verification method (DID Core §5.2), with its id made absolute.

    Attributes:
        id: the absolute DID URL of the method (the JWK ``kid`` of its key).
        type: the method type, e.g. ``Multikey`` or ``JsonWebKey2020``.
        controller: the ``controller`` member (the document's DID when absent).
        raw: the JSON object as it appears in the document (a copy).
    """

    id: str
    type: str
    controller: str
    # Compared but not hashed (a dict is not hashable); equal objects still hash equal.
    raw: Mapping[str, Any] = field(repr=False, hash=False)


@dataclass(frozen=True)
class Service:
    """A service (DID Core §5.4), with its id made absolute.

    Attributes:
        id: the absolute DID URL of the service.
        types: the ``type`` member as a tuple (DID Core allows a string or a
            set of strings).
        service_endpoint: the ``serviceEndpoint`` value as found (string,
            object, or list of them).
        raw: the JSON object as it appears in the document (a copy).
    """

    id: str
    types: Tuple[str, ...]
    service_endpoint: Any = field(hash=False)
    raw: Mapping[str, Any] = field(repr=False, hash=False)


@dataclass(frozen=True)
class DIDDocument:
    """A parsed, validated DID document (DID Core §5).

    Build one with :meth:`from_dict`; resolvers return these. The
    relationship attributes hold the dereferenced :class:`VerificationMethod`
    objects in document order, so the DIDComm layers read
    ``doc.key_agreement`` and ``doc.authentication`` directly and call
    :func:`key_of` on each.

    Attributes:
        id: the DID.
        verification_method: the ``verificationMethod`` entries.
        authentication, assertion_method, key_agreement,
        capability_invocation, capability_delegation: the relationships.
        service: the ``service`` entries.
        also_known_as: the ``alsoKnownAs`` entries.
        unresolved_references: ``(relationship, absolute DID URL)`` of every
            relationship reference that names no method of this document
            (left out of the relationship tuples).
        raw: the document JSON (what :meth:`to_dict` returns a copy of).
    """

    id: str
    verification_method: Tuple[VerificationMethod, ...]
    authentication: Tuple[VerificationMethod, ...]
    assertion_method: Tuple[VerificationMethod, ...]
    key_agreement: Tuple[VerificationMethod, ...]
    capability_invocation: Tuple[VerificationMethod, ...]
    capability_delegation: Tuple[VerificationMethod, ...]
    service: Tuple[Service, ...]
    also_known_as: Tuple[str, ...]
    unresolved_references: Tuple[Tuple[str, str], ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, obj: Any, *, did: Optional[str] = None) -> "DIDDocument":
        """Parse and validate a DID document JSON object.

        Args:
            obj: the document (a dict, e.g. from :func:`refdidcomm._json.loads`).
            did: when given, the DID that was resolved; the document's ``id``
                must equal it (DID Core §7.1: the resolved document's ``id``
                is the DID).
        Returns:
            the document.
        Raises:
            MalformedDID: the document is not an object; ``id`` is missing,
                not a DID or not ``did``; a member has the wrong JSON type; an
                id is not a valid (relative) DID URL; two methods or two
                services share an id; a method has several verification
                material properties; a service lacks ``type`` or
                ``serviceEndpoint``; the JSON nests deeper than
                :data:`MAX_DOCUMENT_DEPTH`.
        Spec: DID Core §5.1-§5.4.
        """
        if not isinstance(obj, Mapping):
            raise MalformedDID("a DID document must be a JSON object", "didDocument")
        if "id" not in obj:
            raise MalformedDID("required member is missing", "id")
        doc_id = parse_did(obj["id"], field_name="id").did
        if did is not None and doc_id != did:
            raise MalformedDID(f"document id {_shorten(doc_id)!r} is not the resolved DID {_shorten(did)!r}", "id")
        check_depth(obj, "didDocument")  # before the recursive copies below
        raw = copy.deepcopy(dict(obj))

        methods: Dict[str, VerificationMethod] = {}
        listed: List[VerificationMethod] = []
        for index, item in enumerate(_list_member(raw, "verificationMethod")):
            vm = _parse_method(item, doc_id, f"verificationMethod[{index}]")
            _add_unique(methods, vm, f"verificationMethod[{index}].id")
            listed.append(vm)
        # Embedded methods first (they may be referenced from another
        # relationship), then references.
        for name, _ in RELATIONSHIPS:
            for index, item in enumerate(_list_member(raw, name)):
                if isinstance(item, Mapping):
                    _add_unique(methods, _parse_method(item, doc_id, f"{name}[{index}]"), f"{name}[{index}].id")
                elif not isinstance(item, str):
                    raise MalformedDID("must be a DID URL string or an embedded verification method", f"{name}[{index}]")
        relationships: Dict[str, Tuple[VerificationMethod, ...]] = {}
        unresolved: List[Tuple[str, str]] = []
        for name, attribute in RELATIONSHIPS:
            resolved = []
            for index, item in enumerate(_list_member(raw, name)):
                where = f"{name}[{index}]"
                ref = absolute_id(item if isinstance(item, str) else item.get("id"), doc_id, field_name=where)
                target = methods.get(ref)
                if target is None:
                    # Module docstring: kept out of the tuple, but recorded.
                    unresolved.append((name, ref))
                else:
                    resolved.append(target)
            relationships[attribute] = tuple(resolved)

        services: List[Service] = []
        seen_services: Dict[str, Service] = {}
        for index, item in enumerate(_list_member(raw, "service")):
            svc = _parse_service(item, doc_id, f"service[{index}]")
            if svc.id in seen_services:
                raise MalformedDID(f"duplicate service id {svc.id!r} (DID Core §5.4)", f"service[{index}].id")
            seen_services[svc.id] = svc
            services.append(svc)

        aka = _list_member(raw, "alsoKnownAs")
        for index, item in enumerate(aka):
            if not isinstance(item, str):
                raise MalformedDID("must be a string (a URI)", f"alsoKnownAs[{index}]")

        return cls(
            id=doc_id,
            verification_method=tuple(listed),
            service=tuple(services),
            also_known_as=tuple(aka),
            unresolved_references=tuple(unresolved),
            raw=raw,
            **relationships,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The document JSON (a deep copy; mutating it does not change this object)."""
        return copy.deepcopy(dict(self.raw))

    def methods(self) -> Tuple[VerificationMethod, ...]:
        """Every verification method: ``verificationMethod`` and embedded ones, without repeats."""
        out: Dict[str, VerificationMethod] = {vm.id: vm for vm in self.verification_method}
        for _, attribute in RELATIONSHIPS:
            for vm in getattr(self, attribute):
                out.setdefault(vm.id, vm)
        return tuple(out.values())

    def find(self, did_url: str) -> Union[VerificationMethod, Service]:
        """Dereference a DID URL with a fragment within this document.

        Args:
            did_url: ``#fragment`` (relative to this document) or an absolute
                DID URL ``<this DID>#fragment``.
        Returns:
            the verification method or service whose id it is.
        Raises:
            MalformedDID: not a DID URL, no fragment, a path or query, or
                another DID.
            DIDNotFound: nothing in the document has that id.
        Spec: DID Core §7.2 (DID URL Dereferencing; the fragment is
            dereferenced within the primary resource, the DID document).
        """
        absolute = absolute_id(did_url, self.id, field_name="didUrl")
        parsed = parse_did_url(absolute, field_name="didUrl")
        if parsed.did != self.id:
            raise MalformedDID(f"{_shorten(absolute)!r} belongs to another DID than {_shorten(self.id)!r}", "didUrl")
        if parsed.path or parsed.query is not None:
            raise MalformedDID("dereferencing DID URL paths and queries is not supported", "didUrl")
        if parsed.fragment is None:
            raise MalformedDID("a DID URL with a fragment is needed to select a method or service", "didUrl")
        for vm in self.methods():
            if vm.id == absolute:
                return vm
        for svc in self.service:
            if svc.id == absolute:
                return svc
        raise DIDNotFound(f"{_shorten(absolute)!r} names nothing in the DID document", "didUrl")


def _list_member(obj: Mapping[str, Any], name: str) -> List[Any]:
    value = obj.get(name, [])
    if not isinstance(value, list):
        raise MalformedDID("must be a JSON array", name)
    return value


def _add_unique(methods: Dict[str, VerificationMethod], vm: VerificationMethod, where: str) -> None:
    # DID Core §5.2: verification method ids are unique within a document.
    if vm.id in methods:
        raise MalformedDID(f"duplicate verification method id {vm.id!r} (DID Core §5.2)", where)
    methods[vm.id] = vm


def _parse_method(obj: Any, doc_id: str, where: str) -> VerificationMethod:
    """Check one verification method's shape (the key itself is read by key_of)."""
    if not isinstance(obj, Mapping):
        raise MalformedDID("a verification method must be a JSON object", where)
    for name in ("id", "type"):
        if name not in obj:
            raise MalformedDID("required member is missing", f"{where}.{name}")
    if not isinstance(obj["type"], str):
        raise MalformedDID("must be a string", f"{where}.type")
    vm_id = absolute_id(obj["id"], doc_id, field_name=f"{where}.id")
    # DID Core §5.2 requires "controller". It is defaulted to the document's
    # DID: did:peer:4 input documents omit it by design (the spec then fills
    # it in), and deployed documents omit it too.
    controller = obj.get("controller", doc_id)
    if not isinstance(controller, str):
        raise MalformedDID("must be a string (a DID)", f"{where}.controller")
    materials = [name for name in _MATERIAL_PROPERTIES if name in obj]
    if len(materials) > 1:
        raise MalformedDID(
            f"several verification material properties ({', '.join(materials)}); DID Core §5.2.1 allows one",
            where,
        )
    return VerificationMethod(id=vm_id, type=obj["type"], controller=controller, raw=copy.deepcopy(dict(obj)))


def _parse_service(obj: Any, doc_id: str, where: str) -> Service:
    """Check one service's shape (DID Core §5.4)."""
    if not isinstance(obj, Mapping):
        raise MalformedDID("a service must be a JSON object", where)
    for name in ("id", "type", "serviceEndpoint"):
        if name not in obj:
            raise MalformedDID("required member is missing", f"{where}.{name}")
    svc_id = absolute_id(obj["id"], doc_id, field_name=f"{where}.id")
    types = obj["type"]
    # DID Core §5.4: "The value of the type property MUST be a string or a set
    # of strings."
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise MalformedDID("must be a string or a non-empty array of strings", f"{where}.type")
    endpoint = obj["serviceEndpoint"]
    # DID Core §5.4: "a string, a map, or a set composed of one or more
    # strings and/or maps".
    ok = isinstance(endpoint, (str, Mapping)) or (
        isinstance(endpoint, list) and bool(endpoint) and all(isinstance(e, (str, Mapping)) for e in endpoint)
    )
    if not ok:
        raise MalformedDID("must be a string, an object or a non-empty array of them", f"{where}.serviceEndpoint")
    return Service(id=svc_id, types=tuple(types), service_endpoint=copy.deepcopy(endpoint), raw=copy.deepcopy(dict(obj)))


# ---------------------------------------------------------------------------
# Keys: verification method -> JWK.

# Multikey codec name -> (kty, crv). Public key codecs of the multicodec
# table that JOSE can express.
_CODEC_CURVE: Mapping[str, Tuple[str, str]] = {
    "ed25519-pub": ("OKP", "Ed25519"),
    "x25519-pub": ("OKP", "X25519"),
    "p256-pub": ("EC", "P-256"),
    "p384-pub": ("EC", "P-384"),
    "p521-pub": ("EC", "P-521"),
    "secp256k1-pub": ("EC", "secp256k1"),
}
_CURVE_CODEC: Mapping[str, str] = {crv: codec for codec, (_, crv) in _CODEC_CURVE.items()}


class KeyMaterial(NamedTuple):
    """The public key of a verification method.

    Attributes:
        kty: ``"OKP"`` or ``"EC"``.
        crv: ``Ed25519``, ``X25519``, ``P-256``, ``P-384``, ``P-521`` or ``secp256k1``.
        public_key: OKP: the 32-byte key; EC: the SEC 1 compressed point
            (33, 49 or 67 bytes) -- the bytes a Multikey carries.
        jwk: the public :class:`~refdidcomm.jwk.JWK` with ``kid`` = the
            verification method's absolute id.
    """

    kty: str
    crv: str
    public_key: bytes
    jwk: JWK

    @property
    def multikey(self) -> str:
        """The Multikey (``z...``) of this key, as did:key and did:peer write it."""
        return multikey_encode(_CURVE_CODEC[self.crv], self.public_key)


def jwk_of_multikey(codec: str, key: bytes, kid: Optional[str] = None) -> JWK:
    """Build the public JWK of a decoded Multikey.

    Args:
        codec: a public key codec name (``ed25519-pub``, ``x25519-pub``,
            ``p256-pub``, ``p384-pub``, ``p521-pub``, ``secp256k1-pub``).
        key: the raw key: 32 bytes, or a compressed SEC 1 point.
        kid: the key id to attach.
    Returns:
        the validated JWK.
    Raises:
        UnsupportedKeyType: a codec JOSE has no key type for here (e.g. a
            private key codec).
        MalformedDID: the key is invalid (wrong length, not on the curve,
            an Ed25519 key of small order or not canonical).
    Spec: RFC 8037 §2 (OKP), RFC 7518 §6.2.1 (EC), SEC 1 v2 §2.3.4.
    """
    if codec not in _CODEC_CURVE:
        raise UnsupportedKeyType(f"multicodec {codec} is not a public key type refdidcomm reads")
    kty, crv = _CODEC_CURVE[codec]
    try:
        if kty == "OKP":
            return JWK(kty="OKP", crv=crv, x=key, kid=kid)
        curve = _sec1.get_curve(crv)
        x, y = _sec1.decode_point(curve, key)
        return JWK(kty="EC", crv=crv, x=x.to_bytes(curve.byte_len, "big"), y=y.to_bytes(curve.byte_len, "big"), kid=kid)
    except InvalidKey as exc:
        raise MalformedDID(f"invalid {crv} public key: {exc}") from None


def multikey_of(jwk: JWK) -> str:
    """The Multikey (base58btc, multicodec-prefixed; EC points compressed) of a JWK's public key.

    Raises:
        UsageError: ``jwk`` is not a :class:`JWK`.
    Spec: did:key v0.7 (the Multikey form); SEC 1 v2 §2.3.3 (compression).
    """
    if not isinstance(jwk, JWK):
        raise UsageError(f"expected a JWK, not {type(jwk).__name__}")
    return multikey_encode(_CURVE_CODEC[jwk.crv], _public_bytes(jwk))


def _public_bytes(jwk: JWK) -> bytes:
    if jwk.kty == "OKP":
        return jwk.x
    curve = _sec1.get_curve(jwk.crv)
    return _sec1.encode_point(curve, jwk.ec_public_point(), compressed=True)


def _material(jwk: JWK) -> KeyMaterial:
    return KeyMaterial(jwk.kty, jwk.crv, _public_bytes(jwk), jwk)


def _decode_multibase_key(value: Any, where: str, *, codec: Optional[str]) -> Tuple[str, bytes]:
    """publicKeyMultibase: a Multikey; for a *2020 suite, also the raw-key variant."""
    if not isinstance(value, str):
        raise MalformedDID("must be a string", where)
    try:
        name, key = multikey_decode(value)
    except MalformedMessage as exc:
        if codec is None:
            raise MalformedDID(exc.reason, where) from None
        # The raw-key variant: "z" + base58btc(32-byte key), no multicodec
        # prefix (early Ed25519VerificationKey2020/X25519KeyAgreementKey2020
        # drafts; old peerdid releases still write it). Accepted on input
        # only, and only when it is exactly a 32-byte key.
        try:
            raw = multibase_decode(value) if value.startswith("z") and len(value) <= MULTIKEY_MAX_LEN else b""
        except MalformedMessage:
            raw = b""
        if len(raw) != MULTIKEY_LENGTHS[codec]:
            raise MalformedDID(exc.reason, where) from None
        return codec, raw
    if not name.endswith("-pub"):
        raise MalformedDID(f"{name} is a private key; a DID document holds public keys only", where)
    if codec is not None and name != codec:
        raise MalformedDID(f"the key is {name}, but the method type needs {codec}", where)
    return name, key


def _decode_base58_key(value: Any, where: str, codec: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedDID("must be a string", where)
    try:
        # The longest key here is a 33-byte compressed point (46 characters).
        key = b58decode(value, max_len=MULTIKEY_MAX_LEN)
    except MalformedMessage as exc:
        raise MalformedDID(exc.reason, where) from None
    if len(key) != MULTIKEY_LENGTHS[codec]:
        raise MalformedDID(f"{codec} key must be {MULTIKEY_LENGTHS[codec]} bytes, got {len(key)}", where)
    return key


def _jwk_member(obj: Mapping[str, Any], where: str, kid: str) -> JWK:
    value = obj.get("publicKeyJwk")
    if not isinstance(value, Mapping):
        raise MalformedDID("must be a JSON object (a JWK)", where)
    # DID Core §5.2.1: publicKeyJwk "MUST NOT contain "d", or any other
    # members of the private information class".
    if "d" in value:
        raise MalformedDID("publicKeyJwk must not contain the private key member 'd'", where)
    try:
        jwk = JWK.from_dict(value, where=where)
    except UnsupportedAlgorithm as exc:
        raise UnsupportedKeyType(str(exc), where) from None
    except InvalidKey as exc:
        raise MalformedDID(str(exc), where) from None
    except MalformedMessage as exc:
        raise MalformedDID(exc.reason, exc.field or where) from None
    return jwk.with_kid(kid)


# Method type -> (material property, codec it must hold or None for any).
_MULTIBASE_TYPES = {
    "Multikey": None,
    "Ed25519VerificationKey2020": "ed25519-pub",
    "X25519KeyAgreementKey2020": "x25519-pub",
}
_BASE58_TYPES = {
    "Ed25519VerificationKey2018": "ed25519-pub",
    "X25519KeyAgreementKey2019": "x25519-pub",
    "EcdsaSecp256k1VerificationKey2019": "secp256k1-pub",
}
_JWK_TYPES = ("JsonWebKey2020", "JsonWebKey", "EcdsaSecp256k1VerificationKey2019")


def key_of(vm: Union[VerificationMethod, Mapping[str, Any]], *, base_did: Optional[str] = None) -> KeyMaterial:
    """Read the public key of a verification method.

    Supported types and their material: ``Multikey`` (``publicKeyMultibase``,
    any key codec), ``JsonWebKey2020`` and ``JsonWebKey`` (``publicKeyJwk``),
    ``Ed25519VerificationKey2018`` and ``X25519KeyAgreementKey2019``
    (``publicKeyBase58``, raw 32 bytes), ``Ed25519VerificationKey2020`` and
    ``X25519KeyAgreementKey2020`` (``publicKeyMultibase`` with the matching
    codec, or the raw-key variant), ``EcdsaSecp256k1VerificationKey2019``
    (``publicKeyJwk``, or ``publicKeyBase58`` of the compressed point).

    Args:
        vm: a :class:`VerificationMethod`, or the JSON object of one (then
            its ``id`` must be absolute or ``base_did`` given).
        base_did: the document's DID, for a JSON object with a relative id.
    Returns:
        :class:`KeyMaterial` whose ``jwk.kid`` is the method's absolute id.
    Raises:
        UnsupportedKeyType: an unknown method type, or a key type JOSE
            cannot express here (RSA, BLS, Ed448, ...).
        MalformedDID: the material property is missing or of the wrong
            kind, the key does not decode, has the wrong codec or length, is
            not a valid point, is an Ed25519 key of small order, or a JWK
            carries ``d``.
    Spec: DID Core §5.2.1; W3C Controlled Identifiers §2.2.2 (Multikey);
        the Ed25519/X25519 2018-2020 suites; RFC 7517, RFC 8037.
    """
    if isinstance(vm, VerificationMethod):
        obj, kid = vm.raw, vm.id
    elif isinstance(vm, Mapping):
        obj = vm
        if "id" not in obj:
            raise MalformedDID("required member is missing", "verificationMethod.id")
        if base_did is None and not (isinstance(obj["id"], str) and obj["id"].startswith("did:")):
            raise UsageError("a verification method with a relative id needs base_did")
        kid = absolute_id(obj["id"], base_did or "", field_name="verificationMethod.id")
    else:
        raise UsageError(f"expected a VerificationMethod or a dict, not {type(vm).__name__}")
    cache_key = _key_cache_key(obj, kid)
    if cache_key is not None:
        found = _KEY_CACHE.get(cache_key)
        if found is not None:
            return found
    material = _read_key(obj, kid)
    if cache_key is not None:
        if len(_KEY_CACHE) >= _KEY_CACHE_SIZE:
            _KEY_CACHE.clear()
        _KEY_CACHE[cache_key] = material
    return material


# key_of cache. Reading a key (JWK validation, a point decode for EC keys) is
# most of the work of finding a DID's keys, and every pack and unpack reads the
# same few keys again. What key_of returns depends only on the method id (the
# kid), its ``type`` and its material properties, so the key of this cache is
# exactly that content, compared by value: (kid, type, ((property, value),
# ...)) where a ``publicKeyJwk`` object is written as its (name, value) pairs in
# order. Only plain ``str`` values are keyed (a JWK with a non-string member,
# or a ``str`` subclass, is read without the cache), so equal keys mean equal
# input. The cache holds public keys only (a publicKeyJwk with "d" is
# rejected before anything is stored) and only successful reads: every error is
# raised again each time. The entries (KeyMaterial of a frozen JWK and bytes)
# are immutable, so sharing them cannot change a result. Bound: _KEY_CACHE_SIZE
# entries; when full it is emptied (simple, and never wrong).
# How many verification method keys key_of remembers (see above).
_KEY_CACHE_SIZE = 1024
_KEY_CACHE: Dict[Tuple[Any, ...], KeyMaterial] = {}
_KEY_MATERIAL_PROPERTIES = ("publicKeyMultibase", "publicKeyBase58", "publicKeyJwk")


def _key_cache_key(obj: Mapping[str, Any], kid: str) -> Optional[Tuple[Any, ...]]:
    """The content key of a method for the key_of cache, or None when it is not all plain strings.

    Only a plain dict: a Mapping of another type may answer ``get`` and
    ``[]`` differently, and the uncached path reads it with ``get``.
    """
    if type(obj) is not dict:
        return None
    vm_type = obj.get("type")
    if type(vm_type) is not str or type(kid) is not str:
        return None
    parts: List[Tuple[str, Any]] = []
    for name in _KEY_MATERIAL_PROPERTIES:
        if name not in obj:
            continue
        value = obj[name]
        if type(value) is str:
            parts.append((name, value))
        elif type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items()):
            parts.append((name, tuple(value.items())))
        else:
            return None
    return (kid, vm_type, tuple(parts))


def _read_key(obj: Mapping[str, Any], kid: str) -> KeyMaterial:
    """key_of without the cache: the method JSON object and its absolute id."""
    vm_type = obj.get("type")
    where = "verificationMethod"
    if vm_type in _MULTIBASE_TYPES and "publicKeyMultibase" in obj:
        codec, key = _decode_multibase_key(
            obj["publicKeyMultibase"], f"{where}.publicKeyMultibase", codec=_MULTIBASE_TYPES[vm_type]
        )
        return _material(jwk_of_multikey(codec, key, kid))
    if vm_type in _BASE58_TYPES and "publicKeyBase58" in obj:
        codec = _BASE58_TYPES[vm_type]
        key = _decode_base58_key(obj["publicKeyBase58"], f"{where}.publicKeyBase58", codec)
        return _material(jwk_of_multikey(codec, key, kid))
    if vm_type in _JWK_TYPES and "publicKeyJwk" in obj:
        jwk = _jwk_member(obj, f"{where}.publicKeyJwk", kid)
        if vm_type == "EcdsaSecp256k1VerificationKey2019" and jwk.crv != "secp256k1":
            raise MalformedDID(f"{vm_type} holds a {jwk.crv} key", f"{where}.publicKeyJwk")
        return _material(jwk)
    if vm_type in _MULTIBASE_TYPES or vm_type in _BASE58_TYPES or vm_type in _JWK_TYPES:
        wanted = sorted(
            ({"publicKeyMultibase"} if vm_type in _MULTIBASE_TYPES else set())
            | ({"publicKeyBase58"} if vm_type in _BASE58_TYPES else set())
            | ({"publicKeyJwk"} if vm_type in _JWK_TYPES else set())
        )
        raise MalformedDID(f"a {vm_type} needs {' or '.join(wanted)}", where)
    raise UnsupportedKeyType(f"verification method type {vm_type!r} is not supported", f"{where}.type")


# ---------------------------------------------------------------------------
# DIDComm services.

#: The DIDComm v2 service type (DIDComm Messaging v2.x "Service Endpoint").
DIDCOMM_V2_SERVICE = "DIDCommMessaging"
#: DIDComm v1 service types: Aries RFC 0067 ``did-communication`` and the
#: older ``IndyAgent`` of the Aries RFC 0160 examples.
DIDCOMM_V1_SERVICES = ("did-communication", "IndyAgent")


class ServiceEndpoint(NamedTuple):
    """One way to reach a DID subject with DIDComm, whatever shape declared it.

    Attributes:
        uri: where to send: a transport URI or a DID (a mediator).
        accept: the media-type profiles in order of preference, or None
            when the service does not say (DIDComm v2: "If accept is not
            specified, the sender uses its preferred choice").
        routing_keys: the routing key references in order (DID URLs; for
            DIDComm v1 also did:key values or raw base58 keys as written).
        recipient_keys: DIDComm v1 ``recipientKeys`` (empty for v2 services).
        priority: DIDComm v1 ``priority`` (0 when absent); None for v2.
        id: the absolute id of the service that declared it.
        type: ``DIDCommMessaging``, ``did-communication`` or ``IndyAgent``.
    """

    uri: str
    accept: Optional[Tuple[str, ...]]
    routing_keys: Tuple[str, ...]
    recipient_keys: Tuple[str, ...]
    priority: Optional[int]
    id: str
    type: str


def _string_list(value: Any, where: str, base: str, *, references: bool) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedDID("must be an array of strings", where)
    if not references:
        return tuple(value)
    # Relative key references ("#key-1") are made absolute against the
    # document; anything else (another DID's key, a did:key, a raw base58
    # DIDComm v1 key) is kept as written.
    return tuple(absolute_id(v, base, field_name=where) if v.startswith(("#", "?")) else v for v in value)


def _uri(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedDID("must be a non-empty string (a URI)", where)
    return value


def normalize_services(doc: DIDDocument, *, skipped: Optional[List[str]] = None) -> List[ServiceEndpoint]:
    """Every DIDComm endpoint a document declares, in one shape.

    Order: first the ``DIDCommMessaging`` endpoints in document order (the
    DIDComm v2 spec: "The order of the endpoints SHOULD indicate the DID
    Document owner's preference"; a v2.0 list keeps its own order), then the
    DIDComm v1 services sorted by ``priority`` (Aries RFC 0067), document
    order breaking ties. Other service types are skipped.

    ``DIDCommMessaging`` shapes read:

    * ``serviceEndpoint: "uri"`` with optional ``accept`` and ``routingKeys``
      beside it (the pre-2.0 shape, still written by peerdid-python);
    * ``serviceEndpoint: {"uri", "accept", "routingKeys"}`` (DIDComm v2.1);
    * ``serviceEndpoint: [{...}, ...]`` (DIDComm v2.0; each object is one
      endpoint; a bare string in the list is a URI).

    Inside an endpoint object, its own ``accept``/``routingKeys`` are used;
    members beside ``serviceEndpoint`` apply only where the object does not
    have them (a documented choice: some deployed documents carry both).

    Args:
        doc: the DID document.
        skipped: when given, a malformed DIDComm service is skipped instead
            of raising, and the reason appended here (for callers that can
            use any one of several services).
    Returns:
        the endpoints (possibly empty).
    Raises:
        MalformedDID: (only without ``skipped``) a DIDComm service with a missing or empty ``uri``,
            ``accept``/``routingKeys``/``recipientKeys`` that are not arrays
            of strings, or a ``priority`` that is not a non-negative integer.
        UsageError: ``doc`` is not a :class:`DIDDocument`.
    Spec: DIDComm Messaging v2.0 and v2.1 "Service Endpoint"; Aries RFC 0067
        "Service Conventions"; DID Core §5.4.
    """
    if not isinstance(doc, DIDDocument):
        raise UsageError(f"expected a DIDDocument, not {type(doc).__name__}")
    if skipped is not None and not isinstance(skipped, list):
        raise UsageError("skipped must be a list (or None)")
    v2: List[ServiceEndpoint] = []
    v1: List[Tuple[int, int, ServiceEndpoint]] = []
    for index, svc in enumerate(doc.service):
        try:
            found_v2, found_v1 = _normalize_service(doc, index, svc)
        except MalformedDID as exc:
            if skipped is None:
                raise
            skipped.append(str(exc))
            continue
        v2.extend(found_v2)
        v1.extend(found_v1)
    return v2 + [endpoint for _, _, endpoint in sorted(v1, key=lambda item: (item[0], item[1]))]


def _normalize_service(
    doc: DIDDocument, index: int, svc: Service
) -> Tuple[List[ServiceEndpoint], List[Tuple[int, int, ServiceEndpoint]]]:
    """One service of :func:`normalize_services`: (its v2 endpoints, its v1 endpoint with sort keys)."""
    v2: List[ServiceEndpoint] = []
    v1: List[Tuple[int, int, ServiceEndpoint]] = []
    where = f"service[{index}]"
    raw = svc.raw
    if DIDCOMM_V2_SERVICE in svc.types:
        outer_accept = raw.get("accept")
        outer_routing = raw.get("routingKeys")
        endpoints = svc.service_endpoint if isinstance(svc.service_endpoint, list) else [svc.service_endpoint]
        for position, endpoint in enumerate(endpoints):
            ewhere = f"{where}.serviceEndpoint" + (f"[{position}]" if isinstance(svc.service_endpoint, list) else "")
            if isinstance(endpoint, str):
                uri, accept, routing = endpoint, outer_accept, outer_routing
            else:
                if "uri" not in endpoint:
                    raise MalformedDID("required member is missing", f"{ewhere}.uri")
                uri = endpoint["uri"]
                accept = endpoint.get("accept", outer_accept)
                routing = endpoint.get("routingKeys", outer_routing)
            v2.append(
                ServiceEndpoint(
                    uri=_uri(uri, f"{ewhere}.uri" if not isinstance(endpoint, str) else ewhere),
                    accept=None if accept is None else _string_list(accept, f"{ewhere}.accept", doc.id, references=False),
                    routing_keys=()
                    if routing is None
                    else _string_list(routing, f"{ewhere}.routingKeys", doc.id, references=True),
                    recipient_keys=(),
                    priority=None,
                    id=svc.id,
                    type=DIDCOMM_V2_SERVICE,
                )
            )
        return v2, v1
    v1_type = next((t for t in svc.types if t in DIDCOMM_V1_SERVICES), None)
    if v1_type is None:
        return v2, v1
    # Aries RFC 0067: serviceEndpoint is a URI; priority "an unsigned
    # integer with the default value of 0".
    priority = raw.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool) or priority < 0:
        raise MalformedDID("must be a non-negative integer", f"{where}.priority")
    accept = raw.get("accept")
    endpoint = ServiceEndpoint(
        uri=_uri(svc.service_endpoint, f"{where}.serviceEndpoint"),
        accept=None if accept is None else _string_list(accept, f"{where}.accept", doc.id, references=False),
        routing_keys=_string_list(raw.get("routingKeys", []), f"{where}.routingKeys", doc.id, references=True),
        recipient_keys=_string_list(raw.get("recipientKeys", []), f"{where}.recipientKeys", doc.id, references=True),
        priority=priority,
        id=svc.id,
        type=v1_type,
    )
    v1.append((priority, index, endpoint))
    return v2, v1
