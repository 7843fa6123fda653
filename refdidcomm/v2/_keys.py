"""Keys for DIDComm v2: the caller's secrets, DID resolution, and which key plays which role.

Sans-I/O: public keys come from DID documents through a resolver the caller
passes (``did -> DIDDocument``; :func:`make_resolver` builds one from
:func:`refdidcomm.did.resolve` plus caller-supplied documents), private keys
from a secrets lookup the caller passes (``kid -> private JWK``, a mapping or
a callable). :func:`load_jwks` reads a JWKS file's text for the CLI.

Roles ("DID Document Keys", "Message Signing", "Key IDs kid and skid"):

* encryption (sender ``skid`` and recipient ``kid``) uses keys of the DID
  document's ``keyAgreement`` relationship -- "both sender and recipients
  keys MUST be retrieved from the DID document's ``KeyAgreement``
  verification section";
* signing and ``from_prior`` use keys of ``authentication`` -- "The ``kid``
  MUST be a DID URI that refers to a key specified as an authorization key";
  "The key used in the signature must be authorized to authenticate the
  sender by appearing in the ``authentication`` section".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from .. import _json
from ..did import DIDDocument, Resolver, UnsupportedKeyType, key_of, parse_did_url
from ..errors import MalformedMessage, UsageError
from ..jwk import JWK

__all__ = [
    "Secrets",
    "DIDResolver",
    "make_resolver",
    "resolve_document",
    "find_secret",
    "relationship_keys",
    "relationship_key",
    "load_jwks",
]

#: kid -> private JWK: a mapping, or a callable returning the key or None.
Secrets = Union[Mapping[str, JWK], Callable[[str], Optional[JWK]]]
#: did -> DID document.
DIDResolver = Callable[[str], DIDDocument]


def make_resolver(documents: Iterable[Union[Mapping[str, Any], DIDDocument]] = (), **kw: Any) -> DIDResolver:
    """A resolver: did:key and did:peer from the DID itself, anything else from ``documents``.

    Args:
        documents: DID documents (JSON objects or :class:`DIDDocument`), found by their ``id``.
        kw: further :class:`refdidcomm.did.Resolver` options (``registry``, ``legacy``, ``known``).
    Returns:
        a callable ``did -> DIDDocument``.
    Raises:
        MalformedDID: a supplied document is invalid.
    """
    resolver = Resolver(**kw)
    for doc in documents:
        resolver.add_document(doc)
    return resolver


def resolve_document(resolver: DIDResolver, did: str, field_name: str) -> DIDDocument:
    """Resolve ``did`` with the caller's resolver and check what comes back.

    Raises:
        MalformedDID / DIDNotFound: from the resolver (a ``MalformedMessage``).
        UsageError: the resolver is not callable or returns something else.
    """
    if not callable(resolver):
        raise UsageError("resolver must be a callable did -> DIDDocument (see make_resolver)")
    doc = resolver(did)
    if not isinstance(doc, DIDDocument):
        raise UsageError(f"the resolver returned {type(doc).__name__} for {did!r}, not a DIDDocument")
    if doc.id != did:
        raise MalformedMessage(f"the resolver returned the document of {doc.id!r} for {did!r}", field_name)
    return doc


def find_secret(secrets: Secrets, kid: str) -> Optional[JWK]:
    """The private JWK for ``kid``, or None.

    Raises:
        UsageError: ``secrets`` is neither a mapping nor callable, or gave a
            non-JWK or a public key.
    """
    if isinstance(secrets, Mapping):
        key = secrets.get(kid)
    elif callable(secrets):
        key = secrets(kid)
    else:
        raise UsageError("secrets must be a Mapping[kid, JWK] or a callable kid -> JWK | None")
    if key is None:
        return None
    if not isinstance(key, JWK):
        raise UsageError(f"the secret for {kid!r} is not a JWK")
    if not key.is_private:
        raise UsageError(f"the secret for {kid!r} has no private part ('d')")
    return key if key.kid == kid else key.with_kid(kid)


def relationship_keys(doc: DIDDocument, relationship: str) -> List[JWK]:
    """The public JWKs of a verification relationship, in document order (kid = method id).

    Methods of a type JOSE cannot express (:class:`UnsupportedKeyType`) are skipped.

    Args:
        doc: the DID document. relationship: ``key_agreement`` or ``authentication``.
    Raises:
        MalformedDID: a method's key material is broken.
    """
    out: List[JWK] = []
    for vm in getattr(doc, relationship):
        try:
            out.append(key_of(vm).jwk)
        except UnsupportedKeyType:
            continue
    return out


def relationship_key(resolver: DIDResolver, kid: str, relationship: str, field_name: str) -> JWK:
    """Resolve a key id and check it is in ``relationship`` of its DID's document.

    Args:
        resolver: the caller's resolver. kid: an absolute DID URL with a fragment.
        relationship: ``key_agreement`` or ``authentication``. field_name: for errors.
    Returns:
        the public JWK (kid = ``kid``).
    Raises:
        MalformedMessage: ``kid`` is not a DID URL with a fragment, or is not
            in that relationship of its DID's document.
    """
    parsed = parse_did_url(kid, field_name=field_name)
    if parsed.fragment is None:
        raise MalformedMessage("must be a DID URL with a fragment (a key id)", field_name)
    doc = resolve_document(resolver, parsed.did, field_name)
    for vm in getattr(doc, relationship):
        if vm.id == kid:  # only the named method's key is decoded
            try:
                return key_of(vm).jwk
            except UnsupportedKeyType as exc:
                raise MalformedMessage(f"{kid!r}: {exc.reason}", field_name) from exc
    label = "keyAgreement" if relationship == "key_agreement" else relationship
    raise MalformedMessage(f"{kid!r} is not a {label} key of {parsed.did!r}", field_name)


def load_jwks(text: Union[str, bytes]) -> Dict[str, JWK]:
    """Read a JWKS (``{"keys": [JWK, ...]}``) or a plain array of JWKs; every key needs a ``kid``.

    Args:
        text: the JSON text.
    Returns:
        kid -> JWK.
    Raises:
        MalformedMessage: invalid JSON, a JWK without kid, a duplicate kid, an invalid key.
    Spec: RFC 7517 §5 (JWK Set).
    """
    data = _json.loads(text, field="jwks")
    keys = data.get("keys") if isinstance(data, dict) else data
    if not isinstance(keys, list):
        raise MalformedMessage('a JWKS is {"keys": [...]} or an array of JWKs', "keys")
    out: Dict[str, JWK] = {}
    for i, obj in enumerate(keys):
        key = JWK.from_dict(obj, where=f"keys[{i}]")
        if not key.kid:
            raise MalformedMessage("every key needs a kid", f"keys[{i}].kid")
        if key.kid in out:
            raise MalformedMessage(f"duplicate kid {key.kid!r}", f"keys[{i}].kid")
        out[key.kid] = key
    return out
