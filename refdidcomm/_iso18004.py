"""A QR Code symbol encoder following ISO/IEC 18004:2015.

The steps are those of the standard's encode procedure (§7.1), in order:

1. Data analysis (§7.2): the payload is one segment in the most compact mode
   that represents all of it -- numeric (§7.4.3) if it is all digits,
   alphanumeric (§7.4.4) if every character is in Table 5, else byte (§7.4.5).
2. Data encoding (§7.4): mode indicator (Table 2), character count indicator
   (Table 3), the data, the terminator, zero bits to a codeword boundary and
   the pad codewords (§7.4.10). The smallest version (at least
   ``min_version``) whose data capacity holds the bit stream is used.
3. Error correction (§7.5): the data codewords are split into the blocks of
   Table 9 and each block gets its Reed-Solomon codewords
   (:mod:`refdidcomm._iso18004_rs`).
4. The final message (§7.6): data codewords interleaved across the blocks,
   then the error correction codewords, then the remainder bits.
5. Matrix (§6.3, §7.7): finder patterns with separators, timing patterns,
   alignment patterns (Annex E), the dark module, the reserved format and
   version areas; then the codewords in the two-module-wide zigzag of §7.7.3.
6. Masking (§7.8): each of the eight patterns of Table 10 is applied to the
   encoding region, the result is scored with the four penalty rules of
   §7.8.3 (Table 11), and the lowest score wins (ties: the lower pattern
   reference). A caller may force a pattern instead.
7. Format information (§7.9, Annex C) and version information (§7.10,
   Annex D, versions 7 and up) are BCH-coded and drawn in both copies.

The number of codewords in each version is derived by counting the modules
the function patterns leave free (Table 1's values, which the tests check);
the block lengths follow from that count and Table 9's block numbers.

Choices where the standard leaves room (they only change which of eight
valid masks is chosen, never whether a symbol decodes):

* Masks are scored on the complete symbol as it will be printed, format and
  version information for the candidate mask included.
* Penalty rule 3 (the 1:1:3:1:1 finder-like pattern with four light modules
  on either side) counts modules beyond the edge of the symbol as light, as
  the quiet zone (§6.3.8) makes them; it is counted once per occurrence of
  dark-light-dark-dark-dark-light-dark even when light modules flank both
  sides. Only the 1-module scale of the ratio is searched.
* Penalty rule 2 counts each 2 x 2 block of one colour (3 points each); an
  m x n block then scores 3 (m - 1)(n - 1) as Table 11 says.

Out of scope: Kanji mode, ECI, mixed-mode segments, structured append, FNC1,
Micro QR. Byte mode carries the bytes as given (``str`` is UTF-8 encoded)
with no ECI designator; readers that guess the character set see UTF-8 or
ASCII correctly in practice.

Section numbers: see :mod:`refdidcomm._iso18004_tables`.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple, Union

from ._iso18004_rs import rs_remainder
from ._iso18004_tables import (
    ALIGNMENT_POSITIONS,
    ALPHANUMERIC_CHARSET,
    CHAR_COUNT_BITS,
    ECC_CODEWORDS_PER_BLOCK,
    ECC_LEVEL_INDICATOR,
    ECC_LEVELS,
    FORMAT_GENERATOR,
    FORMAT_MASK,
    MODE_INDICATOR,
    NUM_BLOCKS,
    PAD_CODEWORDS,
    TERMINATOR_BITS,
    VERSION_GENERATOR,
)
from .errors import UsageError

__all__ = [
    "MODES",
    "MASK_PATTERNS",
    "Symbol",
    "symbol_size",
    "choose_mode",
    "segment_bit_length",
    "raw_data_modules",
    "total_codewords",
    "remainder_bits",
    "block_structure",
    "data_codeword_count",
    "data_codewords",
    "final_message",
    "format_information",
    "version_information",
    "function_patterns",
    "penalty",
    "penalty_adjacent",
    "penalty_blocks",
    "penalty_finder_like",
    "penalty_balance",
    "encode",
]

MODES: Tuple[str, ...] = ("numeric", "alphanumeric", "byte")

Grid = List[List[int]]
Modules = Tuple[Tuple[bool, ...], ...]


class Symbol(NamedTuple):
    """An encoded QR Code symbol, without quiet zone.

    ``modules[i][j]`` is row ``i``, column ``j`` from the top left; ``True`` is
    a dark module.
    """

    version: int
    ecc: str
    mask: int
    mode: str
    modules: Modules


def symbol_size(version: int) -> int:
    """Modules per side: 21 for version 1, four more per version (§6.3.1)."""
    return 4 * version + 17


def _count_indicator_bits(mode: str, version: int) -> int:
    # Table 3: three version ranges, 1-9, 10-26 and 27-40.
    column = 0 if version <= 9 else 1 if version <= 26 else 2
    return CHAR_COUNT_BITS[mode][column]


# ---------------------------------------------------------------------------
# §7.2 Data analysis


_DIGITS = frozenset("0123456789")
_ALPHANUMERIC = frozenset(ALPHANUMERIC_CHARSET)


def choose_mode(text: str) -> str:
    """The most compact single mode for ``text`` (§7.2; Table 5 for alphanumeric)."""
    characters = set(text)
    if characters <= _DIGITS:
        return "numeric"
    if characters <= _ALPHANUMERIC:
        return "alphanumeric"
    return "byte"


def _analyse(data: Union[bytes, bytearray, str], mode: Optional[str]) -> Tuple[str, Union[str, bytes]]:
    """The mode and the payload to encode: characters (numeric, alphanumeric) or bytes."""
    if isinstance(data, str):
        text: Optional[str] = data
    elif isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        # Bytes that are all ASCII may be digits or Table 5 characters.
        text = data.decode("ascii") if data.isascii() else None
    else:
        raise UsageError("QR payload must be bytes or str")
    if mode is None:
        mode = choose_mode(text) if text is not None else "byte"
    elif mode not in MODES:
        raise UsageError(f"QR mode must be one of {', '.join(MODES)}")
    if mode == "byte":
        if isinstance(data, bytes):
            return mode, data
        try:
            return mode, data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UsageError("QR payload str is not encodable as UTF-8 (lone surrogate)") from exc
    # Numeric data also suits alphanumeric mode (Table 5 has the digits).
    fits = text is not None and (
        choose_mode(text) == "numeric" or (mode == "alphanumeric" and choose_mode(text) == "alphanumeric")
    )
    if not fits:
        raise UsageError(f"QR payload has characters that {mode} mode cannot encode")
    return mode, text  # type: ignore[return-value]  # fits implies text is a str


# ---------------------------------------------------------------------------
# §7.4 Data encoding


class _Bits:
    """A bit stream, most significant bit first (§7.4)."""

    def __init__(self) -> None:
        self.bits: List[int] = []

    def append(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.bits.append((value >> shift) & 1)

    def __len__(self) -> int:
        return len(self.bits)


def segment_bit_length(mode: str, count: int, version: int) -> int:
    """Bits of a one-segment bit stream before the terminator (§7.4.3-7.4.5).

    Args:
        mode: ``"numeric"``, ``"alphanumeric"`` or ``"byte"``.
        count: characters (numeric, alphanumeric) or bytes.
        version: 1..40 (the character count indicator depends on it).

    Raises:
        UsageError: unknown mode, negative count or bad version.
    """
    if mode not in MODES:
        raise UsageError(f"QR mode must be one of {', '.join(MODES)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise UsageError("character count must be a non-negative integer")
    _check_version(version, "version")
    if mode == "numeric":
        # §7.4.3: 10 bits per three digits; 4 or 7 bits for the last 1 or 2.
        data = 10 * (count // 3) + (0, 4, 7)[count % 3]
    elif mode == "alphanumeric":
        # §7.4.4: 11 bits per pair of characters, 6 bits for a last single one.
        data = 11 * (count // 2) + 6 * (count % 2)
    else:
        # §7.4.5: 8 bits per byte.
        data = 8 * count
    return 4 + _count_indicator_bits(mode, version) + data


def _segment(mode: str, payload: Union[str, bytes], version: int) -> _Bits:
    bits = _Bits()
    bits.append(MODE_INDICATOR[mode], 4)
    bits.append(len(payload), _count_indicator_bits(mode, version))
    if mode == "numeric":
        # §7.4.3: groups of three digits as a 10-bit binary number; a final
        # group of two digits in 7 bits, of one digit in 4 bits.
        for start in range(0, len(payload), 3):
            group = payload[start : start + 3]
            bits.append(int(group), (0, 4, 7, 10)[len(group)])
    elif mode == "alphanumeric":
        # §7.4.4: pairs of characters as 45 * first + second in 11 bits; a
        # final single character in 6 bits. Values from Table 5.
        values = [ALPHANUMERIC_CHARSET.index(ch) for ch in payload]
        for start in range(0, len(values) - 1, 2):
            bits.append(45 * values[start] + values[start + 1], 11)
        if len(values) % 2:
            bits.append(values[-1], 6)
    else:
        for byte in bytes(payload):  # type: ignore[arg-type]  # byte mode: bytes
            bits.append(byte, 8)
    return bits


# ---------------------------------------------------------------------------
# Capacity: Table 1 (derived from the function patterns), Table 9, Table 7


@functools.lru_cache(maxsize=None)
def _template(version: int) -> Tuple[Modules, Tuple[Tuple[bool, ...], ...]]:
    """Function patterns of ``version`` and which modules they occupy.

    The format and version information areas are occupied (reserved) but
    left light; they are drawn once the mask is known.
    """
    size = symbol_size(version)
    modules = [[0] * size for _ in range(size)]
    function = [[False] * size for _ in range(size)]

    def put(row: int, col: int, dark: bool) -> None:
        modules[row][col] = int(dark)
        function[row][col] = True

    # §6.3.3 finder patterns (7 x 7: dark ring, light ring, dark 3 x 3 core)
    # in three corners, each with its §6.3.4 separator: one light module wide,
    # on the sides that face the encoding region.
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                row, col = top + dr, left + dc
                if 0 <= row < size and 0 <= col < size:
                    ring = max(abs(dr - 3), abs(dc - 3))  # 0 centre .. 3 outer, 4 separator
                    put(row, col, ring in (0, 1, 3))

    # §6.3.5 timing patterns: row 6 and column 6 between the separators,
    # alternating dark and light, dark at both ends (even indices).
    for i in range(8, size - 8):
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)

    # §6.3.6 alignment patterns (5 x 5: dark ring, light ring, dark centre)
    # centred at every pair of Annex E coordinates, except the three pairs
    # that would overlap the finder patterns.
    positions = ALIGNMENT_POSITIONS[version - 1]
    if positions:
        first, last = positions[0], positions[-1]
        for row in positions:
            for col in positions:
                if (row, col) in ((first, first), (first, last), (last, first)):
                    continue
                for dr in range(-2, 3):
                    for dc in range(-2, 3):
                        put(row + dr, col + dc, max(abs(dr), abs(dc)) != 1)

    # §7.9.1: the module at (4V + 9, 8) is always dark.
    put(4 * version + 9, 8, True)

    # §7.9.1 format information areas, reserved: around the top left finder
    # (row 8 and column 8, skipping the timing pattern) and split between the
    # other two finders.
    for i in range(9):
        if i != 6:
            put(8, i, False)
            put(i, 8, False)
    for i in range(8):
        put(8, size - 1 - i, False)
    for i in range(7):
        put(size - 1 - i, 8, False)

    # §7.10 version information areas (versions 7 and up): 6 x 3 above the
    # bottom left finder and 3 x 6 left of the top right finder.
    if version >= 7:
        for i in range(6):
            for j in range(3):
                put(i, size - 11 + j, False)
                put(size - 11 + j, i, False)

    return (
        tuple(tuple(bool(m) for m in row) for row in modules),
        tuple(tuple(row) for row in function),
    )


def function_patterns(version: int) -> Tuple[Modules, Tuple[Tuple[bool, ...], ...]]:
    """The function patterns of a version, and the mask of modules they occupy.

    Args:
        version: 1..40.

    Returns:
        ``(modules, occupied)``: dark modules of the function patterns (format
        and version areas light), and ``True`` where a function pattern or a
        reserved area is.

    Raises:
        UsageError: bad version.
    """
    _check_version(version, "version")
    return _template(version)


def raw_data_modules(version: int) -> int:
    """Modules left for codewords and remainder bits (the encoding region)."""
    _check_version(version, "version")
    return sum(row.count(False) for row in _template(version)[1])


def total_codewords(version: int) -> int:
    """Codewords in a symbol of ``version`` (Table 1, "Number of codewords")."""
    return raw_data_modules(version) // 8


def remainder_bits(version: int) -> int:
    """Bits left after the last codeword (Table 1, "Remainder bits")."""
    return raw_data_modules(version) % 8


def block_structure(version: int, ecc: str) -> Tuple[Tuple[int, int, int], ...]:
    """The error correction blocks of Table 9 as ``(count, c, k)`` groups.

    ``c`` is the total codewords of each block in the group and ``k`` its data
    codewords; the short blocks come first and the long blocks (when there are
    any) have one more data codeword (§7.5.2, §7.6).

    Raises:
        UsageError: bad version or level.
    """
    _check_version(version, "version")
    _check_ecc(ecc)
    blocks = NUM_BLOCKS[ecc][version - 1]
    ecc_per_block = ECC_CODEWORDS_PER_BLOCK[ecc][version - 1]
    total = total_codewords(version)
    long_blocks = total % blocks
    short_c = total // blocks
    groups = [(blocks - long_blocks, short_c, short_c - ecc_per_block)]
    if long_blocks:
        groups.append((long_blocks, short_c + 1, short_c + 1 - ecc_per_block))
    return tuple(groups)


def data_codeword_count(version: int, ecc: str) -> int:
    """Data codewords of a version at a level (Table 7, "Number of data codewords")."""
    return sum(count * k for count, _c, k in block_structure(version, ecc))


def data_codewords(mode: str, payload: Union[str, bytes], version: int, ecc: str) -> List[int]:
    """The data codewords of a one-segment message, padded to the capacity.

    Args:
        mode: one of :data:`MODES`; ``payload`` must suit it.
        payload: characters (numeric, alphanumeric) or bytes (byte).
        version, ecc: the symbol.

    Returns:
        ``data_codeword_count(version, ecc)`` integers 0..255.

    Raises:
        UsageError: the payload does not fit this version and level.

    Spec: ISO/IEC 18004:2015 §7.4.3-7.4.5, §7.4.9, §7.4.10.
    """
    capacity_bits = 8 * data_codeword_count(version, ecc)
    if mode not in MODES:
        raise UsageError(f"QR mode must be one of {', '.join(MODES)}")
    mode, payload = _analyse(payload, mode)
    if len(payload) >= 1 << _count_indicator_bits(mode, version) or (
        segment_bit_length(mode, len(payload), version) > capacity_bits
    ):
        raise UsageError(f"QR payload does not fit version {version}-{ecc}")
    bits = _segment(mode, payload, version)
    # §7.4.9: the terminator, shortened when fewer than 4 bits remain.
    bits.append(0, min(TERMINATOR_BITS, capacity_bits - len(bits)))
    # §7.4.10: zero bits up to the next codeword boundary ...
    bits.append(0, -len(bits) % 8)
    codewords = [int("".join(map(str, bits.bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    # ... then the pad codewords, alternately, to fill the capacity.
    pad = 0
    while len(codewords) < capacity_bits // 8:
        codewords.append(PAD_CODEWORDS[pad])
        pad ^= 1
    return codewords


def final_message(codewords: Sequence[int], version: int, ecc: str) -> List[int]:
    """Data and error correction codewords interleaved (§7.6).

    Args:
        codewords: the data codewords (``data_codeword_count(version, ecc)``).

    Returns:
        ``total_codewords(version)`` codewords: the first data codeword of each
        block, then the second, ... (the long blocks' extra codeword last),
        then the error correction codewords in the same way.
    """
    data_blocks: List[List[int]] = []
    ecc_blocks: List[List[int]] = []
    start = 0
    for count, c, k in block_structure(version, ecc):
        for _ in range(count):
            block = list(codewords[start : start + k])
            start += k
            data_blocks.append(block)
            ecc_blocks.append(rs_remainder(block, c - k))
    if start != len(codewords):
        raise UsageError("wrong number of data codewords for this version and level")
    message: List[int] = []
    for blocks in (data_blocks, ecc_blocks):
        for i in range(max(len(block) for block in blocks)):
            message.extend(block[i] for block in blocks if i < len(block))
    return message


# ---------------------------------------------------------------------------
# §7.9 format information and §7.10 version information (BCH codes)


def _bch_remainder(value: int, value_bits: int, generator: int) -> int:
    """Remainder of value(x) * x^(degree of generator) divided by generator(x) over GF(2)."""
    degree = generator.bit_length() - 1
    remainder = value << degree
    for shift in range(value_bits - 1, -1, -1):
        if remainder & (1 << (shift + degree)):
            remainder ^= generator << shift
    return remainder


def format_information(ecc: str, mask: int) -> int:
    """The 15-bit format information word for a level and mask pattern.

    Five data bits (Table 12 level indicator, then the 3-bit mask pattern
    reference), ten BCH(15,5) bits, the whole XORed with 101010000010010.

    Raises:
        UsageError: bad level or mask.

    Spec: ISO/IEC 18004:2015 §7.9.1 and Annex C.
    """
    _check_ecc(ecc)
    _check_mask(mask)
    data = (ECC_LEVEL_INDICATOR[ecc] << 3) | mask
    return ((data << 10) | _bch_remainder(data, 5, FORMAT_GENERATOR)) ^ FORMAT_MASK


def version_information(version: int) -> int:
    """The 18-bit version information word (6 version bits, 12 BCH(18,6) bits).

    Raises:
        UsageError: version outside 7..40 (smaller versions carry none).

    Spec: ISO/IEC 18004:2015 §7.10 and Annex D.
    """
    _check_version(version, "version")
    if version < 7:
        raise UsageError("only versions 7 to 40 carry version information")
    return (version << 12) | _bch_remainder(version, 6, VERSION_GENERATOR)


def _draw_format(grid: Grid, ecc: str, mask: int) -> None:
    """Both copies of the format information (§7.9.1, Figure 25); bit 14 is the MSB."""
    size = len(grid)
    word = format_information(ecc, mask)
    for i in range(15):
        bit = (word >> i) & 1
        # Copy 1, around the top left finder: bits 0-7 down column 8
        # (rows 0-5, 7, 8), bits 8-14 along row 8 (columns 7, 5-0).
        if i < 6:
            grid[i][8] = bit
        elif i < 8:
            grid[i + 1][8] = bit
        elif i == 8:
            grid[8][7] = bit
        else:
            grid[8][14 - i] = bit
        # Copy 2: bits 0-7 along row 8 from the right edge leftwards to column
        # size - 8; bits 8-14 up column 8 from row size - 7 to the bottom edge.
        if i < 8:
            grid[8][size - 1 - i] = bit
        else:
            grid[size - 15 + i][8] = bit


def _draw_version(grid: Grid, version: int) -> None:
    """Both copies of the version information (§7.10, Figure 27), versions 7+."""
    if version < 7:
        return
    size = len(grid)
    word = version_information(version)
    for i in range(18):
        bit = (word >> i) & 1
        # Upper right block: bit i at row i // 3, column size - 11 + i % 3;
        # the lower left block is its transpose.
        grid[i // 3][size - 11 + i % 3] = bit
        grid[size - 11 + i % 3][i // 3] = bit


# ---------------------------------------------------------------------------
# §7.7.3 codeword placement


@functools.lru_cache(maxsize=None)
def _placement_order(version: int) -> Tuple[Tuple[int, int], ...]:
    """The encoding region's modules in the order bits are placed (§7.7.3).

    Two-module-wide columns from the right edge leftwards, alternately upwards
    and downwards, right module before left; the vertical timing pattern
    (column 6) is skipped as a whole column; function modules are skipped.
    """
    occupied = _template(version)[1]
    size = len(occupied)
    order: List[Tuple[int, int]] = []
    upward = True
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        rows = range(size - 1, -1, -1) if upward else range(size)
        for row in rows:
            for col in (right, right - 1):
                if not occupied[row][col]:
                    order.append((row, col))
        upward = not upward
        right -= 2
    return tuple(order)


# ---------------------------------------------------------------------------
# §7.8 data masking

# Table 10 -- Data mask pattern generation conditions: a module of the
# encoding region is inverted where the condition is true; i is its row and j
# its column.
MASK_PATTERNS: Tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,  # 000
    lambda i, j: i % 2 == 0,  # 001
    lambda i, j: j % 3 == 0,  # 010
    lambda i, j: (i + j) % 3 == 0,  # 011
    lambda i, j: (i // 2 + j // 3) % 2 == 0,  # 100
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,  # 101
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,  # 110
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,  # 111
)

# Table 11 -- Scoring of data mask pattern results: the weights.
N1, N2, N3, N4 = 3, 3, 40, 10

_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=1011101)")


def _columns(rows: Sequence[str]) -> List[str]:
    return ["".join(column) for column in zip(*rows)]


def penalty_adjacent(rows: Sequence[str]) -> int:
    """Rule 1: runs of five or more same-colour modules in a row or column.

    N1 + i points for a run of 5 + i modules (Table 11).

    Args:
        rows: the symbol, one string of ``"0"`` (light) / ``"1"`` (dark) per row.
    """
    return sum(
        N1 + len(run.group()) - 5
        for line in list(rows) + _columns(rows)
        for run in _RUN.finditer(line)
    )


def penalty_blocks(rows: Sequence[str]) -> int:
    """Rule 2: N2 points for each 2 x 2 block of one colour (Table 11)."""
    score = 0
    for upper, lower in zip(rows, rows[1:]):
        for j in range(len(upper) - 1):
            if upper[j] == upper[j + 1] == lower[j] == lower[j + 1]:
                score += N2
    return score


def penalty_finder_like(rows: Sequence[str]) -> int:
    """Rule 3: N3 points for each 1:1:3:1:1 pattern with 4 light modules on a side.

    The pattern is dark-light-dark-dark-dark-light-dark in a row or column,
    preceded or followed by four light modules; beyond the symbol's edge is
    light (the quiet zone). Each pattern counts once.
    """
    score = 0
    for line in list(rows) + _columns(rows):
        padded = "0000" + line + "0000"
        for match in _FINDER_LIKE.finditer(padded):
            p = match.start()
            if padded[p - 4 : p] == "0000" or padded[p + 7 : p + 11] == "0000":
                score += N3
    return score


def penalty_balance(rows: Sequence[str]) -> int:
    """Rule 4: N4 points per full 5 % that the dark proportion deviates from 50 %."""
    total = sum(len(row) for row in rows)
    dark = sum(row.count("1") for row in rows)
    # k = floor(|100 * dark / total - 50| / 5), in integers.
    return N4 * (abs(20 * dark - 10 * total) // total)


def penalty(modules: Sequence[Sequence[Union[bool, int]]]) -> int:
    """Total penalty score of a symbol (§7.8.3, the four rules of Table 11)."""
    rows = ["".join("1" if m else "0" for m in row) for row in modules]
    return penalty_adjacent(rows) + penalty_blocks(rows) + penalty_finder_like(rows) + penalty_balance(rows)


# ---------------------------------------------------------------------------
# Checks and the whole procedure


def _check_version(version: object, name: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 40:
        raise UsageError(f"QR {name} must be an integer 1..40")


def _check_ecc(ecc: object) -> None:
    if not isinstance(ecc, str) or ecc not in ECC_LEVELS:
        raise UsageError(f"QR error correction level must be one of {', '.join(ECC_LEVELS)}")


def _check_mask(mask: object) -> None:
    if isinstance(mask, bool) or not isinstance(mask, int) or not 0 <= mask <= 7:
        raise UsageError("QR mask pattern reference must be an integer 0..7")


def encode(
    data: Union[bytes, bytearray, str],
    *,
    ecc: str = "M",
    min_version: int = 1,
    mask: Optional[int] = None,
    mode: Optional[str] = None,
) -> Symbol:
    """Encode ``data`` as a QR Code symbol.

    Args:
        data: the payload: ``bytes`` (any length that fits) or ``str``
              (UTF-8 in byte mode).
        ecc: error correction level ``"L"``, ``"M"``, ``"Q"`` or ``"H"``.
        min_version: the smallest version to use, 1..40; the smallest version
                     from here up that holds the payload is used.
        mask: a mask pattern reference 0..7 to force, or ``None`` to choose
              the lowest penalty (§7.8.3).
        mode: ``"numeric"``, ``"alphanumeric"`` or ``"byte"`` to force a mode,
              or ``None`` for the most compact one that fits all the data.

    Returns:
        The :class:`Symbol`.

    Raises:
        UsageError: bad argument types or values; a forced mode that cannot
            represent the data; a payload too long for version 40 at this
            level (e.g. more than 2953 bytes at L, 1273 at H).

    Spec: ISO/IEC 18004:2015 §7.1-7.10.
    """
    _check_ecc(ecc)
    _check_version(min_version, "min_version")
    if mask is not None:
        _check_mask(mask)
    mode, payload = _analyse(data, mode)

    version = next(
        (
            v
            for v in range(min_version, 41)
            if len(payload) < 1 << _count_indicator_bits(mode, v)
            and segment_bit_length(mode, len(payload), v) <= 8 * data_codeword_count(v, ecc)
        ),
        None,
    )
    if version is None:
        limit_bits = 8 * data_codeword_count(40, ecc)
        raise UsageError(
            f"QR payload too long: {len(payload)} {'bytes' if mode == 'byte' else 'characters'} "
            f"in {mode} mode need {segment_bit_length(mode, len(payload), 40)} bits; "
            f"version 40-{ecc} holds {limit_bits}"
        )

    message = final_message(data_codewords(mode, payload, version, ecc), version, ecc)
    bits = [(codeword >> shift) & 1 for codeword in message for shift in range(7, -1, -1)]
    order = _placement_order(version)
    # §7.6: remainder bits (zeros) fill the modules after the last codeword.
    bits.extend([0] * (len(order) - len(bits)))

    template = _template(version)[0]

    def masked(candidate: int) -> Grid:
        condition = MASK_PATTERNS[candidate]
        grid = [[int(m) for m in row] for row in template]
        for (row, col), bit in zip(order, bits):
            grid[row][col] = bit ^ condition(row, col)
        _draw_format(grid, ecc, candidate)
        _draw_version(grid, version)
        return grid

    if mask is None:
        # §7.8.3: the pattern with the lowest penalty; min() keeps the first,
        # i.e. the lowest reference, on a tie.
        chosen, grid = min(
            ((candidate, masked(candidate)) for candidate in range(8)),
            key=lambda pair: penalty(pair[1]),
        )
    else:
        chosen, grid = mask, masked(mask)
    return Symbol(
        version=version,
        ecc=ecc,
        mask=chosen,
        mode=mode,
        modules=tuple(tuple(bool(m) for m in row) for row in grid),
    )
