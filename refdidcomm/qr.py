"""QR codes with the standard library only: encode, then render as text, SVG or PNG.

>>> code = encode("https://example.com/?oob=eyJ0eXBlIjoi...", ecc="M")
>>> code.version, code.ecc, code.size                      # doctest: +SKIP
>>> print(code.to_terminal())                              # doctest: +SKIP
>>> open("invitation.png", "wb").write(code.to_png())      # doctest: +SKIP

The encoder (:mod:`refdidcomm._iso18004`) follows ISO/IEC 18004:2015: numeric,
alphanumeric and byte mode, versions 1-40, levels L/M/Q/H, all eight masks
with the penalty rules of §7.8.3. The renderers live in
:mod:`refdidcomm._qr_render`. Everything is deterministic: the same
arguments always give the same symbol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from . import _iso18004, _qr_render
from ._iso18004_tables import ECC_LEVELS

__all__ = ["ECC_LEVELS", "QRCode", "encode"]


@dataclass(frozen=True)
class QRCode:
    """An encoded QR Code symbol (without its quiet zone).

    Attributes:
        version: 1..40.
        ecc: error correction level, ``"L"``, ``"M"``, ``"Q"`` or ``"H"``.
        mask: the mask pattern reference used, 0..7.
        mode: ``"numeric"``, ``"alphanumeric"`` or ``"byte"``.
        modules: ``size`` rows of ``size`` booleans, row 0 at the top; ``True``
            is a dark module.
    """

    version: int
    ecc: str
    mask: int
    mode: str
    modules: Tuple[Tuple[bool, ...], ...] = field(repr=False)

    @property
    def size(self) -> int:
        """Modules per side, ``4 * version + 17``."""
        return len(self.modules)

    def to_terminal(self, quiet: int = 4, invert: bool = False) -> str:
        """Unicode half-block text; see :func:`refdidcomm._qr_render.to_terminal`."""
        return _qr_render.to_terminal(self.modules, quiet=quiet, invert=invert)

    def to_svg(self, scale: int = 4, quiet: int = 4) -> str:
        """An SVG document; see :func:`refdidcomm._qr_render.to_svg`."""
        return _qr_render.to_svg(self.modules, scale=scale, quiet=quiet)

    def to_png(self, scale: int = 4, quiet: int = 4) -> bytes:
        """A 1-bit greyscale PNG; see :func:`refdidcomm._qr_render.to_png`."""
        return _qr_render.to_png(self.modules, scale=scale, quiet=quiet)


def encode(
    data: Union[bytes, bytearray, str],
    *,
    ecc: str = "M",
    min_version: int = 1,
    mask: Optional[int] = None,
    mode: Optional[str] = None,
) -> QRCode:
    """Encode ``data`` as a QR code.

    Args:
        data: ``bytes`` or ``str`` (UTF-8 in byte mode).
        ecc: ``"L"``, ``"M"`` (default), ``"Q"`` or ``"H"``.
        min_version: the smallest version to use, 1..40.
        mask: force a mask pattern 0..7; ``None`` picks the lowest penalty.
        mode: force ``"numeric"``, ``"alphanumeric"`` or ``"byte"``; ``None``
              picks the most compact mode that holds all of ``data``.

    Returns:
        The :class:`QRCode`.

    Raises:
        UsageError: a bad argument, or ``data`` too long for version 40 at
            this level (2953 bytes at L, 2331 at M, 1663 at Q, 1273 at H).

    Spec: ISO/IEC 18004:2015.
    """
    symbol = _iso18004.encode(data, ecc=ecc, min_version=min_version, mask=mask, mode=mode)
    return QRCode(
        version=symbol.version,
        ecc=symbol.ecc,
        mask=symbol.mask,
        mode=symbol.mode,
        modules=symbol.modules,
    )
