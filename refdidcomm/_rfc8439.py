"""ChaCha20, Poly1305 and AEAD_CHACHA20_POLY1305 in pure Python, following RFC 8439.

NOT CONSTANT TIME. Python integers leak timing through their size and the
interpreter's arithmetic (RFC 8439 §4 warns about exactly this for Poly1305
with "a generic big number library"). The tag comparison uses
:func:`hmac.compare_digest`, but nothing else here is hardened. This module
exists for reference, for test vectors and for hosts without the native core
(which uses libsodium).

The code follows the RFC's pseudocode (§2.3.1, §2.4.1, §2.5.1, §2.6.1,
§2.8.1) and keeps its names: the quarter round works on ``a, b, c, d``; the
state is the 16-word vector of §2.3; ``inner_block``, ``chacha20_block``,
``chacha20_encrypt``, ``poly1305_mac``, ``poly1305_key_gen``, ``pad16``.

Deviations from the RFC text:

* The AEAD functions take the 96-bit nonce whole; the RFC's §2.8.1
  pseudocode builds it as ``constant | iv``. The result is the same.
* Length limits the RFC states in prose are enforced as :class:`UsageError`:
  the 32-bit block counter may not wrap (§2.3, §2.4: "a 32-bit block
  count"; §2.8: P_MAX = 274,877,906,880 bytes).
"""

from __future__ import annotations

import hmac
import struct
from typing import List, Tuple

from .errors import DecryptionError, UsageError

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "TAG_SIZE",
    "CONSTANTS",
    "P_MAX",
    "quarter_round",
    "qround",
    "inner_block",
    "chacha20_block",
    "chacha20_encrypt",
    "clamp",
    "poly1305_mac",
    "poly1305_key_gen",
    "pad16",
    "aead_encrypt",
    "aead_decrypt",
]

KEY_SIZE = 32  # RFC 8439 §2.3: "A 256-bit key"
NONCE_SIZE = 12  # §2.3: "A 96-bit nonce"
TAG_SIZE = 16  # §2.5: "produces a 16-byte tag"
BLOCK_SIZE = 64  # §2.3: "The output is 64 random-looking bytes."

# RFC 8439 §2.3: "The first four words (0-3) are constants: 0x61707865,
# 0x3320646e, 0x79622d32, 0x6b206574." They are the ASCII string
# "expand 32-byte k" read as four little-endian 32-bit words (ChaCha inherits
# them from Salsa20); the tests check them against the RFC's numbers.
CONSTANTS: Tuple[int, int, int, int] = struct.unpack("<4I", b"expand 32-byte k")

# §2.8: "P_MAX (maximum size of the plaintext) is 274,877,906,880 bytes",
# i.e. 2^32 - 1 blocks of 64 bytes (counter 0 makes the Poly1305 key).
P_MAX = (2**32 - 1) * BLOCK_SIZE

MASK32 = 0xFFFFFFFF

# §2.5: 'set the constant prime "P" be 2^130-5'; §2.5.1: p = (1<<130)-5.
POLY1305_P = (1 << 130) - 5
# §2.5.1: clamp(r): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff
POLY1305_CLAMP = 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF


def _check_len(name: str, value: bytes, size: int) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise UsageError(f"{name} must be {size} bytes")


def _check_counter(counter: int, blocks: int) -> None:
    # §2.3: "Word 12 is a block counter"; it is a 32-bit word and must not wrap.
    if not isinstance(counter, int) or counter < 0 or counter + max(blocks, 1) - 1 > MASK32:
        raise UsageError("the ChaCha20 block counter must stay within 0 .. 2^32 - 1")


def rotl32(v: int, n: int) -> int:
    """§2.1: "<<< n" denotes an n-bit left roll (towards the high bits)."""
    return ((v << n) & MASK32) | (v >> (32 - n))


def quarter_round(a: int, b: int, c: int, d: int) -> Tuple[int, int, int, int]:
    """The ChaCha quarter round of RFC 8439 §2.1 on four 32-bit words.

    Args:
        a, b, c, d: 32-bit unsigned integers.
    Returns:
        The new (a, b, c, d).
    Spec: RFC 8439 §2.1 ("+" is addition modulo 2^32).
    """
    a = (a + b) & MASK32; d ^= a; d = rotl32(d, 16)  # noqa: E702 -- one RFC line each
    c = (c + d) & MASK32; b ^= c; b = rotl32(b, 12)  # noqa: E702
    a = (a + b) & MASK32; d ^= a; d = rotl32(d, 8)  # noqa: E702
    c = (c + d) & MASK32; b ^= c; b = rotl32(b, 7)  # noqa: E702
    return a, b, c, d


def qround(state: List[int], x: int, y: int, z: int, w: int) -> None:
    """§2.2 QUARTERROUND(x, y, z, w): the quarter round on state indices x, y, z, w."""
    state[x], state[y], state[z], state[w] = quarter_round(state[x], state[y], state[z], state[w])


def inner_block(state: List[int]) -> None:
    """§2.3.1 inner_block: one column round and one diagonal round, in place."""
    qround(state, 0, 4, 8, 12)
    qround(state, 1, 5, 9, 13)
    qround(state, 2, 6, 10, 14)
    qround(state, 3, 7, 11, 15)
    qround(state, 0, 5, 10, 15)
    qround(state, 1, 6, 11, 12)
    qround(state, 2, 7, 8, 13)
    qround(state, 3, 4, 9, 14)


def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    """The ChaCha20 block function (RFC 8439 §2.3, pseudocode §2.3.1).

    Args:
        key: 32 bytes, read as eight little-endian words (state words 4-11).
        counter: the 32-bit block count (state word 12).
        nonce: 12 bytes, read as three little-endian words (state words 13-15).
    Returns:
        The 64-byte serialized block.
    Raises:
        UsageError: wrong key/nonce length, or counter outside 0 .. 2^32 - 1.
    Spec: RFC 8439 §2.3.
    """
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, NONCE_SIZE)
    _check_counter(counter, 1)
    # state = constants | key | counter | nonce
    state = [*CONSTANTS, *struct.unpack("<8I", key), counter, *struct.unpack("<3I", nonce)]
    initial_state = list(state)
    for _ in range(10):
        inner_block(state)
    # "we add the original input words to the output words, and serialize the
    # result by sequencing the words one-by-one in little-endian order"
    return struct.pack("<16I", *((s + i) & MASK32 for s, i in zip(state, initial_state)))


def _xor(data: bytes, key_stream: bytes) -> bytes:
    """XOR ``data`` with the first len(data) bytes of ``key_stream``."""
    n = len(data)
    return (int.from_bytes(data, "little") ^ int.from_bytes(key_stream[:n], "little")).to_bytes(n, "little")


def chacha20_encrypt(key: bytes, counter: int, nonce: bytes, plaintext: bytes) -> bytes:
    """The ChaCha20 encryption algorithm (RFC 8439 §2.4, pseudocode §2.4.1).

    Decryption is the same operation (§2.4: "Decryption is done in the same
    way").

    Args:
        key: 32 bytes. counter: the initial 32-bit block counter.
        nonce: 12 bytes. plaintext: any length.
    Returns:
        The ciphertext, ``len(plaintext)`` bytes.
    Raises:
        UsageError: wrong key/nonce length, or the block counter would wrap.
    Spec: RFC 8439 §2.4.
    """
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, NONCE_SIZE)
    _check_counter(counter, (len(plaintext) + BLOCK_SIZE - 1) // BLOCK_SIZE)
    encrypted_message = bytearray()
    for j in range(len(plaintext) // BLOCK_SIZE):
        key_stream = chacha20_block(key, counter + j, nonce)
        block = plaintext[j * BLOCK_SIZE : j * BLOCK_SIZE + BLOCK_SIZE]
        encrypted_message += _xor(block, key_stream)
    if len(plaintext) % BLOCK_SIZE != 0:
        j = len(plaintext) // BLOCK_SIZE
        key_stream = chacha20_block(key, counter + j, nonce)
        block = plaintext[j * BLOCK_SIZE :]
        # "If there is extra keystream from the last block, it is discarded."
        encrypted_message += _xor(block, key_stream)
    return bytes(encrypted_message)


def le_bytes_to_num(b: bytes) -> int:
    """§2.5.1 le_bytes_to_num."""
    return int.from_bytes(b, "little")


def num_to_16_le_bytes(n: int) -> bytes:
    """§2.5.1 num_to_16_le_bytes: the 128 least significant bits, little-endian."""
    return (n & ((1 << 128) - 1)).to_bytes(16, "little")


def clamp(r: int) -> int:
    """§2.5.1 clamp(r): clear the bits §2.5 requires clear in r."""
    return r & POLY1305_CLAMP


def poly1305_mac(msg: bytes, key: bytes) -> bytes:
    """Poly1305 (RFC 8439 §2.5, pseudocode §2.5.1).

    Args:
        msg: the message, any length.
        key: 32-byte one-time key r || s (r is clamped here).
    Returns:
        The 16-byte tag.
    Raises:
        UsageError: the key is not 32 bytes.
    Spec: RFC 8439 §2.5.
    Security: a one-time authenticator: a key MUST NOT be used twice (§2.7).
    """
    _check_len("key", key, 32)
    r = le_bytes_to_num(key[0:16])
    r = clamp(r)
    s = le_bytes_to_num(key[16:32])
    a = 0  # a is the accumulator
    p = POLY1305_P
    for i in range(0, len(msg), 16):
        # "Add one bit beyond the number of octets" -- the 0x01 byte.
        n = le_bytes_to_num(msg[i : i + 16] + b"\x01")
        a += n
        a = (r * a) % p
    a += s
    return num_to_16_le_bytes(a)


def poly1305_key_gen(key: bytes, nonce: bytes) -> bytes:
    """Generate the Poly1305 one-time key with ChaCha20 (RFC 8439 §2.6, §2.6.1).

    Args:
        key: 32 bytes. nonce: 12 bytes.
    Returns:
        The 32-byte one-time key: the first 256 bits of block 0.
    Raises:
        UsageError: wrong key/nonce length.
    Spec: RFC 8439 §2.6 ("The block counter is set to zero.").
    """
    counter = 0
    block = chacha20_block(key, counter, nonce)
    return block[0:32]


def pad16(x: bytes) -> bytes:
    """§2.8.1 pad16: up to 15 zero bytes bringing len(x) to a multiple of 16."""
    if len(x) % 16 == 0:
        return b""
    return bytes(16 - (len(x) % 16))


def num_to_8_le_bytes(n: int) -> bytes:
    """§2.8.1 num_to_8_le_bytes: a 64-bit little-endian length."""
    return n.to_bytes(8, "little")


def _mac_data(aad: bytes, ciphertext: bytes) -> bytes:
    """§2.8: AAD | padding1 | ciphertext | padding2 | len(AAD) | len(ciphertext)."""
    return (
        aad
        + pad16(aad)
        + ciphertext
        + pad16(ciphertext)
        + num_to_8_le_bytes(len(aad))
        + num_to_8_le_bytes(len(ciphertext))
    )


def aead_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD_CHACHA20_POLY1305 encryption (RFC 8439 §2.8, pseudocode §2.8.1).

    Args:
        key: 32 bytes. nonce: 12 bytes (unique per key).
        plaintext: at most P_MAX bytes. aad: any length.
    Returns:
        ciphertext || 16-byte tag.
    Raises:
        UsageError: wrong key/nonce length, or plaintext longer than P_MAX.
    Spec: RFC 8439 §2.8.
    Security: a repeated (key, nonce) reveals the XOR of the plaintexts and
        the Poly1305 key (§4).
    """
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, NONCE_SIZE)
    if len(plaintext) > P_MAX:
        raise UsageError("plaintext longer than P_MAX (RFC 8439 §2.8)")
    otk = poly1305_key_gen(key, nonce)
    # "the ChaCha20 encryption function is called ... with the initial counter set to 1"
    ciphertext = chacha20_encrypt(key, 1, nonce, plaintext)
    tag = poly1305_mac(_mac_data(aad, ciphertext), otk)
    return ciphertext + tag


def aead_decrypt(key: bytes, nonce: bytes, ciphertext_and_tag: bytes, aad: bytes) -> bytes:
    """AEAD_CHACHA20_POLY1305 decryption (RFC 8439 §2.8).

    The tag is checked before anything is decrypted.

    Args:
        key: 32 bytes. nonce: 12 bytes.
        ciphertext_and_tag: ciphertext || 16-byte tag.
        aad: the associated data.
    Returns:
        The plaintext.
    Raises:
        UsageError: wrong key/nonce length.
        DecryptionError: input shorter than a tag, or the tag does not match.
    Spec: RFC 8439 §2.8 ("The Poly1305 function is still run on the AAD and
        the ciphertext, not the plaintext"); §4 ("MUST use a constant-time
        comparison function").
    """
    _check_len("key", key, KEY_SIZE)
    _check_len("nonce", nonce, NONCE_SIZE)
    if len(ciphertext_and_tag) < TAG_SIZE:
        raise DecryptionError()
    ciphertext = ciphertext_and_tag[:-TAG_SIZE]
    received_tag = ciphertext_and_tag[-TAG_SIZE:]
    otk = poly1305_key_gen(key, nonce)
    calculated_tag = poly1305_mac(_mac_data(aad, ciphertext), otk)
    if not hmac.compare_digest(calculated_tag, received_tag):
        raise DecryptionError()
    return chacha20_encrypt(key, 1, nonce, ciphertext)
