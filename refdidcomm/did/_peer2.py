"""did:peer numalgo 2: inception keys and services encoded in the DID.

Peer DID Method Specification, "Method 2: multiple inception key without
doc", as clarified in 2023 (the text marked "(clarified)")::

    peer-did-method-2 = "did:peer:2" 1*element
    element = "." ( purposecode transform encnumbasis / service )
    purposecode = "A" / "E" / "V" / "I" / "D" / "S"

Purpose codes (the spec's table): ``A`` assertionMethod, ``E`` keyAgreement,
``V`` authentication, ``I`` capabilityInvocation, ``D``
capabilityDelegation, ``S`` service.

Creating (:func:`create_peer2`): each key becomes ``.`` + code + Multikey,
in the order given; then each service, separately ("When encoding multiple
services, they MUST be encoded individually and concatenated together. The
services MUST NOT be encoded as a JSON list"), as ``.S`` + base64url without
padding of the whitespace-free JSON after the abbreviations are applied
recursively (``type``->``t``, ``DIDCommMessaging``->``dm``,
``serviceEndpoint``->``s``, ``routingKeys``->``r``, ``accept``->``a``; never
``dm`` for ``did-communication``, which "MUST be spelled out in full").

Resolving (:func:`resolve_peer2`), the 2023 rules: context DID Core +
Multikey; keys become ``Multikey`` methods ``#key-1`` ... ``#key-N`` "in the
order they appear in the DID string", controller the DID, referenced from
the purpose's relationship; services are decoded, the abbreviations undone,
and a service without ``id`` gets ``#service``, the next ones
``#service-1``, ``#service-2``, ...; ``alsoKnownAs`` is the did:peer:3.

Read as well, because they are in circulation (each noted where handled):

* a JSON array of services in one ``S`` element (the pre-2023 encoding of
  several services; peerdid-python 0.5.2 writes it);
* ``S`` elements with ``=`` padding (the spec's own regex allows ``=``);
* ``S`` elements containing ``-`` or ``_``: valid base64url characters that
  the spec's regex (``[0-9a-zA-Z=]*``) and several implementations wrongly
  reject; any service whose JSON holds ``>``, ``?`` or ``~`` produces them;
* with ``legacy=True``, the document peerdid-python 0.5.2 returns: ids
  ``#`` + 8 characters of the key (``#6MkqRYqQ``), ``*2020`` suite types,
  signing keys in all four signing relationships, services ``#`` +
  lower-cased type + ``-`` + index (``#didcommmessaging-0``), no
  ``alsoKnownAs``.

Checks (each a :class:`~refdidcomm.errors.MalformedDID` with the reason):
the DID syntax; at least one element; a known purpose code; a ``z``
Multikey that decodes to a valid public key of a type the purpose can use
(key agreement: X25519, P-256, P-384, P-521, secp256k1; the others, which
are signing relationships: Ed25519 and the same EC curves -- an X25519 key
cannot sign and an Ed25519 key is not a key agreement key, so such DIDs are
rejected, as peerdid-python does); base64url and strict JSON (no duplicate
members) of service elements; a service that is an object with ``type`` and
``serviceEndpoint``; relative service ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Iterable, List, Tuple, Union

from .. import _json
from .._rfc7517 import JWK
from ..encoding import b64_decode_lenient, b64url_encode
from ..errors import MalformedDID, MalformedMessage, UsageError
from ._didkey import DID_CONTEXT, MULTIKEY_CONTEXT, decode_key_id, multikey_text
from ._document import DIDDocument, parse_did
from ._peer0 import LEGACY_SIGNING_RELATIONSHIPS, legacy_context, legacy_method

__all__ = [
    "PURPOSE_CODES",
    "ABBREVIATIONS",
    "abbreviate",
    "expand",
    "encode_service",
    "decode_service",
    "create_peer2",
    "peer2_elements",
    "peer2_document",
    "resolve_peer2",
]

_PREFIX = "did:peer:2"

#: Purpose code -> verification relationship (the spec's "Purpose Codes" table).
PURPOSE_CODES: Mapping[str, str] = {
    "A": "assertionMethod",
    "E": "keyAgreement",
    "V": "authentication",
    "I": "capabilityInvocation",
    "D": "capabilityDelegation",
}
_SERVICE_CODE = "S"
_RELATIONSHIP_CODE = {relationship: code for code, relationship in PURPOSE_CODES.items()}

#: Common string -> abbreviation (the spec's "Common String Abbreviations"
#: table). ``DIDCommMessaging`` is abbreviated only as the value of ``type``.
ABBREVIATIONS: Mapping[str, str] = {
    "type": "t",
    "DIDCommMessaging": "dm",
    "serviceEndpoint": "s",
    "routingKeys": "r",
    "accept": "a",
}
_KEY_ABBREVIATIONS = {name: ABBREVIATIONS[name] for name in ("type", "serviceEndpoint", "routingKeys", "accept")}
_KEY_EXPANSIONS = {short: name for name, short in _KEY_ABBREVIATIONS.items()}
_TYPE_VALUE = ("DIDCommMessaging", "dm")

# Key codecs a purpose can use.
_AGREEMENT_CODECS = frozenset({"x25519-pub", "p256-pub", "p384-pub", "p521-pub", "secp256k1-pub"})
_SIGNING_CODECS = frozenset({"ed25519-pub", "p256-pub", "p384-pub", "p521-pub", "secp256k1-pub"})


def _codecs_for(code: str) -> frozenset:
    return _AGREEMENT_CODECS if code == "E" else _SIGNING_CODECS


# ---------------------------------------------------------------------------
# Service abbreviation (the spec: "Recursively replace common strings in key
# names and type value with abbreviations").


#: The deepest nesting :func:`_rename` follows (the limit of
#: :func:`refdidcomm._json.loads`, also for services a caller passes in).
_MAX_DEPTH = 100


def _rename(
    value: Any, names: Mapping[str, str], type_from: str, type_to: str, error: type, path: str, depth: int = 1
) -> Any:
    """Rename member names at every depth; replace the value of ``type`` members."""
    if isinstance(value, (list, Mapping)) and depth > _MAX_DEPTH:
        raise error(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if isinstance(value, list):
        return [_rename(item, names, type_from, type_to, error, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    if not isinstance(value, Mapping):
        return value
    out: Dict[str, Any] = {}
    for name, member in value.items():
        new_name = names.get(name, name)
        if new_name in out:
            raise error(f"{path}: members {name!r} and {new_name!r} both present")
        if new_name in ("type", "t"):
            member = _replace_type(member, type_from, type_to)
        out[new_name] = _rename(member, names, type_from, type_to, error, f"{path}.{new_name}", depth + 1)
    return out


def _replace_type(value: Any, old: str, new: str) -> Any:
    if value == old:
        return new
    if isinstance(value, list):
        return [new if item == old else item for item in value]
    return value


def abbreviate(service: Mapping[str, Any]) -> Dict[str, Any]:
    """Apply the did:peer:2 abbreviations to a service, at every depth.

    ``did-communication`` and any other type value stays as it is (the
    spec: "Do not use the dm common string as the service type for DIDComm
    v1").

    Raises:
        UsageError: an object has both a name and its abbreviation
            (``type`` and ``t``).
    """
    return _rename(service, _KEY_ABBREVIATIONS, _TYPE_VALUE[0], _TYPE_VALUE[1], UsageError, "service")


def expand(service: Any) -> Any:
    """Undo the did:peer:2 abbreviations, at every depth.

    Raises:
        MalformedDID: an object has both an abbreviation and the full name.
    """
    try:
        return _rename(service, _KEY_EXPANSIONS, _TYPE_VALUE[1], _TYPE_VALUE[0], MalformedDID, "service")
    except MalformedDID as exc:
        raise MalformedDID(f"{exc.reason} (after expanding abbreviations)") from None


def encode_service(service: Mapping[str, Any]) -> str:
    """Encode one service as a did:peer:2 element body (without ``.S``).

    Args:
        service: the service JSON object; ``type`` and ``serviceEndpoint``
            are required, an ``id`` must be relative (``#...``).
    Returns:
        base64url (no padding) of the abbreviated, whitespace-free JSON.
    Raises:
        UsageError: not an object, ``type``/``serviceEndpoint`` missing, an
            absolute ``id``, a name/abbreviation collision, or values JSON
            cannot carry.
    Spec: Peer DID Method, "Generating a did:peer:2" (service steps).
    """
    if not isinstance(service, Mapping):
        raise UsageError("a service must be a JSON object (dict)")
    short = abbreviate(service)
    for full, abbreviation in (("type", "t"), ("serviceEndpoint", "s")):
        if abbreviation not in short:
            raise UsageError(f"a service needs {full!r} (DID Core §5.4)")
    # "The service SHOULD follow the DID Core specification for services":
    # we require it, so that every DID created here also resolves here.
    types, endpoint = service.get("type", short.get("t")), service.get("serviceEndpoint", short.get("s"))
    if not (isinstance(types, str) or (isinstance(types, list) and types and all(isinstance(t, str) for t in types))):
        raise UsageError("a service type must be a string or a non-empty list of strings (DID Core §5.4)")
    if not (
        isinstance(endpoint, (str, Mapping))
        or (isinstance(endpoint, list) and endpoint and all(isinstance(e, (str, Mapping)) for e in endpoint))
    ):
        raise UsageError("serviceEndpoint must be a string, an object or a non-empty list of them (DID Core §5.4)")
    # "For use with did:peer:2, service id attributes MUST be relative."
    if "id" in short and not (isinstance(short["id"], str) and short["id"].startswith("#")):
        raise UsageError("a did:peer:2 service id must be relative ('#...')")
    return b64url_encode(_json.dumps_bytes(short))


def decode_service(body: str, *, where: str = "S") -> List[Dict[str, Any]]:
    """Decode one ``S`` element body into services (abbreviations undone).

    A JSON object is one service. A JSON array of objects is the pre-2023
    multi-service encoding, read for interoperability (the 2023 text forbids
    writing it). ``=`` padding is accepted (read-only leniency); the
    base64url alphabet is required and pad bits must be zero.

    Args:
        body: the element without ``.S``.
        where: the element's name for errors.
    Returns:
        the services, in order.
    Raises:
        MalformedDID: not base64url, not strict JSON, not an object or a
            non-empty array of objects.
    """
    try:
        decoded = b64_decode_lenient(body)
    except MalformedMessage as exc:
        raise MalformedDID(f"service is not base64url: {exc.reason}", where) from None
    if decoded.alphabet != "url":
        raise MalformedDID("service uses the standard base64 alphabet ('+', '/'); base64url is required", where)
    try:
        value = _json.loads(decoded.data, field=where)
    except MalformedMessage as exc:
        raise MalformedDID(f"service is not JSON: {exc.reason}", where) from None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        raise MalformedDID("a service must be a JSON object (or, legacy, a non-empty array of objects)", where)
    return [expand(item) for item in items]


# ---------------------------------------------------------------------------
# Creating.

KeyInput = Union[JWK, str]


def create_peer2(
    keys: Iterable[Tuple[str, KeyInput]],
    services: Iterable[Mapping[str, Any]] = (),
) -> str:
    """Create a did:peer:2.

    Args:
        keys: ``(purpose, key)`` pairs in the order wanted (resolution numbers
            them ``#key-1``... in this order). ``purpose`` is a code
            (``"V"``, ``"E"``, ``"A"``, ``"I"``, ``"D"``) or a relationship
            name (``"authentication"``, ``"keyAgreement"``, ...); ``key`` a
            :class:`~refdidcomm.jwk.JWK` (public part used) or a Multikey.
        services: service objects, each encoded in its own ``S`` element.
    Returns:
        the DID.
    Raises:
        UsageError: no keys and no services, an unknown purpose, a key
            whose type cannot serve the purpose (X25519 for signing, Ed25519
            for key agreement), an invalid key, or a bad service.
    Spec: Peer DID Method, "Generating a did:peer:2".
    """
    elements: List[str] = []
    for item in keys:
        if not isinstance(item, tuple) or len(item) != 2:
            raise UsageError("keys must be (purpose, key) pairs")
        purpose, key = item
        code = purpose if purpose in PURPOSE_CODES else _RELATIONSHIP_CODE.get(purpose)
        if code is None:
            raise UsageError(f"unknown did:peer:2 purpose {purpose!r} (A, E, V, I, D or a relationship name)")
        multikey = multikey_text(key)
        codec, _ = decode_key_id(multikey)
        if codec not in _codecs_for(code):
            raise UsageError(f"a {codec} key cannot serve {PURPOSE_CODES[code]} (purpose {code})")
        elements.append("." + code + multikey)
    if isinstance(services, Mapping):
        raise UsageError("services must be an iterable of service objects, not one object")
    for service in services:
        elements.append("." + _SERVICE_CODE + encode_service(service))
    if not elements:
        raise UsageError("a did:peer:2 needs at least one key or service")
    return _PREFIX + "".join(elements)


# ---------------------------------------------------------------------------
# Resolving.


def peer2_elements(did: Any) -> List[Tuple[str, Any]]:
    """Split and decode a did:peer:2 into its elements, in order.

    Returns:
        ``(code, value)`` pairs: for a key code the Multikey string (already
        validated for its purpose); for ``S`` a list of expanded services.
    Raises:
        MalformedDID: every check of the module docstring.
    Spec: Peer DID Method, "Resolving a did:peer:2".
    """
    parsed = parse_did(did, field_name="did")
    if parsed.method != "peer" or not parsed.method_specific_id.startswith("2"):
        raise MalformedDID("not a did:peer:2 DID", "did")
    rest = parsed.method_specific_id[1:]
    if not rest:
        raise MalformedDID("a did:peer:2 needs at least one element (ABNF: 1*element)", "did")
    if not rest.startswith("."):
        raise MalformedDID("elements must start with '.' after 'did:peer:2'", "did")
    out: List[Tuple[str, Any]] = []
    for index, element in enumerate(rest[1:].split("."), start=1):
        where = f"element {index}"
        if not element:
            raise MalformedDID("empty element", where)
        code, body = element[0], element[1:]
        if code == _SERVICE_CODE:
            out.append((code, decode_service(body, where=where)))
            continue
        if code not in PURPOSE_CODES:
            raise MalformedDID(f"unknown purpose code {code!r} (A, E, V, I, D, S)", where)
        if "=" in body:
            raise MalformedDID("'=' is not allowed in a key element", where)
        codec, _ = decode_key_id(body, field_name=where)
        if codec not in _codecs_for(code):
            raise MalformedDID(f"a {codec} key cannot serve {PURPOSE_CODES[code]} (purpose {code})", where)
        out.append((code, body))
    return out


def _check_service(service: Dict[str, Any], where: str) -> None:
    for name in ("type", "serviceEndpoint"):
        if name not in service:
            raise MalformedDID(f"service has no {name!r}", where)
    # DID Core §5.4: "The value of the type property MUST be a string or a
    # set of strings." Checked here, before the legacy ids are derived from it.
    types = service["type"]
    if not (isinstance(types, str) or (isinstance(types, list) and types and all(isinstance(t, str) for t in types))):
        raise MalformedDID("a service type must be a string or a non-empty array of strings (DID Core §5.4)", where)
    if "id" in service and not (isinstance(service["id"], str) and service["id"].startswith("#")):
        raise MalformedDID("a did:peer:2 service id must be relative ('#...')", where)


def peer2_document(did: Any, *, legacy: bool = False) -> Dict[str, Any]:
    """The resolved document JSON of a did:peer:2, without ``alsoKnownAs`` (see :func:`resolve_peer2`).

    Args:
        did: the did:peer:2.
        legacy: the peerdid-python 0.5.2 shape.
    Raises:
        MalformedDID: as :func:`peer2_elements`.
    """
    elements = peer2_elements(did)
    did = str(did)
    keys = [(code, value) for code, value in elements if code != _SERVICE_CODE]
    services: List[Dict[str, Any]] = []
    for index, (code, value) in enumerate(elements, start=1):
        if code == _SERVICE_CODE:
            for service in value:
                _check_service(service, f"element {index}")
                services.append(service)

    doc: Dict[str, Any] = {}
    methods: List[Dict[str, Any]] = []
    relationships: Dict[str, List[str]] = {}
    if legacy:
        doc["@context"] = legacy_context([multikey for _, multikey in keys])
        doc["id"] = did
        for code, multikey in keys:
            vm = legacy_method(did, multikey)
            if all(existing["id"] != vm["id"] for existing in methods):
                methods.append(vm)
            names = LEGACY_SIGNING_RELATIONSHIPS if code == "V" else (PURPOSE_CODES[code],)
            for name in names:
                relationships.setdefault(name, []).append(vm["id"])
        for index, service in enumerate(services):
            if "id" not in service:
                service_type = service["type"] if isinstance(service["type"], str) else service["type"][0]
                service["id"] = f"#{service_type.lower()}-{index}"
    else:
        # "Start with an empty document with the DID Core context and
        # Multikey context (clarified)"; "Set the id of the document to the
        # DID being resolved."
        doc["@context"] = [DID_CONTEXT, MULTIKEY_CONTEXT]
        doc["id"] = did
        for number, (code, multikey) in enumerate(keys, start=1):
            # "Set the id of the verification method to #key-N where N is an
            # incrementing number starting at 1 (clarified). The keys MUST be
            # processed in the order they appear in the DID string."
            vm = {"id": f"#key-{number}", "controller": did, "type": "Multikey", "publicKeyMultibase": multikey}
            methods.append(vm)
            relationships.setdefault(PURPOSE_CODES[code], []).append(vm["id"])
        unnamed = 0
        for service in services:
            if "id" not in service:
                # "Set id to #service for the first such service. For all
                # subsequent services WITHOUT an id, set id to #service-1,
                # #service-2, etc."
                service["id"] = "#service" if unnamed == 0 else f"#service-{unnamed}"
                unnamed += 1
    if methods:
        doc["verificationMethod"] = methods
    for name in ("authentication", "assertionMethod", "keyAgreement", "capabilityInvocation", "capabilityDelegation"):
        if name in relationships:
            doc[name] = relationships[name]
    if services:
        doc["service"] = services
    return doc


def resolve_peer2(did: Any, *, legacy: bool = False) -> DIDDocument:
    """Resolve a did:peer:2.

    Args:
        did: the DID.
        legacy: return the peerdid-python 0.5.2 document shape (opt-in; for
            peers that address keys as ``#6MkqRYqQ`` and services as
            ``#didcommmessaging-0``).
    Returns:
        the document (2023 rules by default; module docstring).
    Raises:
        MalformedDID: every check of the module docstring, and the
            document checks of :meth:`DIDDocument.from_dict`.
    Spec: Peer DID Method, "Resolving a did:peer:2".
    """
    from ._peer3 import peer3_from_peer2  # did:peer:3 is defined on top of did:peer:2

    doc = peer2_document(did, legacy=legacy)
    if not legacy:
        # "Optionally, set the alsoKnownAs to the did:peer:3 value
        # corresponding to the DID being resolved" (the spec's example does).
        doc["alsoKnownAs"] = [peer3_from_peer2(did)]
    return DIDDocument.from_dict(doc, did=str(did))
