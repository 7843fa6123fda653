"""AES (FIPS-197) in pure Python: the block cipher under CBC, GCM and key wrap.

NOT CONSTANT TIME. Every S-box and table lookup below is indexed by bytes of
the key and the state, so cache timing can leak key material; Python adds its
own data-dependent timing on top. This module exists for reference, for test
vectors and for hosts without the native core (whose AES uses the AES-NI
instructions and no secret-indexed tables).

Layout of the module:

1. GF(2^8) arithmetic (FIPS-197 §4.2) and the constants derived from it at
   import time, the way the standard derives them: the S-box as the
   multiplicative inverse followed by the affine transformation (§5.1.1), the
   inverse S-box as its inverse permutation (§5.3.2), Rcon[i] = x^(i-1)
   (§5.2). No table is pasted in.
2. KeyExpansion (§5.2), with words held as 32-bit integers whose most
   significant byte is the word's first byte (a0 in §3.5).
3. The reference Cipher (§5.1) and InvCipher (§5.3), written with the named
   round transformations on a 4x4 state, for reading and for the tests.
4. The same two functions computed with combined SubBytes/ShiftRows/
   MixColumns tables ("T-tables"), built here from the S-box and the
   MixColumns matrix, and the Equivalent Inverse Cipher of §5.3.5 for
   decryption. These are the ones the modes of operation call; the tests
   check that they agree with the reference functions.

Deviations from the standard: none. (FIPS-197 was updated in 2023; the
algorithm and the section numbers used here are unchanged.)
"""

from __future__ import annotations

import struct
from typing import List, Sequence, Tuple

from .errors import UsageError

__all__ = [
    "Nb",
    "SBOX",
    "INV_SBOX",
    "RCON",
    "xtime",
    "gf_mul",
    "gf_inverse",
    "expand_key",
    "cipher",
    "inv_cipher",
    "encrypt_block",
    "decrypt_block",
    "equivalent_inverse_key",
    "eq_inv_decrypt_block",
]

#: §2.2: number of columns (32-bit words) of the state; always 4 in AES.
Nb = 4

#: §5, Figure 4: key length in words (Nk) -> number of rounds (Nr).
_NR_FOR_NK = {4: 10, 6: 12, 8: 14}

# ---------------------------------------------------------------------------
# 1. GF(2^8) (§4.2) and the derived constants
# ---------------------------------------------------------------------------

#: §4.2: the irreducible polynomial m(x) = x^8 + x^4 + x^3 + x + 1 ({01}{1b}).
_M_X = 0x11B


def xtime(b: int) -> int:
    """Multiply a field element by x ({02}), §4.2.1: shift left, reduce by m(x)."""
    b <<= 1
    return b ^ _M_X if b & 0x100 else b


def gf_mul(a: int, b: int) -> int:
    """The product a . b in GF(2^8) (§4.2), by repeated xtime (§4.2.1)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a = xtime(a)
        b >>= 1
    return product


def gf_inverse(b: int) -> int:
    """The multiplicative inverse b^-1 in GF(2^8), with {00} mapped to {00} (§5.1.1).

    The non-zero elements form a group of order 255, so b^254 = b^-1 (§4.2
    notes that the inverse exists for every non-zero b).
    """
    result = 1
    power = b
    exponent = 254
    while exponent:
        if exponent & 1:
            result = gf_mul(result, power)
        power = gf_mul(power, power)
        exponent >>= 1
    return result if b else 0


def _affine(b: int) -> int:
    """§5.1.1 equation (5.1): b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i, c = {63}."""
    c = 0x63
    out = 0
    for i in range(8):
        bit = (
            (b >> i)
            ^ (b >> ((i + 4) % 8))
            ^ (b >> ((i + 5) % 8))
            ^ (b >> ((i + 6) % 8))
            ^ (b >> ((i + 7) % 8))
            ^ (c >> i)
        ) & 1
        out |= bit << i
    return out


def _derive_sbox() -> Tuple[int, ...]:
    """§5.1.1: S-box(b) = affine(b^-1)."""
    return tuple(_affine(gf_inverse(b)) for b in range(256))


#: §5.1.1, Figure 7 -- derived, not transcribed.
SBOX: Tuple[int, ...] = _derive_sbox()


def _derive_inv_sbox(sbox: Sequence[int]) -> Tuple[int, ...]:
    """§5.3.2, Figure 14: the inverse permutation of the S-box."""
    inv = [0] * 256
    for b, s in enumerate(sbox):
        inv[s] = b
    return tuple(inv)


#: §5.3.2, Figure 14 -- derived, not transcribed.
INV_SBOX: Tuple[int, ...] = _derive_inv_sbox(SBOX)


def _derive_rcon(count: int) -> Tuple[int, ...]:
    """§5.2: Rcon[i] = [x^(i-1), {00}, {00}, {00}] for i = 1..count (index 0 unused)."""
    rcon = [0]
    x_power = 0x01
    for _ in range(count):
        rcon.append(x_power << 24)
        x_power = xtime(x_power)
    return tuple(rcon)


#: §5.2: round constants as words; AES-128 uses Rcon[1..10], the most of any key size.
RCON: Tuple[int, ...] = _derive_rcon(10)

# ---------------------------------------------------------------------------
# 2. KeyExpansion (§5.2)
# ---------------------------------------------------------------------------


def _sub_word(word: int) -> int:
    """§5.2 SubWord: the S-box applied to each of the four bytes of a word."""
    return (
        (SBOX[word >> 24] << 24)
        | (SBOX[(word >> 16) & 0xFF] << 16)
        | (SBOX[(word >> 8) & 0xFF] << 8)
        | SBOX[word & 0xFF]
    )


def _rot_word(word: int) -> int:
    """§5.2 RotWord: [a0, a1, a2, a3] -> [a1, a2, a3, a0]."""
    return ((word << 8) | (word >> 24)) & 0xFFFFFFFF


def expand_key(key: bytes) -> List[int]:
    """KeyExpansion (§5.2, Figure 11): the key schedule w[0 .. Nb*(Nr+1)-1].

    Args:
        key: the cipher key, 16, 24 or 32 bytes (AES-128/192/256).
    Returns:
        the list of 4*(Nr+1) words (44, 52 or 60), each a 32-bit int whose most
        significant byte is the word's first byte.
    Raises:
        UsageError: the key is not 16, 24 or 32 bytes.
    Spec: FIPS-197 §5.2; Appendix A gives worked expansions.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) not in (16, 24, 32):
        raise UsageError("AES key must be 16, 24 or 32 bytes")
    nk = len(key) // 4
    nr = _NR_FOR_NK[nk]
    w = list(struct.unpack(f">{nk}I", bytes(key)))
    for i in range(nk, Nb * (nr + 1)):
        temp = w[i - 1]
        if i % nk == 0:
            temp = _sub_word(_rot_word(temp)) ^ RCON[i // nk]
        elif nk > 6 and i % nk == 4:
            temp = _sub_word(temp)
        w.append(w[i - nk] ^ temp)
    return w


def _rounds(w: Sequence[int]) -> int:
    """Nr from the length of a key schedule (Nb*(Nr+1) words)."""
    nr = len(w) // Nb - 1
    if nr not in (10, 12, 14) or len(w) != Nb * (nr + 1):
        raise UsageError("not an AES key schedule (expected 44, 52 or 60 words)")
    return nr


def _check_block(block: bytes) -> None:
    if not isinstance(block, (bytes, bytearray)) or len(block) != 16:
        raise UsageError("AES block must be 16 bytes")


# ---------------------------------------------------------------------------
# 3. Reference Cipher (§5.1) and InvCipher (§5.3) on a 4x4 state s[r][c]
# ---------------------------------------------------------------------------

State = List[List[int]]


def _bytes_to_state(block: bytes) -> State:
    """§3.4: s[r][c] = in[r + 4c]."""
    return [[block[r + 4 * c] for c in range(Nb)] for r in range(4)]


def _state_to_bytes(s: State) -> bytes:
    """§3.4: out[r + 4c] = s[r][c]."""
    return bytes(s[r][c] for c in range(Nb) for r in range(4))


def _add_round_key(s: State, w: Sequence[int], round_: int) -> None:
    """§5.1.4: XOR column c with the word w[round*Nb + c] (byte r of the word into row r)."""
    for c in range(Nb):
        word = w[round_ * Nb + c]
        for r in range(4):
            s[r][c] ^= (word >> (24 - 8 * r)) & 0xFF


def _sub_bytes(s: State) -> None:
    """§5.1.1: the S-box on every byte."""
    for r in range(4):
        for c in range(Nb):
            s[r][c] = SBOX[s[r][c]]


def _shift_rows(s: State) -> None:
    """§5.1.2: s'[r][c] = s[r][(c + shift(r, Nb)) mod Nb], shift(r, 4) = r."""
    for r in range(1, 4):
        s[r] = [s[r][(c + r) % Nb] for c in range(Nb)]


def _mix_columns(s: State) -> None:
    """§5.1.3 (5.6): each column times a(x) = {03}x^3 + {01}x^2 + {01}x + {02}."""
    for c in range(Nb):
        s0, s1, s2, s3 = (s[r][c] for r in range(4))
        s[0][c] = gf_mul(0x02, s0) ^ gf_mul(0x03, s1) ^ s2 ^ s3
        s[1][c] = s0 ^ gf_mul(0x02, s1) ^ gf_mul(0x03, s2) ^ s3
        s[2][c] = s0 ^ s1 ^ gf_mul(0x02, s2) ^ gf_mul(0x03, s3)
        s[3][c] = gf_mul(0x03, s0) ^ s1 ^ s2 ^ gf_mul(0x02, s3)


def _inv_shift_rows(s: State) -> None:
    """§5.3.1: s'[r][(c + shift(r, Nb)) mod Nb] = s[r][c]."""
    for r in range(1, 4):
        row = [0] * Nb
        for c in range(Nb):
            row[(c + r) % Nb] = s[r][c]
        s[r] = row


def _inv_sub_bytes(s: State) -> None:
    """§5.3.2: the inverse S-box on every byte."""
    for r in range(4):
        for c in range(Nb):
            s[r][c] = INV_SBOX[s[r][c]]


def _inv_mix_columns(s: State) -> None:
    """§5.3.3 (5.10): each column times a^-1(x) = {0b}x^3 + {0d}x^2 + {09}x + {0e}."""
    for c in range(Nb):
        s0, s1, s2, s3 = (s[r][c] for r in range(4))
        s[0][c] = gf_mul(0x0E, s0) ^ gf_mul(0x0B, s1) ^ gf_mul(0x0D, s2) ^ gf_mul(0x09, s3)
        s[1][c] = gf_mul(0x09, s0) ^ gf_mul(0x0E, s1) ^ gf_mul(0x0B, s2) ^ gf_mul(0x0D, s3)
        s[2][c] = gf_mul(0x0D, s0) ^ gf_mul(0x09, s1) ^ gf_mul(0x0E, s2) ^ gf_mul(0x0B, s3)
        s[3][c] = gf_mul(0x0B, s0) ^ gf_mul(0x0D, s1) ^ gf_mul(0x09, s2) ^ gf_mul(0x0E, s3)


def cipher(block: bytes, w: Sequence[int]) -> bytes:
    """Cipher(in, out, w), FIPS-197 §5.1, Figure 5 -- the readable reference.

    Args:
        block: 16-byte input block.
        w: key schedule from :func:`expand_key`.
    Returns:
        the 16-byte output block.
    Raises:
        UsageError: wrong block length or key schedule size.
    Spec: FIPS-197 §5.1.
    """
    _check_block(block)
    nr = _rounds(w)
    state = _bytes_to_state(block)
    _add_round_key(state, w, 0)
    for round_ in range(1, nr):
        _sub_bytes(state)
        _shift_rows(state)
        _mix_columns(state)
        _add_round_key(state, w, round_)
    _sub_bytes(state)
    _shift_rows(state)
    _add_round_key(state, w, nr)
    return _state_to_bytes(state)


def inv_cipher(block: bytes, w: Sequence[int]) -> bytes:
    """InvCipher(in, out, w), FIPS-197 §5.3, Figure 12 -- the readable reference.

    Args:
        block: 16-byte input block.
        w: key schedule from :func:`expand_key` (the same one as for encryption).
    Returns:
        the 16-byte output block.
    Raises:
        UsageError: wrong block length or key schedule size.
    Spec: FIPS-197 §5.3.
    """
    _check_block(block)
    nr = _rounds(w)
    state = _bytes_to_state(block)
    _add_round_key(state, w, nr)
    for round_ in range(nr - 1, 0, -1):
        _inv_shift_rows(state)
        _inv_sub_bytes(state)
        _add_round_key(state, w, round_)
        _inv_mix_columns(state)
    _inv_shift_rows(state)
    _inv_sub_bytes(state)
    _add_round_key(state, w, 0)
    return _state_to_bytes(state)


# ---------------------------------------------------------------------------
# 4. Table-driven Cipher and Equivalent Inverse Cipher (§5.3.5)
#
# One full round maps column c of the state to
#   MixColumns(column of SubBytes(ShiftRows(state)))
#     = sum over rows r of S[s_r,(c+r)] * (column r of the MixColumns matrix)
# so with TE_r[b] = S[b] * (column r of the matrix), packed as a word, a round
# is 16 lookups and XORs. The MixColumns matrix (5.6) has columns
# [02 01 01 03], [03 02 01 01], [01 03 02 01], [01 01 03 02]; the
# InvMixColumns matrix (5.10) has [0e 09 0d 0b], [0b 0e 09 0d], [0d 0b 0e 09],
# [09 0d 0b 0e]. TD_r uses the inverse S-box and the inverse matrix; the
# Equivalent Inverse Cipher of §5.3.5 puts InvSubBytes/InvShiftRows/
# InvMixColumns next to each other by moving InvMixColumns into the key
# schedule (dw).
# ---------------------------------------------------------------------------

_MIX_COLUMNS = ((0x02, 0x01, 0x01, 0x03), (0x03, 0x02, 0x01, 0x01), (0x01, 0x03, 0x02, 0x01), (0x01, 0x01, 0x03, 0x02))
_INV_MIX_COLUMNS = ((0x0E, 0x09, 0x0D, 0x0B), (0x0B, 0x0E, 0x09, 0x0D), (0x0D, 0x0B, 0x0E, 0x09), (0x09, 0x0D, 0x0B, 0x0E))


def _column_table(sbox: Sequence[int], column: Sequence[int]) -> Tuple[int, ...]:
    """T[b] = sbox[b] times a matrix column, packed as a word (row 0 in the top byte)."""
    table = []
    for b in range(256):
        v = sbox[b]
        table.append(
            (gf_mul(column[0], v) << 24) | (gf_mul(column[1], v) << 16) | (gf_mul(column[2], v) << 8) | gf_mul(column[3], v)
        )
    return tuple(table)


_TE0, _TE1, _TE2, _TE3 = (_column_table(SBOX, col) for col in _MIX_COLUMNS)
_TD0, _TD1, _TD2, _TD3 = (_column_table(INV_SBOX, col) for col in _INV_MIX_COLUMNS)
# InvMixColumns of a single word, for dw (§5.3.5): IM_r[b] = b * (column r of the inverse matrix).
_IDENTITY = tuple(range(256))
_IM0, _IM1, _IM2, _IM3 = (_column_table(_IDENTITY, col) for col in _INV_MIX_COLUMNS)


def _encrypt_words(w: Sequence[int], nr: int, s0: int, s1: int, s2: int, s3: int) -> Tuple[int, int, int, int]:
    """The Cipher (§5.1) on a state held as four column words."""
    te0, te1, te2, te3 = _TE0, _TE1, _TE2, _TE3
    s0 ^= w[0]
    s1 ^= w[1]
    s2 ^= w[2]
    s3 ^= w[3]
    k = 4
    for _ in range(nr - 1):
        t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 0xFF] ^ te2[(s2 >> 8) & 0xFF] ^ te3[s3 & 0xFF] ^ w[k]
        t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 0xFF] ^ te2[(s3 >> 8) & 0xFF] ^ te3[s0 & 0xFF] ^ w[k + 1]
        t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 0xFF] ^ te2[(s0 >> 8) & 0xFF] ^ te3[s1 & 0xFF] ^ w[k + 2]
        t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 0xFF] ^ te2[(s1 >> 8) & 0xFF] ^ te3[s2 & 0xFF] ^ w[k + 3]
        s0, s1, s2, s3 = t0, t1, t2, t3
        k += 4
    sb = SBOX
    # Final round: SubBytes, ShiftRows, AddRoundKey (no MixColumns).
    t0 = ((sb[s0 >> 24] << 24) | (sb[(s1 >> 16) & 0xFF] << 16) | (sb[(s2 >> 8) & 0xFF] << 8) | sb[s3 & 0xFF]) ^ w[k]
    t1 = ((sb[s1 >> 24] << 24) | (sb[(s2 >> 16) & 0xFF] << 16) | (sb[(s3 >> 8) & 0xFF] << 8) | sb[s0 & 0xFF]) ^ w[k + 1]
    t2 = ((sb[s2 >> 24] << 24) | (sb[(s3 >> 16) & 0xFF] << 16) | (sb[(s0 >> 8) & 0xFF] << 8) | sb[s1 & 0xFF]) ^ w[k + 2]
    t3 = ((sb[s3 >> 24] << 24) | (sb[(s0 >> 16) & 0xFF] << 16) | (sb[(s1 >> 8) & 0xFF] << 8) | sb[s2 & 0xFF]) ^ w[k + 3]
    return t0, t1, t2, t3


def _decrypt_words(dw: Sequence[int], nr: int, s0: int, s1: int, s2: int, s3: int) -> Tuple[int, int, int, int]:
    """The Equivalent Inverse Cipher (§5.3.5, Figure 15) on four column words."""
    td0, td1, td2, td3 = _TD0, _TD1, _TD2, _TD3
    k = nr * 4
    s0 ^= dw[k]
    s1 ^= dw[k + 1]
    s2 ^= dw[k + 2]
    s3 ^= dw[k + 3]
    for _ in range(nr - 1):
        k -= 4
        # InvShiftRows moves row r of column c to column c + r, so the new
        # column c takes row r from column c - r.
        t0 = td0[s0 >> 24] ^ td1[(s3 >> 16) & 0xFF] ^ td2[(s2 >> 8) & 0xFF] ^ td3[s1 & 0xFF] ^ dw[k]
        t1 = td0[s1 >> 24] ^ td1[(s0 >> 16) & 0xFF] ^ td2[(s3 >> 8) & 0xFF] ^ td3[s2 & 0xFF] ^ dw[k + 1]
        t2 = td0[s2 >> 24] ^ td1[(s1 >> 16) & 0xFF] ^ td2[(s0 >> 8) & 0xFF] ^ td3[s3 & 0xFF] ^ dw[k + 2]
        t3 = td0[s3 >> 24] ^ td1[(s2 >> 16) & 0xFF] ^ td2[(s1 >> 8) & 0xFF] ^ td3[s0 & 0xFF] ^ dw[k + 3]
        s0, s1, s2, s3 = t0, t1, t2, t3
    ib = INV_SBOX
    t0 = ((ib[s0 >> 24] << 24) | (ib[(s3 >> 16) & 0xFF] << 16) | (ib[(s2 >> 8) & 0xFF] << 8) | ib[s1 & 0xFF]) ^ dw[0]
    t1 = ((ib[s1 >> 24] << 24) | (ib[(s0 >> 16) & 0xFF] << 16) | (ib[(s3 >> 8) & 0xFF] << 8) | ib[s2 & 0xFF]) ^ dw[1]
    t2 = ((ib[s2 >> 24] << 24) | (ib[(s1 >> 16) & 0xFF] << 16) | (ib[(s0 >> 8) & 0xFF] << 8) | ib[s3 & 0xFF]) ^ dw[2]
    t3 = ((ib[s3 >> 24] << 24) | (ib[(s2 >> 16) & 0xFF] << 16) | (ib[(s1 >> 8) & 0xFF] << 8) | ib[s0 & 0xFF]) ^ dw[3]
    return t0, t1, t2, t3


def _inv_mix_column_word(word: int) -> int:
    """InvMixColumns (§5.3.3) of one column held as a word."""
    return _IM0[word >> 24] ^ _IM1[(word >> 16) & 0xFF] ^ _IM2[(word >> 8) & 0xFF] ^ _IM3[word & 0xFF]


def equivalent_inverse_key(w: Sequence[int]) -> List[int]:
    """The decryption key schedule dw of the Equivalent Inverse Cipher (§5.3.5, (5.15)).

    dw[i] = w[i] for every i, then InvMixColumns is applied to the words of
    rounds 1 .. Nr-1.

    Args:
        w: key schedule from :func:`expand_key`.
    Returns:
        dw, the same number of words.
    Raises:
        UsageError: ``w`` is not a key schedule.
    Spec: FIPS-197 §5.3.5.
    """
    nr = _rounds(w)
    dw = list(w)
    for i in range(Nb, nr * Nb):
        dw[i] = _inv_mix_column_word(dw[i])
    return dw


def encrypt_block(round_keys: Sequence[int], block: bytes) -> bytes:
    """Encrypt one block: the Cipher of §5.1, computed with the T-tables.

    Args:
        round_keys: key schedule ``w`` from :func:`expand_key`.
        block: 16 bytes.
    Returns:
        16 bytes.
    Raises:
        UsageError: wrong block length or key schedule size.
    Spec: FIPS-197 §5.1 (equal to :func:`cipher`).
    """
    _check_block(block)
    nr = _rounds(round_keys)
    return struct.pack(">4I", *_encrypt_words(round_keys, nr, *struct.unpack(">4I", block)))


def eq_inv_decrypt_block(dw: Sequence[int], block: bytes) -> bytes:
    """Decrypt one block with a schedule from :func:`equivalent_inverse_key` (§5.3.5).

    Args:
        dw: the equivalent-inverse key schedule.
        block: 16 bytes.
    Returns:
        16 bytes.
    Raises:
        UsageError: wrong block length or key schedule size.
    Spec: FIPS-197 §5.3.5 (equal to :func:`inv_cipher` with ``w``).
    """
    _check_block(block)
    nr = _rounds(dw)
    return struct.pack(">4I", *_decrypt_words(dw, nr, *struct.unpack(">4I", block)))


def decrypt_block(round_keys: Sequence[int], block: bytes) -> bytes:
    """Decrypt one block: InvCipher (§5.3) by the Equivalent Inverse Cipher (§5.3.5).

    This derives ``dw`` on every call; modes that decrypt many blocks call
    :func:`equivalent_inverse_key` once and then :func:`eq_inv_decrypt_block`.

    Args:
        round_keys: key schedule ``w`` from :func:`expand_key`.
        block: 16 bytes.
    Returns:
        16 bytes.
    Raises:
        UsageError: wrong block length or key schedule size.
    Spec: FIPS-197 §5.3 (equal to :func:`inv_cipher`).
    """
    return eq_inv_decrypt_block(equivalent_inverse_key(round_keys), block)
