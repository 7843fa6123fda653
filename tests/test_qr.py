"""Tests for refdidcomm.qr (ISO/IEC 18004 encoder and renderers).

Three kinds:

* vectors/qr.json: the standard's published numbers and worked examples
  (Annex A, C, D, I; Tables 1, 7, 9) and the Thonky "HELLO WORLD" example;
* structure, checked without a decoder: function patterns, format and version
  information read back from the matrix, placement and masking undone by
  hand, the penalty rules on small hand-scored grids, the PNG chunks and
  CRCs, the SVG as XML, the terminal text;
* decoding with a real decoder, ``zbarimg`` (Debian zbar-tools, installed by
  ``.ci/qr-deps``), of the PNGs: invitation URLs up to about 2 KB at L/M/Q/H,
  alphanumeric and numeric mode, every version 1-40, forced masks 0-7.
  These skip, with the reason, where zbarimg is not installed.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from typing import Dict, List, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refdidcomm import _iso18004, _iso18004_rs, _iso18004_tables, _qr_render, qr
from refdidcomm.errors import UsageError

from conftest import load_vectors

VECTORS = load_vectors("qr")


def cases(op: str, result: str = "valid"):
    selected = [c for c in VECTORS["cases"] if c["op"] == op and c["result"] == result]
    assert selected, f"no {result} {op} vectors"
    return pytest.mark.parametrize("case", selected, ids=[f"tc{c['tcId']}" for c in selected])


def payload_of(case: Dict) -> str:
    if "payload" in case:
        return case["payload"]["repeat_utf8"] * case["payload"]["count"]
    return case["payload_utf8"]


def invitation_url(label_length: int) -> str:
    """An Aries OOB 1.1 invitation URL (?oob=, unpadded base64url) of a chosen size."""
    invitation = {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "@id": "69212a3a-d068-4f9d-a2dd-4741bca89af3",
        "label": "Faber College " + "x" * label_length,
        "handshake_protocols": ["https://didcomm.org/didexchange/1.0"],
        "services": [
            {
                "id": "#inline",
                "type": "did-communication",
                "recipientKeys": ["did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"],
                "serviceEndpoint": "https://example.com/endpoint",
            }
        ],
    }
    raw = json.dumps(invitation, separators=(",", ":")).encode()
    return "https://example.com/?oob=" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


SHORT_URL = invitation_url(0)
URL_1K = invitation_url(400)
URL_2K = invitation_url(1140)


def test_invitation_payload_sizes():
    assert 400 < len(SHORT_URL) < 600
    assert 1000 < len(URL_1K) < 1100
    assert 2000 <= len(URL_2K) <= 2100


# ---------------------------------------------------------------------------
# Vectors: Reed-Solomon, data codewords, BCH words, capacities


@cases("rs_generator")
def test_generator_polynomials_annex_a(case):
    g = _iso18004_rs.GENERATORS[case["n"]]
    assert [_iso18004_rs.LOG[c] for c in g] == case["alpha_exponents"]
    if "coefficients" in case:
        assert bytes(g).hex() == case["coefficients"]


@cases("rs")
def test_reed_solomon_published_examples(case):
    data = list(bytes.fromhex(case["data"]))
    assert bytes(_iso18004_rs.rs_remainder(data, case["n"])).hex() == case["ec"]


@cases("data_codewords")
def test_data_codewords_published_examples(case):
    payload = case["payload_utf8"]
    assert _iso18004.choose_mode(payload) == case["mode"]
    codewords = _iso18004.data_codewords(case["mode"], payload, case["version"], case["ecc"])
    assert bytes(codewords).hex() == case["codewords"]
    # The whole symbol uses the same codewords.
    code = qr.encode(payload, ecc=case["ecc"])
    assert (code.version, code.mode) == (case["version"], case["mode"])


@cases("format_information")
def test_format_information_annex_c(case):
    assert format(_iso18004.format_information(case["ecc"], case["mask"]), "015b") == case["bits"]


@cases("version_information")
def test_version_information_annex_d(case):
    assert format(_iso18004.version_information(case["version"]), "018b") == case["bits"]


@cases("codewords")
def test_codewords_table_1(case):
    assert _iso18004.total_codewords(case["version"]) == case["total_codewords"]
    assert _iso18004.remainder_bits(case["version"]) == case["remainder_bits"]


@cases("blocks")
def test_block_structure_table_9(case):
    groups = _iso18004.block_structure(case["version"], case["ecc"])
    assert [list(g) for g in groups] == case["groups"]


def capacity(mode: str, version: int, ecc: str) -> int:
    """Most characters of ``mode`` that encode() fits into ``version`` (binary search)."""
    unit = {"numeric": "7", "alphanumeric": "A", "byte": "a"}[mode]
    low, high = 0, 8000
    while low < high:
        mid = (low + high + 1) // 2
        try:
            fits = _iso18004.encode(unit * mid, ecc=ecc, min_version=version, mask=0).version == version
        except UsageError:
            fits = False
        if fits:
            low = mid
        else:
            high = mid - 1
    return low


@cases("capacity")
def test_capacity_table_7(case):
    version, ecc = case["version"], case["ecc"]
    assert _iso18004.data_codeword_count(version, ecc) == case["data_codewords"]
    for mode in ("numeric", "alphanumeric", "byte"):
        assert capacity(mode, version, ecc) == case[mode], mode


@cases("encode", "invalid")
def test_invalid_encode_calls(case):
    kwargs = {k: case[k] for k in ("ecc", "min_version", "mask", "mode") if k in case}
    payload = payload_of(case)
    if "expected_mode" in case:
        assert _iso18004.choose_mode(payload) == case["expected_mode"]
        # One character or byte less fits exactly into version 40.
        assert qr.encode(payload[:-1], **kwargs).version == 40
    with pytest.raises(UsageError):
        qr.encode(payload, **kwargs)


# ---------------------------------------------------------------------------
# GF(256) and Reed-Solomon properties


def test_gf256_tables_from_primitive_polynomial():
    exp, log = _iso18004_rs.EXP, _iso18004_rs.LOG
    assert _iso18004_rs.PRIMITIVE_POLYNOMIAL == 0x11D
    assert exp[:9] == (1, 2, 4, 8, 16, 32, 64, 128, 0x1D)  # alpha^8 = x^4 + x^3 + x^2 + 1
    assert sorted(exp[:255]) == list(range(1, 256))  # alpha is primitive
    assert all(log[exp[i]] == i for i in range(255))
    assert exp[255] == 1 and exp[255:510] == exp[:255]
    # gf_mul against carry-less multiplication reduced by 0x11d.
    rng = random.Random(18004)
    for _ in range(500):
        a, b = rng.randrange(256), rng.randrange(256)
        product = 0
        for bit in range(8):
            if b >> bit & 1:
                product ^= a << bit
        for bit in range(14, 7, -1):
            if product >> bit & 1:
                product ^= 0x11D << (bit - 8)
        assert _iso18004_rs.gf_mul(a, b) == product


def _evaluate(poly: Sequence[int], x: int) -> int:
    value = 0
    for coefficient in poly:
        value = _iso18004_rs.gf_mul(value, x) ^ coefficient
    return value


def test_generators_have_roots_alpha_0_to_n_minus_1():
    assert sorted(_iso18004_rs.GENERATORS) == [7, 10, 13, 15, 16, 17, 18, 20, 22, 24, 26, 28, 30]
    for n, g in _iso18004_rs.GENERATORS.items():
        assert len(g) == n + 1 and g[0] == 1
        assert all(_evaluate(g, _iso18004_rs.EXP[i]) == 0 for i in range(n))
        assert _evaluate(g, _iso18004_rs.EXP[n]) != 0


@pytest.mark.parametrize("n", [7, 10, 13, 15, 16, 17, 18, 20, 22, 24, 26, 28, 30])
def test_codeword_polynomial_vanishes_at_the_roots(n):
    rng = random.Random(n)
    for length in (1, 15, 16, 17, 63, 64, 65, 123):
        data = [rng.randrange(256) for _ in range(length)]
        codeword = data + _iso18004_rs.rs_remainder(data, n)
        assert all(_evaluate(codeword, _iso18004_rs.EXP[i]) == 0 for i in range(n))
        # One flipped byte is no codeword any more.
        codeword[rng.randrange(len(codeword))] ^= 1 + rng.randrange(255)
        assert any(_evaluate(codeword, _iso18004_rs.EXP[i]) != 0 for i in range(n))


def test_rs_errors():
    for n in (0, 69, -1, True, 7.0, "7"):
        with pytest.raises(UsageError):
            _iso18004_rs.generator_polynomial(n)  # type: ignore[arg-type]
    for bad in ([256], [-1], [True], [1.0], ["a"]):
        with pytest.raises(UsageError):
            _iso18004_rs.rs_remainder(bad, 10)  # type: ignore[arg-type]
    for n in (0, 69, True, 7.0, "7", None):
        with pytest.raises(UsageError):
            _iso18004_rs.rs_remainder([1, 2, 3], n)  # type: ignore[arg-type]
    for data in (None, 5, "abc", {1, 2}):
        with pytest.raises(UsageError):
            _iso18004_rs.rs_remainder(data, 10)  # type: ignore[arg-type]
    assert _iso18004_rs.rs_remainder(b"\x01\x02\x03", 7) == _iso18004_rs.rs_remainder([1, 2, 3], 7)
    assert _iso18004_rs.rs_remainder([], 10) == [0] * 10
    assert len(_iso18004_rs.rs_remainder([1, 2, 3], 5)) == 5  # a degree Table 9 does not use


# ---------------------------------------------------------------------------
# BCH words: all distinct and as far apart as the codes promise


def _distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def test_format_words_are_a_bch_15_5_code():
    words = [_iso18004.format_information(e, m) for e in "LMQH" for m in range(8)]
    assert len(set(words)) == 32
    assert 0 not in words  # the 101010000010010 mask's purpose
    assert min(_distance(a, b) for a in words for b in words if a != b) == 7
    unmasked = {w ^ _iso18004_tables.FORMAT_MASK for w in words}
    assert _iso18004_tables.FORMAT_MASK == 0x5412
    assert all(_iso18004._bch_remainder(w >> 10, 5, _iso18004_tables.FORMAT_GENERATOR) == w & 0x3FF for w in unmasked)


def test_version_words_are_a_bch_18_6_code():
    words = [_iso18004.version_information(v) for v in range(7, 41)]
    assert [w >> 12 for w in words] == list(range(7, 41))
    assert min(_distance(a, b) for a in words for b in words if a != b) == 8


def test_bch_errors():
    for ecc in ("m", "", None, 1):
        with pytest.raises(UsageError):
            _iso18004.format_information(ecc, 0)  # type: ignore[arg-type]
    for mask in (-1, 8, True, "1", 1.0):
        with pytest.raises(UsageError):
            _iso18004.format_information("M", mask)  # type: ignore[arg-type]
    for version in (1, 6, 0, 41, True, "7"):
        with pytest.raises(UsageError):
            _iso18004.version_information(version)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Structure of the matrix


FINDER = [
    "1111111",
    "1000001",
    "1011101",
    "1011101",
    "1011101",
    "1000001",
    "1111111",
]
ALIGNMENT = ["11111", "10001", "10101", "10001", "11111"]


def rows_of(modules: Sequence[Sequence[bool]]) -> List[str]:
    return ["".join("1" if m else "0" for m in row) for row in modules]


def read_format(modules: Sequence[Sequence[bool]]) -> Tuple[int, int]:
    """Both 15-bit format copies, bit 14 first, at the places of Figure 25."""
    n = len(modules)
    copy1 = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    copy2 = [(r, 8) for r in range(n - 1, n - 8, -1)] + [(8, c) for c in range(n - 8, n)]
    return tuple(  # type: ignore[return-value]
        int("".join("1" if modules[r][c] else "0" for r, c in copy), 2) for copy in (copy1, copy2)
    )


def read_version(modules: Sequence[Sequence[bool]]) -> Tuple[int, int]:
    """Both 18-bit version copies (Figure 27): bit i at (i // 3, n - 11 + i % 3) and transposed."""
    n = len(modules)
    upper = sum(modules[i // 3][n - 11 + i % 3] << i for i in range(18))
    lower = sum(modules[n - 11 + i % 3][i // 3] << i for i in range(18))
    return upper, lower


@pytest.mark.parametrize("version", [1, 2, 6, 7, 13, 14, 21, 27, 28, 35, 40])
def test_function_patterns(version):
    code = qr.encode("x", ecc="Q", min_version=version)
    assert code.version == version
    n = code.size
    assert n == 4 * version + 17 == len(code.modules) and all(len(r) == n for r in code.modules)
    rows = rows_of(code.modules)
    # §6.3.3 finders and §6.3.4 separators.
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert [rows[top + i][left : left + 7] for i in range(7)] == FINDER
    assert rows[7][:8] == rows[7][n - 8 :] == rows[n - 8][:8] == "0" * 8
    assert all(rows[i][7] == "0" and rows[i][n - 8] == "0" and rows[n - 1 - i][7] == "0" for i in range(8))
    # §6.3.5 timing patterns.
    expected_timing = "".join("1" if i % 2 == 0 else "0" for i in range(8, n - 8))
    assert rows[6][8 : n - 8] == expected_timing
    assert "".join(rows[i][6] for i in range(8, n - 8)) == expected_timing
    # §7.9.1 the dark module.
    assert code.modules[4 * version + 9][8] is True
    # §6.3.6 alignment patterns at every Annex E pair except the finders' corners.
    positions = _iso18004_tables.ALIGNMENT_POSITIONS[version - 1]
    centres = [(r, c) for r in positions for c in positions]
    if positions:
        skipped = {(positions[0], positions[0]), (positions[0], positions[-1]), (positions[-1], positions[0])}
        centres = [rc for rc in centres if rc not in skipped]
    assert len(centres) == (0 if version == 1 else len(positions) ** 2 - 3)
    for r, c in centres:
        assert [rows[r + i][c - 2 : c + 3] for i in range(-2, 3)] == ALIGNMENT
    # §7.9.1 format information (both copies) and §7.10 version information.
    assert read_format(code.modules) == (_iso18004.format_information("Q", code.mask),) * 2
    if version >= 7:
        assert read_version(code.modules) == (_iso18004.version_information(version),) * 2


def test_alignment_positions_annex_e_shape():
    for version, positions in enumerate(_iso18004_tables.ALIGNMENT_POSITIONS, start=1):
        if version == 1:
            assert positions == ()
            continue
        n = 4 * version + 17
        assert len(positions) == version // 7 + 2
        assert positions[0] == 6 and positions[-1] == n - 7
        steps = [b - a for a, b in zip(positions, positions[1:])]
        # Evenly spaced by an even step from the last one back; the first gap
        # takes up the rest and is smaller -- except at version 32, whose row
        # (6, 34, 60, 86, 112, 138) has a first gap of 28 and steps of 26.
        # zbarimg reading version 32 (test_zbar_reads_every_version) confirms it.
        assert all(s == steps[-1] and s % 2 == 0 for s in steps[1:])
        assert 0 < steps[0] <= steps[-1] or (version, steps[0], steps[-1]) == (32, 28, 26)


def test_table_9_shape():
    for ecc in "LMQH":
        assert len(_iso18004_tables.ECC_CODEWORDS_PER_BLOCK[ecc]) == 40
        assert len(_iso18004_tables.NUM_BLOCKS[ecc]) == 40
        for version in range(1, 41):
            groups = _iso18004.block_structure(version, ecc)
            assert sum(count * c for count, c, _k in groups) == _iso18004.total_codewords(version)
            assert sum(count for count, _c, _k in groups) == _iso18004_tables.NUM_BLOCKS[ecc][version - 1]
            if len(groups) == 2:
                assert groups[1][1:] == (groups[0][1] + 1, groups[0][2] + 1)
    # More error correction leaves fewer data codewords, at every version.
    for version in range(1, 41):
        counts = [_iso18004.data_codeword_count(version, e) for e in "LMQH"]
        assert counts == sorted(counts, reverse=True) and len(set(counts)) == 4


def test_function_module_counts():
    # Version 1: 3 finders with separators (3 x 64), timing 2 x 5, dark module,
    # format areas 2 x 15 -> 233 function modules, 208 = 26 x 8 data modules.
    _modules, occupied = _iso18004.function_patterns(1)
    assert sum(row.count(True) for row in occupied) == 233
    assert _iso18004.raw_data_modules(1) == 208
    # Version 7 adds the two 18-module version areas and 6 alignment patterns.
    assert _iso18004.raw_data_modules(7) == 196 * 8
    with pytest.raises(UsageError):
        _iso18004.function_patterns(41)


def undo_symbol(code: qr.QRCode) -> List[int]:
    """Read the codewords back: unmask with Table 10 and follow the §7.7.3 zigzag."""
    n = code.size
    _modules, occupied = _iso18004.function_patterns(code.version)
    condition = _iso18004.MASK_PATTERNS[code.mask]
    bits = []
    right, upward = n - 1, True
    while right >= 1:
        if right == 6:
            right = 5
        for row in range(n - 1, -1, -1) if upward else range(n):
            for col in (right, right - 1):
                if not occupied[row][col]:
                    bits.append(int(code.modules[row][col]) ^ int(condition(row, col)))
        upward, right = not upward, right - 2
    total = _iso18004.total_codewords(code.version)
    assert len(bits) == 8 * total + _iso18004.remainder_bits(code.version)
    assert bits[8 * total :] == [0] * _iso18004.remainder_bits(code.version)
    return [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, 8 * total, 8)]


def deinterleave(message: Sequence[int], version: int, ecc: str) -> Tuple[List[List[int]], List[List[int]]]:
    """§7.6 backwards: the data and error correction codewords of each block."""
    groups = _iso18004.block_structure(version, ecc)
    lengths = [k for count, _c, k in groups for _ in range(count)]
    ecc_length = groups[0][1] - groups[0][2]
    data: List[List[int]] = [[] for _ in lengths]
    it = iter(message)
    for i in range(max(lengths)):
        for b, k in enumerate(lengths):
            if i < k:
                data[b].append(next(it))
    ec: List[List[int]] = [[] for _ in lengths]
    for _ in range(ecc_length):
        for b in range(len(lengths)):
            ec[b].append(next(it))
    assert next(it, None) is None
    return data, ec


@pytest.mark.parametrize("mask", range(8))
@pytest.mark.parametrize("version,ecc", [(1, "M"), (5, "Q"), (7, "H"), (10, "L"), (40, "H")])
def test_placement_and_masks_read_back(version, ecc, mask):
    payload = "HELLO WORLD 0123"
    code = qr.encode(payload, ecc=ecc, min_version=version, mask=mask)
    assert (code.version, code.mask, code.mode) == (version, mask, "alphanumeric")
    message = undo_symbol(code)
    expected_data = _iso18004.data_codewords("alphanumeric", payload, version, ecc)
    assert message == _iso18004.final_message(expected_data, version, ecc)
    data, ec = deinterleave(message, version, ecc)
    assert sum(data, []) == expected_data
    for block, block_ec in zip(data, ec):
        assert _iso18004_rs.rs_remainder(block, len(block_ec)) == block_ec


def test_mask_patterns_table_10():
    # Row 0 and column 0 of each pattern, written out from Table 10's conditions.
    expected_row0 = ["101010", "111111", "100100", "100100", "111000", "111111", "111111", "101010"]
    expected_row1 = ["010101", "000000", "100100", "001001", "111000", "100000", "111000", "000111"]
    for m, pattern in enumerate(_iso18004.MASK_PATTERNS):
        assert "".join("1" if pattern(0, j) else "0" for j in range(6)) == expected_row0[m]
        assert "".join("1" if pattern(1, j) else "0" for j in range(6)) == expected_row1[m]


# ---------------------------------------------------------------------------
# Penalty rules (§7.8.3, Table 11) on grids scored by hand


def test_penalty_rule_1_adjacent_modules():
    assert _iso18004.penalty_adjacent(["1111"]) == 0
    assert _iso18004.penalty_adjacent(["11111"]) == 3
    assert _iso18004.penalty_adjacent(["1111111"]) == 3 + 2
    assert _iso18004.penalty_adjacent(["000001111100000"]) == 3 * 3
    # Columns count too: a 5 x 1 grid has one run of five in its column.
    assert _iso18004.penalty_adjacent(["1", "1", "1", "1", "1"]) == 3
    # A 5 x 5 all-light grid: five rows and five columns of five.
    assert _iso18004.penalty_adjacent(["00000"] * 5) == 10 * 3


def test_penalty_rule_2_blocks():
    assert _iso18004.penalty_blocks(["10", "01"]) == 0
    assert _iso18004.penalty_blocks(["11", "11"]) == 3
    # An m x n block of one colour scores N2 (m - 1)(n - 1).
    assert _iso18004.penalty_blocks(["111", "111", "111"]) == 3 * 2 * 2
    assert _iso18004.penalty_blocks(["0000", "0000"]) == 3 * 1 * 3
    assert _iso18004.penalty_blocks(["110", "110", "001"]) == 3


def test_penalty_rule_3_finder_like():
    assert _iso18004.penalty_finder_like(["00001011101"]) == 40
    assert _iso18004.penalty_finder_like(["10111010000"]) == 40
    # Light beyond the edge counts as light (quiet zone); counted once.
    assert _iso18004.penalty_finder_like(["1011101"]) == 40
    assert _iso18004.penalty_finder_like(["000010111010000"]) == 40
    # Two overlapping patterns, each with light on one side.
    assert _iso18004.penalty_finder_like(["10111011101"]) == 80
    # Only three light modules on each side.
    assert _iso18004.penalty_finder_like(["1" + "000" + "1011101" + "000" + "1"]) == 0
    # A column counts too.
    assert _iso18004.penalty_finder_like(list("1011101")) == 40
    assert _iso18004.penalty_finder_like(["1011001"]) == 0


def test_penalty_rule_4_balance():
    def grid(dark: int) -> List[str]:
        flat = "1" * dark + "0" * (100 - dark)
        return [flat[i : i + 10] for i in range(0, 100, 10)]

    assert _iso18004.penalty_balance(grid(50)) == 0
    assert _iso18004.penalty_balance(grid(54)) == 0
    assert _iso18004.penalty_balance(grid(55)) == 10
    assert _iso18004.penalty_balance(grid(45)) == 10
    assert _iso18004.penalty_balance(grid(46)) == 0
    assert _iso18004.penalty_balance(grid(61)) == 20
    assert _iso18004.penalty_balance(grid(0)) == 100
    assert _iso18004.penalty_balance(grid(100)) == 100


def test_penalty_is_the_sum_of_the_rules():
    code = qr.encode("sum of the rules", ecc="L")
    rows = rows_of(code.modules)
    assert _iso18004.penalty(code.modules) == (
        _iso18004.penalty_adjacent(rows)
        + _iso18004.penalty_blocks(rows)
        + _iso18004.penalty_finder_like(rows)
        + _iso18004.penalty_balance(rows)
    )


@pytest.mark.parametrize("payload,ecc", [("HELLO WORLD", "M"), (SHORT_URL, "Q"), ("0" * 50, "H"), (URL_1K, "L")])
def test_automatic_mask_has_the_lowest_penalty(payload, ecc):
    chosen = qr.encode(payload, ecc=ecc)
    scores = [_iso18004.penalty(qr.encode(payload, ecc=ecc, mask=m).modules) for m in range(8)]
    assert chosen.mask == scores.index(min(scores))
    assert chosen == qr.encode(payload, ecc=ecc, mask=chosen.mask)


# ---------------------------------------------------------------------------
# Modes and versions


def test_mode_choice():
    assert qr.encode("01234567").mode == "numeric"
    assert qr.encode(b"01234567").mode == "numeric"
    assert qr.encode("HELLO WORLD $%*+-./:").mode == "alphanumeric"
    assert qr.encode(b"HTTPS://EXAMPLE.COM/").mode == "alphanumeric"
    assert qr.encode("Hello").mode == "byte"
    assert qr.encode(b"\x00\xff").mode == "byte"
    assert qr.encode("héllo").mode == "byte"
    assert qr.encode("HELLO", mode="byte").mode == "byte"
    assert qr.encode("123", mode="alphanumeric").mode == "alphanumeric"
    assert qr.encode(bytearray(b"12")).mode == "numeric"
    assert qr.encode("").version == 1


def test_str_and_utf8_bytes_give_the_same_symbol():
    assert qr.encode("héllo ✓") == qr.encode("héllo ✓".encode())
    assert qr.encode("HELLO") == qr.encode(b"HELLO")


@pytest.mark.parametrize("ecc,byte_v1", [("L", 17), ("M", 14), ("Q", 11), ("H", 7)])
def test_smallest_version_that_fits(ecc, byte_v1):
    assert qr.encode("a" * byte_v1, ecc=ecc).version == 1
    assert qr.encode("a" * (byte_v1 + 1), ecc=ecc).version == 2
    assert qr.encode("a" * byte_v1, ecc=ecc, min_version=3).version == 3


def test_character_count_indicator_grows_at_version_10_and_27():
    # 9-L holds 230 bytes with an 8-bit count; 10-L needs a 16-bit count.
    assert _iso18004.segment_bit_length("byte", 1, 9) == 4 + 8 + 8
    assert _iso18004.segment_bit_length("byte", 1, 10) == 4 + 16 + 8
    assert _iso18004.segment_bit_length("numeric", 3, 27) == 4 + 14 + 10
    assert _iso18004.segment_bit_length("alphanumeric", 3, 26) == 4 + 11 + 11 + 6
    assert qr.encode("a" * 230, ecc="L").version == 9
    assert qr.encode("a" * 231, ecc="L").version == 10


def test_qrcode_is_frozen_and_deterministic():
    code = qr.encode(SHORT_URL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.version = 2  # type: ignore[misc]
    assert isinstance(code.modules, tuple) and all(isinstance(r, tuple) for r in code.modules)
    assert all(type(m) is bool for row in code.modules for m in row)
    assert code == qr.encode(SHORT_URL)
    assert "modules" not in repr(code) and "version=" in repr(code)
    assert qr.__all__ == ["ECC_LEVELS", "QRCode", "encode"]
    assert qr.ECC_LEVELS == ("L", "M", "Q", "H")


# ---------------------------------------------------------------------------
# Negative cases


@pytest.mark.parametrize("data", [1, None, ["a"], memoryview(b"a"), 1.5])
def test_bad_payload_type(data):
    with pytest.raises(UsageError):
        qr.encode(data)  # type: ignore[arg-type]


def test_lone_surrogate():
    with pytest.raises(UsageError):
        qr.encode("\ud800")


@pytest.mark.parametrize("ecc", ["m", "l", "X", "", "LM", None, 1, b"M"])
def test_bad_level(ecc):
    with pytest.raises(UsageError):
        qr.encode("x", ecc=ecc)  # type: ignore[arg-type]


@pytest.mark.parametrize("min_version", [0, 41, -1, True, False, "1", 1.0, None])
def test_bad_min_version(min_version):
    with pytest.raises(UsageError):
        qr.encode("x", min_version=min_version)  # type: ignore[arg-type]


@pytest.mark.parametrize("mask", [-1, 8, True, False, "0", 1.5])
def test_bad_mask(mask):
    with pytest.raises(UsageError):
        qr.encode("x", mask=mask)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data,mode",
    [("x", "kanji"), ("x", "BYTE"), ("x", 1), ("12a", "numeric"), ("1 2", "numeric"), ("hello", "alphanumeric"),
     (b"\xff", "alphanumeric"), (b"\xff", "numeric"), ("É", "alphanumeric")],
)
def test_bad_or_mismatched_mode(data, mode):
    with pytest.raises(UsageError):
        qr.encode(data, mode=mode)  # type: ignore[arg-type]


def test_oversize_at_every_level_and_the_exact_limit():
    limits = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
    for ecc, limit in limits.items():
        assert qr.encode(b"a" * limit, ecc=ecc).version == 40
        with pytest.raises(UsageError, match="too long"):
            qr.encode(b"a" * (limit + 1), ecc=ecc)
    # About 2 KB fits only at L and M.
    for ecc in "QH":
        with pytest.raises(UsageError):
            qr.encode(URL_2K, ecc=ecc)


def test_internal_helpers_reject_bad_input():
    with pytest.raises(UsageError):
        _iso18004.data_codewords("byte", b"a" * 18, 1, "L")  # does not fit 1-L
    with pytest.raises(UsageError):
        _iso18004.data_codewords("numeric", "12a", 1, "L")
    with pytest.raises(UsageError):
        _iso18004.data_codewords("kanji", "1", 1, "L")
    with pytest.raises(UsageError):
        _iso18004.final_message([0] * 15, 1, "M")  # 1-M has 16 data codewords
    for version in (0, 41, True):
        with pytest.raises(UsageError):
            _iso18004.total_codewords(version)
    with pytest.raises(UsageError):
        _iso18004.block_structure(1, "m")
    for mode, count, version in (("kanji", 1, 1), ("byte", -1, 1), ("byte", True, 1), ("byte", 1, 0), ("byte", 1.0, 1)):
        with pytest.raises(UsageError):
            _iso18004.segment_bit_length(mode, count, version)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Renderers


def png_chunks(png: bytes) -> List[Tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        chunks.append((kind, data))
        pos += 12 + length
    assert pos == len(png)
    return chunks


def padded(modules: Sequence[Sequence[bool]], quiet: int) -> List[List[bool]]:
    n = len(modules)
    inside = range(quiet, quiet + n)
    return [
        [r in inside and c in inside and modules[r - quiet][c - quiet] for c in range(n + 2 * quiet)]
        for r in range(n + 2 * quiet)
    ]


@pytest.mark.parametrize("scale,quiet", [(1, 0), (1, 4), (3, 2), (4, 4), (5, 1)])
def test_png_structure_and_pixels(scale, quiet):
    code = qr.encode("PNG check", ecc="H", min_version=2)
    png = code.to_png(scale=scale, quiet=quiet)
    chunks = png_chunks(png)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width = (code.size + 2 * quiet) * scale
    assert chunks[0][1] == struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    assert chunks[2][1] == b""
    raw = zlib.decompress(chunks[1][1])
    stride = 1 + (width + 7) // 8
    assert len(raw) == width * stride
    expected = padded(code.modules, quiet)
    for y in range(width):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0  # filter type None
        bits = "".join(format(byte, "08b") for byte in line[1:])
        pixels = [bit == "0" for bit in bits[:width]]  # 0 is black, a dark module
        assert pixels == [expected[y // scale][x // scale] for x in range(width)]


def test_png_corruption_is_visible_to_the_crc():
    png = bytearray(qr.encode("crc").to_png())
    png[40] ^= 1  # a byte inside IDAT
    with pytest.raises(AssertionError):
        png_chunks(bytes(png))


def parse_svg_path(d: str, width: int) -> List[List[bool]]:
    grid = [[False] * width for _ in range(width)]
    for x, y, run, back in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d):
        assert run == back
        for i in range(int(run)):
            assert not grid[int(y)][int(x) + i]
            grid[int(y)][int(x) + i] = True
    assert re.sub(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", "", d) == ""
    return grid


@pytest.mark.parametrize("scale,quiet", [(1, 0), (4, 4), (10, 2)])
def test_svg_is_well_formed_and_exact(scale, quiet):
    code = qr.encode(SHORT_URL, ecc="M")
    svg = code.to_svg(scale=scale, quiet=quiet)
    root = ET.fromstring(svg.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    width = code.size + 2 * quiet
    assert root.get("width") == root.get("height") == str(width * scale)
    assert root.get("viewBox") == f"0 0 {width} {width}"
    rect, path = list(root)
    assert rect.tag == ns + "rect" and rect.get("fill") == "#ffffff" and rect.get("width") == str(width)
    assert path.tag == ns + "path" and path.get("fill") == "#000000"
    assert parse_svg_path(path.get("d"), width) == padded(code.modules, quiet)


def parse_terminal(text: str, invert: bool) -> List[List[bool]]:
    top = {" ": False, "\u2580": True, "\u2584": False, "\u2588": True}
    bottom = {" ": False, "\u2580": False, "\u2584": True, "\u2588": True}
    grid = []
    for line in text.split("\n"):
        grid.append([top[ch] != invert for ch in line])
        grid.append([bottom[ch] != invert for ch in line])
    return grid


@pytest.mark.parametrize("quiet", [0, 1, 4])
@pytest.mark.parametrize("invert", [False, True])
def test_terminal_half_blocks(quiet, invert):
    code = qr.encode("TERMINAL", ecc="L")
    text = code.to_terminal(quiet=quiet, invert=invert)
    assert text.endswith("\n") and set(text) <= {" ", "\u2580", "\u2584", "\u2588", "\n"}
    lines = text[:-1].split("\n")
    width = code.size + 2 * quiet
    assert len(lines) == (width + 1) // 2 and all(len(line) == width for line in lines)
    grid = parse_terminal(text[:-1], invert)
    expected = padded(code.modules, quiet)
    assert grid[:width] == expected
    if width % 2:  # the extra row at the bottom is light
        assert grid[width] == [False] * width
    if quiet >= 2:  # the first text line is all quiet zone
        assert lines[0] == ("\u2588" if invert else " ") * width


@pytest.mark.parametrize("bad", [0, -1, 65, True, 1.5, "4", None])
def test_renderers_reject_bad_scale(bad):
    code = qr.encode("x")
    with pytest.raises(UsageError):
        code.to_png(scale=bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        code.to_svg(scale=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 65, True, 1.5, "4", None])
def test_renderers_reject_bad_quiet(bad):
    code = qr.encode("x")
    for render in (code.to_png, code.to_svg, code.to_terminal):
        with pytest.raises(UsageError):
            render(quiet=bad)  # type: ignore[arg-type]


def test_renderers_reject_bad_invert_and_modules():
    with pytest.raises(UsageError):
        qr.encode("x").to_terminal(invert=1)  # type: ignore[arg-type]
    for modules in ([], [[True, False]], [[True], [False, True]]):
        for render in (_qr_render.to_png, _qr_render.to_svg, _qr_render.to_terminal):
            with pytest.raises(UsageError):
                render(modules)


# ---------------------------------------------------------------------------
# Decoding with zbarimg


ZBARIMG = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(
    ZBARIMG is None, reason="zbarimg is not installed (Debian package zbar-tools; .ci/qr-deps installs it)"
)


def zbar(png: bytes, tmp_path) -> bytes:
    """The payload zbarimg reads from a PNG; -Sbinary returns the bytes as encoded."""
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    proc = subprocess.run(
        [ZBARIMG, "--raw", "-q", "-Sbinary", str(path)], capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"zbarimg found no symbol (exit {proc.returncode})"
    return proc.stdout


@needs_zbar
@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
@pytest.mark.parametrize("name", ["short", "1k", "long"])
def test_zbar_reads_invitation_urls(ecc, name, tmp_path):
    # "long" is about 2 KB where the level holds it (L, M), else near the level's limit.
    long_url = URL_2K if ecc in "LM" else invitation_url({"Q": 770, "H": 480}[ecc])
    url = {"short": SHORT_URL, "1k": URL_1K, "long": long_url}[name]
    code = qr.encode(url, ecc=ecc)
    assert code.mode == "byte"
    assert zbar(code.to_png(), tmp_path) == url.encode()


@needs_zbar
@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_zbar_reads_alphanumeric_and_numeric(ecc, tmp_path):
    text = "HTTPS://EXAMPLE.COM/OOB/" + "ABC-123.$%*+:/ " * 8
    code = qr.encode(text, ecc=ecc)
    assert code.mode == "alphanumeric"
    assert zbar(code.to_png(), tmp_path) == text.encode()
    digits = "".join(str(i % 10) for i in range(301))
    code = qr.encode(digits, ecc=ecc)
    assert code.mode == "numeric"
    assert zbar(code.to_png(), tmp_path) == digits.encode()


@needs_zbar
@pytest.mark.parametrize("version", range(1, 41))
def test_zbar_reads_every_version(version, tmp_path):
    ecc = "LMQH"[version % 4]
    payload = f"refdid v{version}{ecc}"  # fits 1-M (14 bytes)
    code = qr.encode(payload, ecc=ecc, min_version=version)
    assert code.version == version
    assert zbar(code.to_png(scale=3), tmp_path) == payload.encode()


@needs_zbar
@pytest.mark.parametrize("mask", range(8))
@pytest.mark.parametrize("version", [2, 7, 22])
def test_zbar_reads_forced_masks(version, mask, tmp_path):
    payload = "https://ex.co/?oob=eyJAdHlw"  # fits 2-L (32 bytes)
    code = qr.encode(payload, ecc={2: "L", 7: "Q", 22: "H"}[version], min_version=version, mask=mask)
    assert (code.version, code.mask) == (version, mask)
    assert zbar(code.to_png(), tmp_path) == payload.encode()


@needs_zbar
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 63, 64, 65])
def test_zbar_reads_binary_sizes(size, tmp_path):
    data = bytes(random.Random(size).randrange(256) for _ in range(size))
    code = qr.encode(data, ecc="M")
    assert zbar(code.to_png(), tmp_path) == data


@needs_zbar
def test_zbar_reads_utf8_and_forced_byte_mode(tmp_path):
    text = "DIDComm ✓ héllo — 招待"
    assert zbar(qr.encode(text).to_png(), tmp_path) == text.encode("utf-8")
    code = qr.encode("HELLO WORLD", mode="byte", ecc="H")
    assert code.mode == "byte"
    assert zbar(code.to_png(), tmp_path) == b"HELLO WORLD"


@needs_zbar
def test_zbar_reads_at_small_scale_and_smaller_quiet_zone(tmp_path):
    code = qr.encode(SHORT_URL, ecc="L")
    assert zbar(code.to_png(scale=2, quiet=4), tmp_path) == SHORT_URL.encode()
    assert zbar(code.to_png(scale=4, quiet=1), tmp_path) == SHORT_URL.encode()


@needs_zbar
@settings(max_examples=25, deadline=None)
@given(
    data=st.binary(min_size=0, max_size=300) | st.text(max_size=200),
    ecc=st.sampled_from(["L", "M", "Q", "H"]),
    min_version=st.integers(1, 12),
)
def test_zbar_reads_random_payloads(data, ecc, min_version, tmp_path_factory):
    expected = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        code = qr.encode(data, ecc=ecc, min_version=min_version)
    except UsageError:
        assert isinstance(data, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in data)
        return
    assert zbar(code.to_png(), tmp_path_factory.mktemp("qr")) == expected
