"""The one error hierarchy of refdidcomm.

Two families, as in h11's local/remote split:

* :class:`UsageError` -- the caller's mistake (wrong type, wrong length,
  an unsupported option). Also a :class:`ValueError`.
* :class:`MalformedMessage` -- the peer's input is not well formed (a field is
  missing, a header does not match its formula, a DID cannot be parsed). It
  names the field and the reason.

Cryptographic failures are :class:`CryptoError`; every failed open, decrypt,
unwrap or key-agreement check during decryption is the single opaque
:class:`DecryptionError`, whose message never says *which* check failed (no
padding or MAC oracle).

No module of refdidcomm raises a bare ``KeyError``, ``IndexError`` or
``UnicodeError`` for bad input, and none uses ``assert`` for protocol checks.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "RefDIDCommError",
    "UsageError",
    "UnsupportedAlgorithm",
    "BackendUnavailable",
    "MalformedMessage",
    "MalformedDID",
    "MalformedInvitation",
    "CryptoError",
    "LowOrderPointError",
    "InvalidKey",
    "InvalidSignature",
    "DecryptionError",
    "ProtocolError",
]


class RefDIDCommError(Exception):
    """Base class of every error refdidcomm raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class UsageError(RefDIDCommError, ValueError):
    """The caller passed something the API does not accept (type, length, option)."""


class UnsupportedAlgorithm(UsageError):
    """An algorithm name is unknown or not allowed in this position."""


class BackendUnavailable(RefDIDCommError, RuntimeError):
    """A crypto backend was requested explicitly but cannot be loaded."""


class MalformedMessage(RefDIDCommError, ValueError):
    """Peer input is not well formed.

    Attributes:
        field: the field (JSON member, header, segment) at fault, or ``None``.
        reason: a short human-readable reason.
    """

    def __init__(self, reason: str, field: Optional[str] = None) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


class MalformedDID(MalformedMessage):
    """A DID or DID URL cannot be parsed or resolved by its method's rules."""


class MalformedInvitation(MalformedMessage):
    """An out-of-band or connection invitation (or its URL) is not well formed."""


class ProtocolError(RefDIDCommError):
    """A message arrived that the protocol state machine does not allow now."""


class CryptoError(RefDIDCommError):
    """A cryptographic operation failed."""


class LowOrderPointError(CryptoError):
    """X25519 produced the all-zero output: the peer's point has low order.

    RFC 7748 §6.1: "check whether the result is the all-zero value and abort
    if so".
    """


class InvalidKey(CryptoError, ValueError):
    """Key material is not a valid key (off the curve, out of range, small order)."""


class InvalidSignature(CryptoError):
    """A signature did not verify."""


class DecryptionError(CryptoError):
    """Opaque: authentication or decryption failed.

    The message is always the same ("decryption failed") so that callers and
    peers learn nothing about which check failed.
    """

    def __init__(self, message: str = "decryption failed") -> None:
        super().__init__("decryption failed")
