"""Render QR Code modules as terminal text, SVG or PNG, with the standard library.

Every renderer adds the quiet zone: ISO/IEC 18004:2015 §6.3.8 asks for a
light margin four modules wide on all four sides. It may be made smaller
(``quiet=0`` for embedding in a page that already has a margin), at the
reader's risk.

* Terminal: Unicode half blocks (U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF
  BLOCK, U+2588 FULL BLOCK, space), two module rows per text line, one module
  per column. By default dark modules are drawn with the glyphs (right for a
  dark-on-light terminal); ``invert=True`` draws the light modules instead,
  for light-on-dark terminals, so the printed code is still dark on light.
* SVG 1.1: a light background ``rect`` and one ``path`` of dark modules, one
  sub-path per horizontal run; the viewBox is in modules, the width and height
  in pixels (``scale`` per module); ``shape-rendering="crispEdges"``.
* PNG (W3C PNG Specification, Second Edition, 2003 = ISO/IEC 15948:2004): signature
  (§5.2), chunks as length, type, data and CRC-32 over type and data (§5.3,
  CRC from :func:`zlib.crc32`, the same polynomial as §5.5), IHDR for a 1-bit
  greyscale image (§11.2.2: colour type 0, bit depth 1, compression 0,
  filter method 0, interlace 0), one IDAT of zlib data (§10) of scanlines
  with filter type 0 "None" (§9.2), IEND (§11.2.5). Light is 1, dark is 0.
"""

from __future__ import annotations

import struct
import zlib
from typing import List, Sequence

from .errors import UsageError

__all__ = ["QUIET_ZONE", "MAX_SCALE", "MAX_QUIET", "to_terminal", "to_svg", "to_png"]

# §6.3.8: the quiet zone is four modules wide.
QUIET_ZONE = 4
# Not from any standard: bounds that keep a mistyped argument from asking for
# a gigabyte image (version 40 at scale 64 is 11,840 pixels square).
MAX_SCALE = 64
MAX_QUIET = 64

UPPER_HALF = "\u2580"
LOWER_HALF = "\u2584"
FULL_BLOCK = "\u2588"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"{name} must be an integer {low}..{high}")
    return value


def _padded(modules: Sequence[Sequence[bool]], quiet: int) -> List[List[bool]]:
    """The modules inside a light border ``quiet`` modules wide (True is dark)."""
    size = len(modules)
    if size == 0 or any(len(row) != size for row in modules):
        raise UsageError("QR modules must be a non-empty square")
    width = size + 2 * quiet
    light = [False] * width
    return (
        [list(light) for _ in range(quiet)]
        + [[False] * quiet + [bool(m) for m in row] + [False] * quiet for row in modules]
        + [list(light) for _ in range(quiet)]
    )


def to_terminal(modules: Sequence[Sequence[bool]], quiet: int = QUIET_ZONE, invert: bool = False) -> str:
    """Text of half-block characters, one line per two module rows.

    Args:
        modules: the symbol, rows of booleans (True is dark).
        quiet: quiet zone in modules, 0..64 (§6.3.8 asks for 4).
        invert: draw the light modules instead of the dark ones (for
                terminals with light text on a dark background).

    Returns:
        Lines joined by ``"\\n"``, with a final newline. An odd number of
        rows gets one more light row at the bottom.

    Raises:
        UsageError: bad ``quiet``, ``invert`` or modules.
    """
    _check_int("quiet", quiet, 0, MAX_QUIET)
    if not isinstance(invert, bool):
        raise UsageError("invert must be a bool")
    grid = _padded(modules, quiet)
    if len(grid) % 2:
        grid.append([False] * len(grid[0]))
    glyphs = {(True, True): FULL_BLOCK, (True, False): UPPER_HALF, (False, True): LOWER_HALF, (False, False): " "}
    lines = []
    for upper, lower in zip(grid[0::2], grid[1::2]):
        lines.append("".join(glyphs[(top != invert, bottom != invert)] for top, bottom in zip(upper, lower)))
    return "\n".join(lines) + "\n"


def to_svg(modules: Sequence[Sequence[bool]], scale: int = 4, quiet: int = QUIET_ZONE) -> str:
    """An SVG 1.1 document of the symbol.

    Args:
        modules: the symbol, rows of booleans (True is dark).
        scale: pixels per module for the ``width``/``height``, 1..64.
        quiet: quiet zone in modules, 0..64.

    Returns:
        The document as text (UTF-8 when saved).

    Raises:
        UsageError: bad ``scale``, ``quiet`` or modules.
    """
    _check_int("scale", scale, 1, MAX_SCALE)
    _check_int("quiet", quiet, 0, MAX_QUIET)
    grid = _padded(modules, quiet)
    width = len(grid)
    runs = []
    for y, row in enumerate(grid):
        x = 0
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    pixels = width * scale
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{pixels}" height="{pixels}" '
        f'viewBox="0 0 {width} {width}" shape-rendering="crispEdges">\n'
        f'<rect x="0" y="0" width="{width}" height="{width}" fill="#ffffff"/>\n'
        f'<path fill="#000000" d="{"".join(runs)}"/>\n'
        "</svg>\n"
    )


def _chunk(chunk_type: bytes, data: bytes) -> bytes:
    # PNG §5.3: length (4 bytes, big-endian, of the data only), type, data,
    # CRC-32 over type and data.
    crc = zlib.crc32(chunk_type + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", crc)


def to_png(modules: Sequence[Sequence[bool]], scale: int = 4, quiet: int = QUIET_ZONE) -> bytes:
    """A 1-bit greyscale PNG of the symbol.

    Args:
        modules: the symbol, rows of booleans (True is dark).
        scale: pixels per module, 1..64.
        quiet: quiet zone in modules, 0..64.

    Returns:
        The PNG file's bytes.

    Raises:
        UsageError: bad ``scale``, ``quiet`` or modules.
    """
    _check_int("scale", scale, 1, MAX_SCALE)
    _check_int("quiet", quiet, 0, MAX_QUIET)
    grid = _padded(modules, quiet)
    pixels = len(grid) * scale
    scanlines = []
    for row in grid:
        # One bit per pixel, most significant bit first (§7.2); 1 is white.
        bits = "".join(("0" if dark else "1") * scale for dark in row)
        bits += "1" * (-len(bits) % 8)  # the unused low bits of the last byte
        # Filter type 0 (None) before each scanline (§9.2).
        scanline = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")
        scanlines.extend([scanline] * scale)
    ihdr = struct.pack(">IIBBBBB", pixels, pixels, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"".join(scanlines), 9))
        + _chunk(b"IEND", b"")
    )
