"""DIDComm v1 (Aries): envelopes, forward, the signature decorator, message basics.

Sans-I/O and synchronous; keys are passed in. The pieces, each in the module
named after its spec:

* :func:`pack` / :func:`unpack` -- Aries RFC 0019 encryption envelopes
  (Authcrypt, Anoncrypt; ``_rfc0019``);
* :func:`wrap_forward` / :func:`unwrap_forward` -- RFC 0094 routing/1.0
  ``forward`` (``_rfc0094``);
* :func:`sign_field` / :func:`verify_field` -- RFC 0234 ``~sig`` with
  ``ed25519Sha512_single``, as in ``connection~sig`` (``_rfc0234``);
  verifying requires ``expected_signer`` (:data:`ANY_SIGNER` is the
  explicit, dangerous opt-out);
* :func:`parse_message`, :func:`make_message` -- ``@type`` (legacy
  ``did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/`` normalised), ``@id``,
  ``~thread``, ``~transport`` (RFC 0020, 0008, 0092; ``_messages``);
  :data:`MEDIA_TYPE_ENVELOPE` and :func:`accepts_media_type` (RFC 0044);
* :func:`signing_key` / :func:`verkey` -- key inputs: seeds, base58
  verkeys and sigkeys, did:key (``_keys``).

Every function that does crypto takes ``backend=`` (default: the active
one) and, where it draws randomness, ``rng=``.
"""

from ._keys import SigningKey, signing_key, verkey
from ._messages import MEDIA_TYPE_ENVELOPE, Message, MessageType, accepts_media_type, make_message, parse_message, parse_message_type
from ._rfc0019 import Unpacked, pack, unpack
from ._rfc0094 import Forwarded, unwrap_forward, wrap_forward
from ._rfc0234 import ANY_SIGNER, sign_field, sign_message_field, verify_field, verify_message_field

__all__ = [
    "SigningKey",
    "signing_key",
    "verkey",
    "pack",
    "unpack",
    "Unpacked",
    "wrap_forward",
    "unwrap_forward",
    "Forwarded",
    "sign_field",
    "verify_field",
    "sign_message_field",
    "verify_message_field",
    "ANY_SIGNER",
    "parse_message",
    "parse_message_type",
    "make_message",
    "Message",
    "MessageType",
    "MEDIA_TYPE_ENVELOPE",
    "accepts_media_type",
]
