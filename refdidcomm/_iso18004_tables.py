"""The numbers of ISO/IEC 18004 (QR Code) that are facts, not rules: tables.

Everything here is transcribed from the standard's tables and annexes and is
cited by table or annex. Everything that the standard *derives* (the GF(256)
field, the Reed-Solomon generator polynomials, the BCH format and version
words, the number of codewords in a symbol, the block lengths) is computed in
:mod:`refdidcomm._iso18004_rs` and :mod:`refdidcomm._iso18004`, and the tests
compare the results with the published values.

Section and table numbers are those of ISO/IEC 18004:2015 (third edition).
The standard is not freely available; its numbers were checked against the
worked examples it publishes (Annex C, D, I), against independent public
tables, and by decoding every version at every level with a real decoder
(``tests/test_qr.py``). The titles of tables and annexes are given too, so they
can be found in the 2006 edition as well (where clause 7 was clause 6).
"""

from __future__ import annotations

from typing import Dict, Tuple

__all__ = [
    "VERSIONS",
    "ECC_LEVELS",
    "ECC_CODEWORDS_PER_BLOCK",
    "NUM_BLOCKS",
    "ALIGNMENT_POSITIONS",
    "MODE_INDICATOR",
    "TERMINATOR_BITS",
    "CHAR_COUNT_BITS",
    "ALPHANUMERIC_CHARSET",
    "PAD_CODEWORDS",
    "ECC_LEVEL_INDICATOR",
    "FORMAT_GENERATOR",
    "FORMAT_MASK",
    "VERSION_GENERATOR",
]

# §6.3.1: forty symbol sizes, Version 1 (21 x 21 modules) to Version 40
# (177 x 177), four modules more per side for each version.
VERSIONS = range(1, 41)

# §7.5.1: four levels of Reed-Solomon error correction, L, M, Q and H, that
# recover about 7 %, 15 %, 25 % and 30 % of the codewords.
ECC_LEVELS: Tuple[str, ...] = ("L", "M", "Q", "H")

# Table 9 -- Error correction characteristics for QR Code, per version 1..40:
# the number of error correction codewords in each block (every block of a
# symbol has the same number) ...
ECC_CODEWORDS_PER_BLOCK: Dict[str, Tuple[int, ...]] = {
    #      1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20
    #     21  22  23  24  25  26  27  28  29  30  31  32  33  34  35  36  37  38  39  40
    "L": (7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
          28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
          26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
          28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
          30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}

# ... and the number of error correction blocks (Table 9, the sum of its two
# "Number of error correction blocks" columns). The split into short and long
# blocks, (c, k, r) in the table, follows from these and the symbol's codeword
# count; _iso18004.block_structure derives it and the tests compare it with
# rows of Table 9.
NUM_BLOCKS: Dict[str, Tuple[int, ...]] = {
    #     1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20
    #    21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40
    "L": (1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
          8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
          17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
          23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
          25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}

# Annex E, Table E.1 -- Row/column coordinates of center module of alignment
# patterns. Index 0 is version 1 (no alignment pattern). §6.3.6: patterns are
# placed at every combination of these coordinates except the three that
# would overlap a finder pattern.
ALIGNMENT_POSITIONS: Tuple[Tuple[int, ...], ...] = (
    (),                                   # 1
    (6, 18),                              # 2
    (6, 22),                              # 3
    (6, 26),                              # 4
    (6, 30),                              # 5
    (6, 34),                              # 6
    (6, 22, 38),                          # 7
    (6, 24, 42),                          # 8
    (6, 26, 46),                          # 9
    (6, 28, 50),                          # 10
    (6, 30, 54),                          # 11
    (6, 32, 58),                          # 12
    (6, 34, 62),                          # 13
    (6, 26, 46, 66),                      # 14
    (6, 26, 48, 70),                      # 15
    (6, 26, 50, 74),                      # 16
    (6, 30, 54, 78),                      # 17
    (6, 30, 56, 82),                      # 18
    (6, 30, 58, 86),                      # 19
    (6, 34, 62, 90),                      # 20
    (6, 28, 50, 72, 94),                  # 21
    (6, 26, 50, 74, 98),                  # 22
    (6, 30, 54, 78, 102),                 # 23
    (6, 28, 54, 80, 106),                 # 24
    (6, 32, 58, 84, 110),                 # 25
    (6, 30, 58, 86, 114),                 # 26
    (6, 34, 62, 90, 118),                 # 27
    (6, 26, 50, 74, 98, 122),             # 28
    (6, 30, 54, 78, 102, 126),            # 29
    (6, 26, 52, 78, 104, 130),            # 30
    (6, 30, 56, 82, 108, 134),            # 31
    (6, 34, 60, 86, 112, 138),            # 32
    (6, 30, 58, 86, 114, 142),            # 33
    (6, 34, 62, 90, 118, 146),            # 34
    (6, 30, 54, 78, 102, 126, 150),       # 35
    (6, 24, 50, 76, 102, 128, 154),       # 36
    (6, 28, 54, 80, 106, 132, 158),       # 37
    (6, 32, 58, 84, 110, 136, 162),       # 38
    (6, 26, 54, 82, 110, 138, 166),       # 39
    (6, 30, 58, 86, 114, 142, 170),       # 40
)

# Table 2 -- Mode indicators (4 bits each in QR Code symbols).
MODE_INDICATOR: Dict[str, int] = {
    "numeric": 0b0001,
    "alphanumeric": 0b0010,
    "byte": 0b0100,
}
# Table 2: the terminator (end of message) is 0000. §7.4.9: it is shortened or
# omitted when fewer than 4 bits of the symbol's data capacity remain.
TERMINATOR_BITS = 4

# Table 3 -- Number of bits in character count indicator for QR Code, for
# versions 1 to 9, 10 to 26 and 27 to 40.
CHAR_COUNT_BITS: Dict[str, Tuple[int, int, int]] = {
    "numeric": (10, 12, 14),
    "alphanumeric": (9, 11, 13),
    "byte": (8, 16, 16),
}

# Table 5 -- Encoding/decoding table for Alphanumeric mode: each character's
# value is its index here (0-9, A-Z, then SP $ % * + - . / :).
ALPHANUMERIC_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

# §7.4.10: after the terminator and zero bits up to a codeword boundary, the
# data capacity of the symbol is filled with the pad codewords 11101100 and
# 00010001, alternately.
PAD_CODEWORDS: Tuple[int, int] = (0b11101100, 0b00010001)

# Table 12 -- Error correction level indicators for QR Code symbols
# (the first two of the five format information data bits, §7.9.1).
ECC_LEVEL_INDICATOR: Dict[str, int] = {"L": 0b01, "M": 0b00, "Q": 0b11, "H": 0b10}

# §7.9.1 and Annex C: the format information is a (15, 5) BCH code with the
# generator polynomial G(x) = x^10 + x^8 + x^5 + x^4 + x^2 + x + 1 ...
FORMAT_GENERATOR = (1 << 10) | (1 << 8) | (1 << 5) | (1 << 4) | (1 << 2) | (1 << 1) | 1
# ... and the 15 bits are XORed with the mask pattern 101010000010010 so that
# no combination of level and mask gives an all-zero string.
FORMAT_MASK = 0b101010000010010

# §7.10 and Annex D: the version information is an (18, 6) BCH code with the
# generator polynomial G(x) = x^12 + x^11 + x^10 + x^9 + x^8 + x^5 + x^2 + 1;
# it is not masked.
VERSION_GENERATOR = (
    (1 << 12) | (1 << 11) | (1 << 10) | (1 << 9) | (1 << 8) | (1 << 5) | (1 << 2) | 1
)
