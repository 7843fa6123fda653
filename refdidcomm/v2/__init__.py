"""DIDComm Messaging v2: plaintext, signed and encrypted messages, DID rotation, routing/2.0.

Sans-I/O and synchronous. DID documents come from a resolver the caller
passes (``did -> DIDDocument``, :func:`make_resolver`), private keys from a
secrets lookup (``kid -> private JWK``); every function that does crypto
takes ``backend=`` and, where it draws randomness, ``rng=``::

    from refdidcomm import v2

    resolver = v2.make_resolver([alice_doc, bob_doc])       # did:key / did:peer resolve by themselves
    msg = v2.Message(id="1", type="https://example.org/p/1.0/m", from_="did:example:alice",
                     to=["did:example:bob"], body={})
    packed = v2.pack_encrypted(msg, "did:example:bob", frm="did:example:alice",
                               secrets=alice_secrets, resolver=resolver).packed
    result = v2.unpack(packed, secrets=bob_secrets, resolver=resolver)
    result.message, result.metadata.authenticated

Modules: ``_message`` (the plaintext model), ``_keys`` (secrets, resolver,
key roles), ``_pack``, ``_unpack``, ``_from_prior`` (DID rotation),
``_routing`` (routing/2.0 forward; its names are re-exported here lazily).
"""

from __future__ import annotations

from typing import Any

from ._from_prior import FromPrior, create_from_prior, sign_from_prior, verify_from_prior
from ._keys import DIDResolver, Secrets, load_jwks, make_resolver
from ._message import PLAINTEXT_TYP, Message
from ._pack import (
    DEFAULT_ENC,
    PackEncryptedResult,
    PackSignedResult,
    anoncrypt,
    pack_encrypted,
    pack_plaintext,
    pack_signed,
)
from ._unpack import FORWARD_TYPE, UnpackMetadata, UnpackResult, anoncrypt_decrypt, unpack

_ROUTING_NAMES = ("ServiceMetadata", "ForwardResult", "wrap_for_recipient", "unwrap_forward", "is_forward")

__all__ = [
    "Message",
    "PLAINTEXT_TYP",
    "Secrets",
    "DIDResolver",
    "make_resolver",
    "load_jwks",
    "pack_plaintext",
    "pack_signed",
    "pack_encrypted",
    "PackSignedResult",
    "PackEncryptedResult",
    "DEFAULT_ENC",
    "unpack",
    "UnpackResult",
    "UnpackMetadata",
    "anoncrypt",
    "anoncrypt_decrypt",
    "FORWARD_TYPE",
    "FromPrior",
    "create_from_prior",
    "sign_from_prior",
    "verify_from_prior",
    *_ROUTING_NAMES,
]


def __getattr__(name: str) -> Any:
    # routing/2.0 builds on pack/unpack; importing it lazily keeps the import graph acyclic.
    if name in _ROUTING_NAMES:
        from . import _routing

        return getattr(_routing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
