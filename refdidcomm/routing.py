"""DIDComm Messaging v2 Routing Protocol 2.0 (``forward``): the public façade.

Sender side: :func:`wrap_for_recipient` wraps an encrypted message in one
anoncrypted ``forward`` per routing key of the recipient's DIDComm service
(following DID-valued endpoints to their mediators), innermost first.
Mediator side: :func:`unwrap_forward` decrypts a forward and returns
``next`` and the payload to deliver; :func:`wrap_forward` adds one layer
(re-wrapping, or routing keys a recipient pre-configured with its mediator).

Sans-I/O: DID documents come from the caller's resolver, private keys from
the caller's secrets; sending is the caller's business.

Spec: DIDComm Messaging v2.0/v2.1 "Routing Protocol 2.0" and "Service
Endpoint". The rules and the choices made are in :mod:`refdidcomm.v2._routing`.
"""

from __future__ import annotations

from .v2._routing import (
    DEFAULT_FORWARD_ENC,
    FORWARD_TYPE,
    ForwardResult,
    Route,
    ServiceMetadata,
    find_route,
    is_forward,
    unwrap_forward,
    wrap_for_recipient,
    wrap_forward,
)

__all__ = [
    "FORWARD_TYPE",
    "DEFAULT_FORWARD_ENC",
    "ServiceMetadata",
    "ForwardResult",
    "Route",
    "find_route",
    "wrap_for_recipient",
    "wrap_forward",
    "unwrap_forward",
    "is_forward",
]
