"""QR codes for payment links: one module matrix, rendered to PNG and SVG (no Qt here).

`qrcode` computes the matrix (error correction M, no border); the quiet zone of
`QUIET_ZONE` modules is added by each rendering, so the widget, the PNG and the SVG all
draw the same modules black on white with the same margin, whatever the theme.

A link's code is built while the customer waits for it, and two of qrcode's steps take
most of that time in pure Python: choosing the mask (drawing the code eight times and
scoring each with the ISO/IEC 18004 penalty rules, module by module) and writing the
codewords (a bit at a time, with error correction by polynomial objects). `best_mask`
makes the same choice by the same rules on whole rows and columns at once, and
`codewords` writes the same bytes into one int; tests hold both to qrcode's answers.
The rest (segments, version, drawing the final matrix) is qrcode's.
"""

from __future__ import annotations

import io
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
import qrcode.util
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


TOO_LONG = "This link is too long for a QR code; copy the link and send it instead."


@lru_cache(maxsize=64)
def matrix_or_none(text: str) -> QrMatrix | None:
    """The QR code of `text`, or None when it fits in none (`TOO_LONG` says so in words).

    The worker, the widget and the link's actions each ask about the same link; the
    answer is kept either way, so a text too long is not tried again by each of them.
    """
    try:
        return qr_matrix(text)
    except ValueError:
        return None


@lru_cache(maxsize=64)
def qr_matrix(text: str) -> QrMatrix:
    """The QR code of `text` at error correction M, in the smallest version that fits.

    Building a code takes about a millisecond of pure Python, so the API worker builds it
    as soon as a link arrives and the widget on the GUI thread finds it here, ready (a `QrMatrix`
    is immutable, so sharing it between threads is safe).

    Raises ValueError when `text` is empty or too long for any QR code (about 2,300
    bytes of UTF-8 at this error correction).
    """
    if not text:
        raise ValueError("There is nothing to put in the QR code.")
    code = _QuickCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    try:
        # make(fit=True) would fit the version a second time; once is enough.
        code.best_fit()
        code.make(fit=False)
    except (ValueError, qrcode.exceptions.DataOverflowError):
        # qrcode says "Invalid version (was 41 ...)", which means nothing to a person.
        raise ValueError(
            f"This text is too long to fit in a QR code ({len(text):,} characters); shorten it."
        ) from None
    rows = tuple(tuple(map(bool, row)) for row in code.get_matrix())
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


# Choosing the mask ---------------------------------------------------------------------
#
# A candidate code is one int with a bit per module: bit `row * size + col`, set when
# dark. Shifting it by 1 lines each module up with its right-hand neighbour, by `size`
# with the one below, so each penalty rule is a few shifts, ANDs and bit counts over the
# whole code instead of a Python loop over every module.

_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
)
"""The eight mask patterns of ISO/IEC 18004: whether the data module at row r, column c
is inverted."""


@dataclass(frozen=True)
class _Layout:
    """Where one QR version keeps its data, as the candidates are drawn for scoring."""

    size: int
    data_modules: int  # codeword bits, then the light remainder bits
    # From a string of the data bits followed by "01", the character of every module,
    # last module first (so that int(..., 2) puts module k at bit k).
    pick: Callable[[str], tuple[str, ...]]
    flips: tuple[int, ...]  # per mask pattern, the data modules it inverts


@dataclass(frozen=True)
class _Grid:
    """Bit masks of one code size, for the penalty rules."""

    size: int
    everything: int
    not_last_col: int  # modules with a neighbour on the right
    not_last_row: int  # modules with a neighbour below
    room_right: int  # modules with ten more to their right (rule 3 across)
    room_below: int  # modules with ten more below them (rule 3 down)


def best_mask(version: int, codewords: Sequence[int]) -> int:
    """The mask pattern (0-7) qrcode would choose for these final codewords.

    Like qrcode, each candidate is scored with the format and version areas still light
    and the lowest penalty wins, the first one on a tie.
    """
    scores = [
        mask_penalty(candidate, version * 4 + 17) for candidate in candidates(version, codewords)
    ]
    return scores.index(min(scores))


def candidates(version: int, codewords: Sequence[int]) -> list[int]:
    """The code drawn with each mask pattern, as scored: format and version areas light."""
    layout = _layout(version)
    bits = format(int.from_bytes(bytes(codewords), "big"), f"0{len(codewords) * 8}b")
    if len(bits) > layout.data_modules:
        raise ValueError(f"{len(codewords)} codewords do not fit a version {version} code")
    plain = int("".join(layout.pick(bits.ljust(layout.data_modules, "0") + "01")), 2)
    return [plain ^ flips for flips in layout.flips]


def mask_penalty(modules: int, size: int) -> int:
    """The ISO/IEC 18004 penalty of a size × size code (bit row * size + col set: dark).

    The four rules, scored as qrcode scores them: each run of five or more modules of
    one colour in a row or column, 3 plus 1 per module over five; 3 for each 2 × 2 block
    of one colour; 40 for each 1:1:3:1:1 finder look-alike with four light modules on
    one side (inside the code); 10 per whole 5 % the dark share is away from half.
    """
    grid = _grid(size)
    light = modules ^ grid.everything
    same_right = ~(modules ^ (modules >> 1)) & grid.not_last_col
    same_below = ~(modules ^ (modules >> size)) & grid.not_last_row
    penalty = 0

    # Rule 1: a run of n >= 5 holds n - 4 windows of five alike, and starts once; it
    # costs n - 2, which is its windows plus two per start.
    for same, step in ((same_right, 1), (same_below, size)):
        five = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step)
        starts = five & ~(same << step)
        penalty += five.bit_count() + 2 * starts.bit_count()

    # Rule 2: the module, its right-hand and its lower neighbours, and the one diagonally
    # below all alike.
    penalty += 3 * (same_right & same_below & (same_below >> 1)).bit_count()

    # Rule 3: dark-light-dark-dark-dark-light-dark with four light modules after it
    # (10111010000) or before it (00001011101).
    for step, room in ((1, grid.room_right), (size, grid.room_below)):
        dark = [modules >> (i * step) for i in range(11)]
        lit = [light >> (i * step) for i in range(11)]
        middle = room & lit[1] & dark[4] & lit[5] & dark[6] & lit[9]
        after = middle & dark[0] & dark[2] & dark[3] & lit[7] & lit[8] & lit[10]
        before = middle & lit[0] & lit[2] & lit[3] & dark[7] & dark[8] & dark[10]
        penalty += 40 * (after.bit_count() + before.bit_count())

    # Rule 4, in qrcode's own floating-point arithmetic so that ties break the same way.
    share = modules.bit_count() / (size * size)
    penalty += int(abs(share * 100 - 50) / 5) * 10
    return penalty


class _QuickCode(qrcode.QRCode):  # type: ignore[misc]  # qrcode has no type hints
    """qrcode's QR code, with its codewords and mask found the quicker way."""

    data_cache: list[int] | None

    def best_mask_pattern(self) -> int:
        # qrcode's make() asks for the mask before it writes the codewords (if they are
        # there already it uses them as they are).
        if self.data_cache is None:
            self.data_cache = codewords(self.version, self.error_correction, self.data_list)
        return best_mask(self.version, self.data_cache)


@lru_cache(maxsize=8)
def _grid(size: int) -> _Grid:
    return _Grid(
        size=size,
        everything=(1 << size * size) - 1,
        not_last_col=_bits(size, lambda _r, c: c < size - 1),
        not_last_row=_bits(size, lambda r, _c: r < size - 1),
        room_right=_bits(size, lambda _r, c: c + 10 < size),
        room_below=_bits(size, lambda r, _c: r + 10 < size),
    )


@lru_cache(maxsize=8)
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    # None where data goes; otherwise the function module as scored: finders with their
    # separators, alignment and timing patterns, and light format and version areas.
    fixed: list[list[bool | None]] = [[None] * size for _ in range(size)]

    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        for r in range(max(top - 1, 0), min(top + 8, size)):
            for c in range(max(left - 1, 0), min(left + 8, size)):
                ring = max(abs(r - top - 3), abs(c - left - 3))  # 4 is the separator
                fixed[r][c] = ring not in (2, 4)

    centres = qrcode.util.pattern_position(version)
    for row in centres:
        for col in centres:
            if fixed[row][col] is not None:
                continue  # where a finder already is
            for r in range(row - 2, row + 3):
                for c in range(col - 2, col + 3):
                    fixed[r][c] = max(abs(r - row), abs(c - col)) != 1

    for i in range(8, size - 8):
        if fixed[6][i] is None:
            fixed[6][i] = i % 2 == 0
        if fixed[i][6] is None:
            fixed[i][6] = i % 2 == 0

    format_cells = [(8, i) for i in range(9)] + [(i, 8) for i in range(9)]
    format_cells += [(8, size - 1 - i) for i in range(8)] + [(size - 1 - i, 8) for i in range(8)]
    if version >= 7:
        format_cells += [(i, size - 11 + j) for i in range(6) for j in range(3)]
        format_cells += [(size - 11 + j, i) for i in range(6) for j in range(3)]
    for r, c in format_cells:
        if fixed[r][c] is None:
            fixed[r][c] = False

    # Data fills two columns at a time from the right, zigzagging up and down and
    # stepping over the vertical timing pattern; within a row, right before left.
    order: list[int] = []
    col, upward = size - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        for r in range(size - 1, -1, -1) if upward else range(size):
            order.extend(r * size + c for c in (col, col - 1) if fixed[r][c] is None)
        col, upward = col - 2, not upward

    data_modules = len(order)
    source = [0] * (size * size)
    for position, module in enumerate(order):
        source[module] = position
    for r, row_of in enumerate(fixed):
        for c, dark in enumerate(row_of):
            if dark is not None:
                source[r * size + c] = data_modules + dark

    def inverted_by(mask: Callable[[int, int], bool]) -> int:
        return _bits(size, lambda r, c: fixed[r][c] is None and mask(r, c))

    flips = tuple(inverted_by(mask) for mask in _MASKS)
    return _Layout(size, data_modules, operator.itemgetter(*reversed(source)), flips)


def _bits(size: int, chosen: Callable[[int, int], bool]) -> int:
    """An int with bit row * size + col set where `chosen(row, col)`."""
    last_first = range(size * size - 1, -1, -1)
    return int("".join("1" if chosen(k // size, k % size) else "0" for k in last_first), 2)


# Writing the codewords -----------------------------------------------------------------


class _Bits:
    """Bits appended most significant first to one int: what `QRData.write` writes to."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, number: int, length: int) -> None:
        # The low `length` bits only, as qrcode's own BitBuffer takes them.
        self.value = (self.value << length) | (number & ((1 << length) - 1))
        self.length += length


def codewords(version: int, error_correction: int, segments: Sequence[Any]) -> list[int]:
    """The final codewords, data and error correction interleaved, of qrcode's `segments`
    (its `QRData` chunks) in a code of this version: the bytes `qrcode.util.create_data`
    gives.

    Raises `qrcode.exceptions.DataOverflowError` when the segments do not fit.
    """
    bits = _Bits()
    for segment in segments:
        bits.put(segment.mode, 4)
        bits.put(len(segment), qrcode.util.length_in_bits(segment.mode, version))
        segment.write(bits)
    blocks = qrcode.base.rs_blocks(version, error_correction)
    capacity = sum(block.data_count for block in blocks)
    if bits.length > capacity * 8:
        raise qrcode.exceptions.DataOverflowError(
            f"{bits.length} bits do not fit the {capacity * 8} of a version {version} code"
        )
    # Up to four zero bits end the data, more fill the last byte, then the two pad
    # codewords take turns.
    bits.put(0, min(capacity * 8 - bits.length, 4))
    bits.put(0, -bits.length % 8)
    used = bits.length // 8
    data = bits.value.to_bytes(used, "big") + (b"\xec\x11" * capacity)[: capacity - used]

    data_blocks: list[bytes] = []
    ec_blocks: list[bytes] = []
    start = 0
    for block in blocks:
        part = data[start : start + block.data_count]
        start += block.data_count
        data_blocks.append(part)
        ec_blocks.append(_error_correction(part, block.total_count - block.data_count))
    # The first codeword of every block, then the second of every block, and so on: data
    # codewords first, then error correction.
    interleaved: list[int] = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(map(len, group))):
            interleaved.extend(block[i] for block in group if i < len(block))
    return interleaved


def _error_correction(data: bytes, count: int) -> bytes:
    """Reed-Solomon: the remainder of data · x^count divided by the code's generator."""
    products = _generator_products(count)
    top = 8 * (count - 1)
    keep = (1 << 8 * count) - 1
    remainder = 0
    for byte in data:
        # Long division one codeword at a time: the remainder's top codeword plus the
        # next data codeword says which multiple of the generator to subtract (XOR).
        remainder = ((remainder << 8) & keep) ^ products[(remainder >> top) ^ byte]
    return remainder.to_bytes(count, "big")


@lru_cache(maxsize=8)
def _generator_products(count: int) -> tuple[int, ...]:
    """For each byte f, f times the generator of `count` error correction codewords, its
    leading term dropped, as an int of `count` bytes (highest power first)."""
    generator = [1]  # (x - a^0)(x - a^1)...(x - a^(count-1)) in GF(256), highest first
    for i in range(count):
        root = qrcode.base.gexp(i)
        generator = [
            high ^ _times(root, low)
            for high, low in zip([*generator, 0], [0, *generator], strict=True)
        ]
    products = []
    for factor in range(256):
        value = 0
        for coefficient in generator[1:]:
            value = (value << 8) | _times(factor, coefficient)
        products.append(value)
    return tuple(products)


def _times(a: int, b: int) -> int:
    """Multiplication in GF(256), by qrcode's own log and antilog tables."""
    if a == 0 or b == 0:
        return 0
    return int(qrcode.base.gexp(qrcode.base.glog(a) + qrcode.base.glog(b)))
