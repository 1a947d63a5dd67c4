"""QR codes for payment links: one module matrix, rendered to PNG and SVG (no Qt here).

`qrcode` computes the matrix (error correction M, no border); the quiet zone of
`QUIET_ZONE` modules is added by each rendering, so the widget, the PNG and the SVG all
draw the same modules black on white with the same margin, whatever the theme.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image

QUIET_ZONE = 4
"""White modules around the code on every side; scanners need at least four."""

SVG_MODULE_PX = 10
"""Intrinsic size of an SVG module, matching `to_png`'s default scale."""


@dataclass(frozen=True)
class QrMatrix:
    """The modules of one QR code, without quiet zone; True is dark."""

    size: int
    rows: tuple[tuple[bool, ...], ...]

    def __post_init__(self) -> None:
        if self.size < 1 or len(self.rows) != self.size:
            raise ValueError(f"a QR matrix of size {self.size} needs {self.size} rows")
        if any(len(row) != self.size for row in self.rows):
            raise ValueError(
                f"every row of a QR matrix of size {self.size} needs {self.size} modules"
            )

    def dark(self, row: int, col: int) -> bool:
        """Whether the module at `row`, `col` (0-based, quiet zone excluded) is dark."""
        # Negative indexes would silently wrap around to the other side of the code.
        if not (0 <= row < self.size and 0 <= col < self.size):
            raise IndexError(f"module ({row}, {col}) is outside a {self.size}×{self.size} code")
        return self.rows[row][col]


@lru_cache(maxsize=64)
def qr_matrix(text: str) -> QrMatrix:
    """The QR code of `text` at error correction M, in the smallest version that fits.

    Building a code takes milliseconds of pure Python, so the API worker builds it as soon
    as a link arrives and the widget on the GUI thread finds it here, ready (a `QrMatrix`
    is immutable, so sharing it between threads is safe).

    Raises ValueError when `text` is empty or too long for any QR code (about 2,300
    bytes of UTF-8 at this error correction).
    """
    if not text:
        raise ValueError("There is nothing to put in the QR code.")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    try:
        code.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError):
        # qrcode says "Invalid version (was 41 ...)", which means nothing to a person.
        raise ValueError(
            f"This text is too long to fit in a QR code ({len(text):,} characters); shorten it."
        ) from None
    rows = tuple(tuple(bool(module) for module in row) for row in code.get_matrix())
    return QrMatrix(len(rows), rows)


def to_png(matrix: QrMatrix, scale: int = 10) -> bytes:
    """A 1-bit PNG: black modules of `scale` × `scale` pixels on white, quiet zone included."""
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError("The QR code scale must be a whole number of pixels, at least 1.")
    side = matrix.size + 2 * QUIET_ZONE
    white, black = 1, 0
    modules = Image.new("1", (side, side), white)
    modules.putdata(
        [
            black if _dark_with_margin(matrix, row, col) else white
            for row in range(side)
            for col in range(side)
        ]
    )
    # Nearest-neighbour at an integer factor keeps every module an exact square of
    # pixels: no grey edges for a phone camera to guess about.
    image = modules.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def to_svg(matrix: QrMatrix) -> str:
    """An SVG document: black modules on white, quiet zone included, one unit per module.

    Each row's runs of dark modules become one rectangle in a single path, which keeps
    the file small and leaves no hairline seams between neighbouring modules.
    """
    side = matrix.size + 2 * QUIET_ZONE
    runs: list[str] = []
    for row in range(matrix.size):
        col = 0
        for is_dark, group in groupby(matrix.rows[row]):
            length = sum(1 for _ in group)
            if is_dark:
                x, y = col + QUIET_ZONE, row + QUIET_ZONE
                runs.append(f"M{x} {y}h{length}v1h-{length}z")
            col += length
    pixels = side * SVG_MODULE_PX
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{pixels}" height="{pixels}" viewBox="0 0 {side} {side}" '
        'shape-rendering="crispEdges">\n'
        f'<rect width="{side}" height="{side}" fill="#ffffff"/>\n'
        f'<path fill="#000000" d="{"".join(runs)}"/>\n'
        "</svg>\n"
    )


def _dark_with_margin(matrix: QrMatrix, row: int, col: int) -> bool:
    """`matrix.dark` in coordinates that include the quiet zone, which is always light."""
    inner_row, inner_col = row - QUIET_ZONE, col - QUIET_ZONE
    if 0 <= inner_row < matrix.size and 0 <= inner_col < matrix.size:
        return matrix.rows[inner_row][inner_col]
    return False
