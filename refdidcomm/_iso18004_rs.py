"""Reed-Solomon error correction codewords for QR Code (ISO/IEC 18004:2015 §7.5.2).

The field is GF(2^8) built from the primitive polynomial of §7.5.2,
x^8 + x^4 + x^3 + x^2 + 1 (0x11d), with alpha = 2 (the element x). Its
exponent and logarithm tables are computed here at import, by repeated
multiplication by alpha, not pasted.

The generator polynomial for n error correction codewords is
g(x) = (x - alpha^0)(x - alpha^1)...(x - alpha^(n-1)) (Annex A lists them);
they are multiplied out here at import for every n that Table 9 uses. The
error correction codewords of a block are the remainder of the data
polynomial times x^n divided by g(x) (§7.5.2), highest-degree coefficient
first, exactly as the codewords are sent.

Not constant time, and nothing here needs to be: a QR code is public.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from ._iso18004_tables import ECC_CODEWORDS_PER_BLOCK
from .errors import UsageError

__all__ = [
    "PRIMITIVE_POLYNOMIAL",
    "EXP",
    "LOG",
    "gf_mul",
    "generator_polynomial",
    "GENERATORS",
    "rs_remainder",
]

# §7.5.2: bit-wise modulo 2 and byte-wise modulo 100011101 arithmetic.
PRIMITIVE_POLYNOMIAL = 0b100011101


def _build_field() -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """Powers of alpha and their logarithms in GF(256) modulo 0x11d.

    Returns:
        ``(EXP, LOG)``: ``EXP[i] = alpha^i`` for i in 0..509 (doubled so that
        ``EXP[LOG[a] + LOG[b]]`` needs no reduction) and ``LOG[alpha^i] = i``
        for the 255 non-zero elements (``LOG[0]`` is unused and 0).
    """
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for i in range(255):
        exp[i] = value
        log[value] = i
        value <<= 1  # multiply by alpha = x
        if value & 0x100:
            value ^= PRIMITIVE_POLYNOMIAL
    for i in range(255, 510):
        exp[i] = exp[i - 255]
    return tuple(exp), tuple(log)


EXP, LOG = _build_field()


def gf_mul(a: int, b: int) -> int:
    """Product of two GF(256) elements (integers 0..255)."""
    if a == 0 or b == 0:
        return 0
    return EXP[LOG[a] + LOG[b]]


def _check_degree(n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 68:
        raise UsageError("the number of error correction codewords must be an integer 1..68")


def generator_polynomial(n: int) -> Tuple[int, ...]:
    """The generator polynomial for ``n`` error correction codewords (Annex A).

    Args:
        n: the number of error correction codewords, 1..68 (68 keeps every
           root alpha^i distinct; QR Code uses 7..30).

    Returns:
        Its ``n + 1`` coefficients, highest degree first (the first is 1).

    Raises:
        UsageError: ``n`` out of range.

    Spec: ISO/IEC 18004:2015 §7.5.2 and Annex A.
    """
    _check_degree(n)
    g: List[int] = [1]
    for i in range(n):
        # g(x) <- g(x) * (x - alpha^i); in GF(2^8) subtraction is addition (XOR).
        root = EXP[i]
        product = g + [0]
        for k in range(len(g)):
            product[k + 1] ^= gf_mul(g[k], root)
        g = product
    return tuple(g)


# Every generator Table 9 needs, built once at import.
GENERATORS: Dict[int, Tuple[int, ...]] = {
    n: generator_polynomial(n)
    for n in sorted({n for per_level in ECC_CODEWORDS_PER_BLOCK.values() for n in per_level})
}


def rs_remainder(data: Sequence[int], n: int) -> List[int]:
    """The ``n`` error correction codewords of one block.

    Polynomial long division of data(x) * x^n by g(x), keeping the remainder.

    Args:
        data: the block's data codewords (integers 0..255), first codeword is
              the highest-degree coefficient.
        n: the number of error correction codewords (a degree Table 9 uses,
           or any 1..68).

    Returns:
        ``n`` codewords, highest degree first.

    Raises:
        UsageError: ``n`` out of range, ``data`` not a sequence of integers
            0..255.

    Spec: ISO/IEC 18004:2015 §7.5.2.
    """
    _check_degree(n)
    if not isinstance(data, (bytes, bytearray, list, tuple)):
        raise UsageError("data codewords must be bytes or a list of integers")
    generator = GENERATORS[n] if n in GENERATORS else generator_polynomial(n)
    remainder = [0] * n
    for codeword in data:
        if isinstance(codeword, bool) or not isinstance(codeword, int) or not 0 <= codeword <= 255:
            raise UsageError("data codewords must be integers 0..255")
        factor = codeword ^ remainder[0]
        remainder = remainder[1:] + [0]
        if factor:
            log_factor = LOG[factor]
            for k in range(n):
                coefficient = generator[k + 1]
                if coefficient:
                    remainder[k] ^= EXP[LOG[coefficient] + log_factor]
    return remainder
