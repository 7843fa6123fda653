"""did:peer numalgo 4: a document in the DID (long form) and its hash (short form).

Peer DID Method Specification, "Method 4: Short Form and Long Form"::

    did:peer:4{{hash}}:{{encoded document}}      (long form)
    did:peer:4{{hash}}                           (short form)

Creating (:func:`create_peer4`):

1. encoded document = ``z`` + base58btc( varint(0x0200, the multicodec
   ``json``) || UTF-8(JSON of the input document "without whitespace") );
2. hash = ``z`` + base58btc( 0x12 0x20 || SHA-256(encoded document as
   UTF-8) ), a sha2-256 multihash.

The input document "MUST NOT include an id at the root", "All identifiers
within this document MUST be relative" and "All references pointing to
resources within this document MUST be relative"; these are checked on
creation (:class:`UsageError`) and, since no conforming encoder can produce
anything else, on resolution too (:class:`MalformedDID`). JSON is written
with :func:`refdidcomm._json.dumps`: compact, member order as given,
non-ASCII as itself -- what ``JSON.stringify`` does, so the spec's example
re-encodes byte for byte.

Resolving the long form: check the hash over the encoded document ("Verify
the hash ... comparing it against the result of following step 2"), decode,
then "contextualize": ``id`` = the DID; ``alsoKnownAs`` a list (created if
absent) with the other form appended; every verification method -- in
``verificationMethod`` or embedded in a relationship -- without
``controller`` gets the DID. The short form resolves the same way from a
known long form ("To resolve a short form did:peer:4 DID, you must know the
corresponding long form DID"), with the short DID as ``id`` and the long
form in ``alsoKnownAs``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Dict, Iterable, Tuple

from .. import _json
from ..encoding import b58decode, multibase_encode, multicodec_unwrap, multicodec_wrap
from ..errors import MalformedDID, MalformedMessage, UsageError
from ._document import MAX_DID_URL_LENGTH, RELATIONSHIPS, DIDDocument, DIDNotFound, check_depth, parse_did, parse_did_url
from ._peer3 import multihash_sha256, parse_multihash_sha256

__all__ = ["create_peer4", "peer4_short_form", "decode_peer4", "resolve_peer4"]

_PREFIX = "did:peer:4"


def _input_document_problem(doc: Any) -> str:
    """Say what makes ``doc`` not a did:peer:4 input document, or return ''.

    Identifiers (of methods, embedded methods and services) must be relative
    (``#...``). A relationship reference may be relative or an absolute DID
    URL: the spec asks only that references "pointing to resources within
    this document" be relative, and DID Core §5.3 lets a relationship name a
    method of another DID. Relative forms other than ``#...`` are refused.
    ``verificationMethod``, the relationships, ``service`` and
    ``alsoKnownAs`` must be arrays (DID Core §5).
    """
    if not isinstance(doc, Mapping):
        return "the input document must be a JSON object"
    if "id" in doc:
        return "the input document MUST NOT include an id at the root"
    try:
        check_depth(doc, "input document")
    except MalformedDID as exc:
        return exc.reason
    for name in ("verificationMethod", "service", "alsoKnownAs") + tuple(name for name, _ in RELATIONSHIPS):
        if name in doc and not isinstance(doc[name], list):
            return f"{name} must be a JSON array (DID Core §5)"

    def relative(value: Any) -> bool:
        return isinstance(value, str) and value.startswith("#")

    def absolute(value: Any) -> bool:
        if not (isinstance(value, str) and value.startswith("did:")):
            return False
        try:
            parse_did_url(value)
        except MalformedDID:
            return False
        return True

    for index, vm in enumerate(doc.get("verificationMethod", [])):
        if isinstance(vm, Mapping) and not relative(vm.get("id")):
            return f"verificationMethod[{index}].id must be relative ('#...')"
    for name, _ in RELATIONSHIPS:
        for index, entry in enumerate(doc.get(name, [])):
            if isinstance(entry, Mapping):
                if not relative(entry.get("id")):
                    return f"{name}[{index}].id must be relative ('#...')"
            elif not (relative(entry) or absolute(entry)):
                return f"{name}[{index}] must be a relative reference ('#...') or an absolute DID URL"
    for index, service in enumerate(doc.get("service", [])):
        if isinstance(service, Mapping) and "id" in service and not relative(service["id"]):
            return f"service[{index}].id must be relative ('#...')"
    return ""


def _encode_document(doc: Mapping[str, Any]) -> str:
    return multibase_encode(multicodec_wrap("json", _json.dumps_bytes(doc)), "base58btc")


def create_peer4(input_document: Mapping[str, Any]) -> Tuple[str, str]:
    """Create a did:peer:4 from an input document.

    Args:
        input_document: the document without ``id``, with relative ids and
            references, controllers omitted where the DID is the controller.
    Returns:
        ``(long_form, short_form)``.
    Raises:
        UsageError: the document breaks an input-document rule (module
            docstring) or cannot be written as JSON.
    Spec: Peer DID Method, "Method 4", "Creating a DID".
    """
    problem = _input_document_problem(input_document)
    if problem:
        raise UsageError(problem)
    encoded = _encode_document(input_document)
    short = _PREFIX + multihash_sha256(encoded.encode("ascii"))
    return f"{short}:{encoded}", short


def peer4_short_form(long_form: Any) -> str:
    """The short form of a long-form did:peer:4 (the hash is checked).

    Raises:
        MalformedDID: as :func:`decode_peer4`.
    """
    decode_peer4(long_form)
    return str(long_form).rsplit(":", 1)[0]


def _split(did: Any) -> Tuple[str, str, str]:
    """-> (DID, hash text, encoded document or '')."""
    parsed = parse_did(did, field_name="did")
    if parsed.method != "peer" or not parsed.method_specific_id.startswith("4"):
        raise MalformedDID("not a did:peer:4 DID", "did")
    parts = parsed.method_specific_id[1:].split(":")
    if len(parts) > 2:
        raise MalformedDID("a did:peer:4 is did:peer:4<hash>[:<encoded document>]", "did")
    parse_multihash_sha256(parts[0])
    return parsed.did, parts[0], parts[1] if len(parts) == 2 else ""


def decode_peer4(long_form: Any) -> Dict[str, Any]:
    """Check and decode the input document of a long-form did:peer:4.

    Returns:
        the input document.
    Raises:
        MalformedDID: not a long-form did:peer:4; a hash that is not a
            sha2-256 multihash or does not match; an encoded document that is
            not ``z`` base58btc of multicodec ``json``, not strict JSON, not
            an object, or breaks an input-document rule.
    Spec: Peer DID Method, "Method 4", "Resolving a DID" / "Long form".
    """
    _, hash_text, encoded = _split(long_form)
    if not encoded:
        raise MalformedDID("a short-form did:peer:4 carries no document", "did")
    # Step 2 of decoding: "Verify the hash over the encoded document".
    if multihash_sha256(encoded.encode("ascii")) != hash_text:
        raise MalformedDID("the hash does not match the encoded document", "did")
    if not encoded.startswith("z"):
        raise MalformedDID("the encoded document must be base58btc multibase (prefix 'z')", "did")
    try:
        # The DID's length is capped by parse_did_url, so the (quadratic)
        # base58 decoding is bounded; the default cap of b58decode is for
        # keys and too short for a document.
        codec, payload = multicodec_unwrap(b58decode(encoded[1:], max_len=MAX_DID_URL_LENGTH))
    except MalformedMessage as exc:
        raise MalformedDID(f"encoded document: {exc.reason}", "did") from None
    if codec != "json":
        raise MalformedDID(f"the encoded document must have multicodec json (0x0200), not {codec}", "did")
    try:
        doc = _json.loads(payload, field="did")
    except MalformedMessage as exc:
        raise MalformedDID(f"encoded document is not JSON: {exc.reason}", "did") from None
    problem = _input_document_problem(doc)
    if problem:
        raise MalformedDID(problem, "did")
    return doc


def _contextualize(input_document: Dict[str, Any], did: str, other_form: str) -> Dict[str, Any]:
    """The spec's "contextualize" steps 2-4."""
    doc = copy.deepcopy(input_document)
    doc["id"] = did
    aka = doc.get("alsoKnownAs")
    if not isinstance(aka, list):
        if aka is not None:
            raise MalformedDID("must be a JSON array", "alsoKnownAs")
        aka = doc["alsoKnownAs"] = []
    aka.append(other_form)
    methods = list(doc.get("verificationMethod", []))
    for name, _ in RELATIONSHIPS:
        methods.extend(entry for entry in doc.get(name, []) if isinstance(entry, dict))
    for method in methods:
        if isinstance(method, dict) and "controller" not in method:
            method["controller"] = did
    return doc


def resolve_peer4(did: Any, *, known: Iterable[str] = ()) -> DIDDocument:
    """Resolve a did:peer:4, long form or (given its long form) short form.

    Args:
        did: the long or short form.
        known: DIDs seen before; a long-form did:peer:4 among them whose
            short form is ``did`` resolves a short ``did``.
    Returns:
        the contextualized document.
    Raises:
        MalformedDID: as :func:`decode_peer4`, or the document fails
            :meth:`DIDDocument.from_dict`.
        DIDNotFound: a short form whose long form is not in ``known``
            (candidates that fail the checks are skipped; the reasons are
            in the message).
    Spec: Peer DID Method, "Method 4", "Resolving a DID".
    """
    full, _, encoded = _split(did)
    if encoded:
        short = full.rsplit(":", 1)[0]
        return DIDDocument.from_dict(_contextualize(decode_peer4(full), full, short), did=full)
    rejected = []
    for candidate in known:
        if isinstance(candidate, str) and candidate.startswith(full + ":"):
            # A tampered or malformed candidate is skipped, not fatal: another
            # entry of ``known`` may be the real long form.
            try:
                return DIDDocument.from_dict(_contextualize(decode_peer4(candidate), full, candidate), did=full)
            except MalformedDID as exc:
                rejected.append(exc.reason)
    reason = "a short-form did:peer:4 resolves only through its long form, which is not among the known DIDs"
    if rejected:
        reason += f" (candidates rejected: {'; '.join(rejected)})"
    raise DIDNotFound(reason, "did")
