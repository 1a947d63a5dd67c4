"""QR matrix and renderings: decoded by a real decoder, quiet zone and SVG path checked exactly."""

from __future__ import annotations

import dataclasses
import io
import re
import string
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from linkdesk.core.qr import QUIET_ZONE, QrMatrix, qr_matrix, to_png, to_svg

LINK_URL = "https://pay.billing.io/pl_" + "9f86d081884c7d659a2feaa0"
UNICODE_TEXT = "Café ☕ — 東京 — ünïcödé — مرحبا — 🧾"
SVG_NS = "{http://www.w3.org/2000/svg}"
URL_CHARACTERS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%"
# The most bytes a QR code holds at error correction M (version 40, byte mode).
MAX_BYTES_M = 2331


def decode(png: bytes) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


def parse_svg(svg: str) -> ET.Element:
    # The document is linkdesk's own output, not untrusted input.
    return ET.fromstring(svg)  # noqa: S314


def dark_cells(matrix: QrMatrix) -> set[tuple[int, int]]:
    return {
        (row, col)
        for row in range(matrix.size)
        for col in range(matrix.size)
        if matrix.dark(row, col)
    }


# The matrix --------------------------------------------------------------------------


def test_matrix_is_square_and_immutable() -> None:
    matrix = qr_matrix(LINK_URL)
    assert matrix.size == len(matrix.rows) == 33  # version 4 for a link URL at level M
    assert all(len(row) == matrix.size for row in matrix.rows)
    with pytest.raises(dataclasses.FrozenInstanceError):
        matrix.size = 1  # type: ignore[misc]


def test_matrix_has_no_border_of_its_own() -> None:
    matrix = qr_matrix(LINK_URL)
    # Finder patterns sit in three corners: their outer ring is dark from module 0.
    for row, col in [(0, 0), (0, matrix.size - 1), (matrix.size - 1, 0)]:
        assert matrix.dark(row, col)


@pytest.mark.parametrize(("row", "col"), [(-1, 0), (0, -1), (33, 0), (0, 33)])
def test_modules_outside_the_code_are_an_error(row: int, col: int) -> None:
    with pytest.raises(IndexError):
        qr_matrix(LINK_URL).dark(row, col)


def test_a_malformed_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="rows"):
        QrMatrix(2, ((True, False),))
    with pytest.raises(ValueError, match="modules"):
        QrMatrix(2, ((True, False), (True,)))


def test_text_at_the_capacity_fits_and_one_more_byte_does_not() -> None:
    assert qr_matrix("a" * MAX_BYTES_M).size == 177
    with pytest.raises(ValueError, match="too long to fit in a QR code") as caught:
        qr_matrix("a" * (MAX_BYTES_M + 1))
    assert "version" not in str(caught.value)


def test_far_too_long_text_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match=r"too long to fit in a QR code \(10,000 characters\)"):
        qr_matrix("€" * 10_000)


def test_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing"):
        qr_matrix("")


# PNG ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [LINK_URL, UNICODE_TEXT])
def test_png_decodes_to_the_same_text(text: str) -> None:
    results = decode(to_png(qr_matrix(text)))
    assert [r.text for r in results] == [text]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].ec_level == "M"


@pytest.mark.parametrize("scale", [1, 3, 10])
def test_png_is_black_on_white_with_an_exact_quiet_zone(scale: int) -> None:
    matrix = qr_matrix(LINK_URL)
    image = Image.open(io.BytesIO(to_png(matrix, scale=scale)))
    assert image.format == "PNG"
    assert image.mode in {"1", "L"}
    gray = image.convert("L")
    side = (matrix.size + 2 * QUIET_ZONE) * scale
    assert gray.size == (side, side)
    assert {value for _, value in gray.getcolors() or []} == {0, 255}

    margin = QUIET_ZONE * scale
    # The bounding box of the dark pixels starts and ends exactly at the quiet zone,
    # since finder patterns fill three corners of the code.
    dark_box = Image.eval(gray, lambda v: 255 - v).getbbox()
    assert dark_box == (margin, margin, side - margin, side - margin)

    pixels = gray.load()
    assert pixels is not None
    for y in range(side):
        for x in range(side):
            row, col = y // scale - QUIET_ZONE, x // scale - QUIET_ZONE
            inside = 0 <= row < matrix.size and 0 <= col < matrix.size
            expected = 0 if inside and matrix.dark(row, col) else 255
            assert pixels[x, y] == expected, (x, y)


@pytest.mark.parametrize("scale", [0, -2, 2.5, True])
def test_png_scale_must_be_a_positive_whole_number(scale: object) -> None:
    with pytest.raises(ValueError, match="scale"):
        to_png(qr_matrix(LINK_URL), scale=scale)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=URL_CHARACTERS, min_size=1, max_size=200))
def test_any_url_text_round_trips_through_png(text: str) -> None:
    assert [r.text for r in decode(to_png(qr_matrix(text), scale=3))] == [text]


# SVG ---------------------------------------------------------------------------------

_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z")


def parse_runs(path: str) -> list[tuple[int, int, int]]:
    """(x, y, length) of every one-module-high rectangle in the path, all of it consumed."""
    runs, position = [], 0
    while position < len(path):
        match = _RUN.match(path, position)
        assert match is not None, f"unexpected path data at {position}: {path[position:][:20]}"
        x, y, length, back = (int(g) for g in match.groups())
        assert back == length, "each run must close on itself"
        runs.append((x, y, length))
        position = match.end()
    return runs


@pytest.mark.parametrize("text", [LINK_URL, UNICODE_TEXT])
def test_svg_is_well_formed_and_covers_exactly_the_dark_modules(text: str) -> None:
    matrix = qr_matrix(text)
    svg = to_svg(matrix)
    root = parse_svg(svg)
    side = matrix.size + 2 * QUIET_ZONE
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.get("shape-rendering") == "crispEdges"

    background = root.findall(f"{SVG_NS}rect")
    assert len(background) == 1
    assert background[0].get("fill") == "#ffffff"
    assert (background[0].get("width"), background[0].get("height")) == (str(side), str(side))
    assert background[0].get("x", "0") == background[0].get("y", "0") == "0"

    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1
    assert paths[0].get("fill") == "#000000"
    runs = parse_runs(paths[0].get("d", ""))

    covered: list[tuple[int, int]] = []
    for x, y, length in runs:
        covered.extend((y - QUIET_ZONE, x - QUIET_ZONE + i) for i in range(length))
    assert len(covered) == len(set(covered)), "runs overlap"
    assert set(covered) == dark_cells(matrix)
    assert sum(length for _, _, length in runs) == len(dark_cells(matrix))

    # Runs are merged: no run starts where another in its row ends.
    ends = {(y, x + length) for x, y, length in runs}
    assert not any((y, x) in ends for x, y, _ in runs)


def test_svg_keeps_the_quiet_zone_empty() -> None:
    matrix = qr_matrix(LINK_URL)
    runs = parse_runs(parse_svg(to_svg(matrix)).findall(f"{SVG_NS}path")[0].get("d", ""))
    assert min(x for x, _, _ in runs) == QUIET_ZONE
    assert min(y for _, y, _ in runs) == QUIET_ZONE
    assert max(x + length for x, _, length in runs) == QUIET_ZONE + matrix.size
    assert max(y + 1 for _, y, _ in runs) == QUIET_ZONE + matrix.size
