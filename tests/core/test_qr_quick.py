"""linkdesk's quicker codewords and mask choice: the very bytes, mask and code qrcode makes."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkdesk.core.qr import best_mask, candidates, codewords, mask_penalty, qr_matrix

LEVEL_M = qrcode.constants.ERROR_CORRECT_M
URL_CHARACTERS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%"


def as_int(rows: list[list[bool]] | list[list[int]]) -> int:
    """A matrix as `mask_penalty` reads it: bit row * size + col set where dark."""
    size = len(rows)
    return sum(1 << (r * size + c) for r in range(size) for c in range(size) if rows[r][c])


def reference(text: str) -> qrcode.QRCode:
    """The code as qrcode alone makes it: every mask drawn and scored module by module."""
    code = qrcode.QRCode(error_correction=LEVEL_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code


def link_urls(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"https://pay.billing.io/pl_{rng.getrandbits(96):024x}" for _ in range(count)]


def assert_same_as_qrcode(text: str) -> int:
    ref = reference(text)
    assert best_mask(ref.version, ref.data_cache) == ref.mask_pattern_chosen
    rows = tuple(tuple(bool(m) for m in row) for row in ref.get_matrix())
    assert qr_matrix(text).rows == rows, text
    return int(ref.mask_pattern_chosen)


@pytest.fixture(autouse=True)
def _remember_qrcode_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let `reference` codes say which mask qrcode's own best_mask_pattern picked."""
    original = qrcode.QRCode.best_mask_pattern

    def remembering(self: qrcode.QRCode) -> int:
        self.mask_pattern_chosen = original(self)
        return self.mask_pattern_chosen

    monkeypatch.setattr(qrcode.QRCode, "best_mask_pattern", remembering)
    qr_matrix.cache_clear()


def test_payment_link_urls_get_qrcodes_own_mask_and_code() -> None:
    chosen = [assert_same_as_qrcode(url) for url in link_urls(240, seed=18004)]
    # Real links do land on different masks, so the comparison covers the choice itself.
    assert len(set(chosen)) >= 6


@pytest.mark.parametrize("length", [1, 2, 7, 14, 17, 25, 26, 32, 47, 48, 78, 106, 134, 180])
def test_texts_of_other_lengths_get_qrcodes_own_mask(length: int) -> None:
    rng = random.Random(length)
    for _ in range(6):
        assert_same_as_qrcode("".join(rng.choice(URL_CHARACTERS) for _ in range(length)))


@pytest.mark.parametrize(
    "text",
    [
        "0123456789" * 3,  # numeric mode
        "HTTPS://PAY.BILLING.IO/PL_" + "0" * 24,  # alphanumeric mode
        "Café ☕ — 東京 — 🧾",  # bytes of UTF-8
        "https://pay.billing.io/pl_" + "ab" * 100,  # version 9: version information
        "x" * 400,  # version 15
        "q" * 1200,  # version 30
    ],
)
def test_other_kinds_and_sizes_of_text_get_qrcodes_own_mask(text: str) -> None:
    assert_same_as_qrcode(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=120))
def test_any_text_gets_qrcodes_own_mask(text: str) -> None:
    assert_same_as_qrcode(text)


@pytest.mark.parametrize("version", range(1, 41))
def test_candidates_are_drawn_as_qrcode_draws_them_for_scoring(version: int) -> None:
    """Every version's layout: function patterns, light format areas, data order, masks."""
    rng = random.Random(version)
    total = sum(block.total_count for block in qrcode.base.rs_blocks(version, LEVEL_M))
    codewords = [rng.randrange(256) for _ in range(total)]
    drawn = candidates(version, codewords)
    ref = qrcode.QRCode(version=version, error_correction=LEVEL_M, border=0)
    ref.data_cache = codewords
    patterns = range(8) if version <= 10 else rng.sample(range(8), 2)
    for pattern in patterns:
        ref.makeImpl(True, pattern)
        assert drawn[pattern] == as_int(ref.modules), f"version {version}, mask {pattern}"


def test_too_many_codewords_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        candidates(1, [0] * 27)


# The codewords ------------------------------------------------------------------------


def segments_and_version(text: str) -> tuple[list, int]:
    code = qrcode.QRCode(error_correction=LEVEL_M, border=0)
    code.add_data(text)
    return code.data_list, code.best_fit()


@pytest.mark.parametrize(
    "text",
    [
        *link_urls(20, seed=2),
        "https://pay.billing.io/pl_" + "1234567890" * 3,  # a numeric segment inside
        "HTTPS://PAY.BILLING.IO/PL_" + "ABCDEF" * 5 + "/x",  # an alphanumeric one
        "7",
        "12",
        "AB",
        "Café ☕ — 東京 — 🧾",
        "x" * 200,  # version 10: blocks of two sizes
        "q" * 1200,  # version 30: many blocks
        "a" * 2331,  # version 40, full
    ],
)
def test_codewords_are_the_bytes_qrcode_writes(text: str) -> None:
    segments, version = segments_and_version(text)
    expected = qrcode.util.create_data(version, LEVEL_M, segments)
    assert codewords(version, LEVEL_M, segments) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(min_size=1, max_size=300),
    st.sampled_from(
        [
            qrcode.constants.ERROR_CORRECT_L,
            qrcode.constants.ERROR_CORRECT_M,
            qrcode.constants.ERROR_CORRECT_Q,
            qrcode.constants.ERROR_CORRECT_H,
        ]
    ),
    st.integers(min_value=0, max_value=3),
)
def test_codewords_match_qrcode_at_every_level_and_in_larger_versions(
    text: str, level: int, larger: int
) -> None:
    code = qrcode.QRCode(error_correction=level, border=0)
    code.add_data(text)
    version = min(code.best_fit() + larger, 40)
    expected = qrcode.util.create_data(version, level, code.data_list)
    assert codewords(version, level, code.data_list) == expected


def test_codewords_that_do_not_fit_are_refused() -> None:
    segments, _ = segments_and_version("https://pay.billing.io/pl_" + "ab" * 12)
    with pytest.raises(qrcode.exceptions.DataOverflowError):
        codewords(1, LEVEL_M, segments)


# The penalty ---------------------------------------------------------------------------


def random_grid(rng: random.Random, size: int, dark_share: float) -> list[list[bool]]:
    return [[rng.random() < dark_share for _ in range(size)] for _ in range(size)]


@pytest.mark.parametrize("size", [11, 12, 21, 25, 33, 45, 57])
def test_penalty_matches_qrcode_on_random_grids(size: int) -> None:
    rng = random.Random(size)
    # Shares far from half score rule 4 in several bands and make long runs and blocks.
    for dark_share in (0.03, 0.2, 0.35, 0.5, 0.5, 0.65, 0.8, 0.97):
        grid = random_grid(rng, size, dark_share)
        assert mask_penalty(as_int(grid), size) == qrcode.util.lost_point(grid)


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("all light", lambda r, c: False),
        ("all dark", lambda r, c: True),
        ("stripes across", lambda r, c: r % 2 == 0),
        ("stripes down", lambda r, c: c % 3 == 0),
        ("checkerboard", lambda r, c: (r + c) % 2 == 0),
        ("finder look-alikes across", lambda r, c: "10111010000"[c % 11] == "1"),
        ("finder look-alikes down", lambda r, c: "00001011101"[r % 11] == "1"),
        ("runs crossing the row ends", lambda r, c: (r * 33 + c) // 7 % 2 == 0),
    ],
)
def test_penalty_matches_qrcode_on_patterned_grids(name: str, module) -> None:
    for size in (21, 33):
        grid = [[module(r, c) for c in range(size)] for r in range(size)]
        assert mask_penalty(as_int(grid), size) == qrcode.util.lost_point(grid), name


def test_an_empty_grid_scores_runs_blocks_and_balance() -> None:
    size = 21
    # All light: 21 runs of 21 in each direction (19 each), 400 blocks (3 each), a share
    # 50 % away from half (100) and no finder look-alike.
    expected = 2 * 21 * 19 + 400 * 3 + 100
    assert mask_penalty(0, size) == expected
    assert qrcode.util.lost_point([[False] * size for _ in range(size)]) == expected


def test_a_finder_look_alike_and_its_mirror_cost_forty_each() -> None:
    size = 21
    checkered = [[(r + c) % 2 == 0 for c in range(size)] for r in range(size)]
    # Row 10 alone breaks the checkers: all light it is one run of 21 (19).
    base = [row[:] for row in checkered]
    base[10] = [False] * size
    assert mask_penalty(as_int(base), size) == qrcode.util.lost_point(base) == 19
    # 10111010000 from column 5 also reads 00001011101 from column 1: two look-alikes
    # (80), between a light run of 5 (3) and one of 9 (7).
    marked = [row[:] for row in base]
    marked[10][5:16] = [bit == "1" for bit in "10111010000"]
    assert mask_penalty(as_int(marked), size) == qrcode.util.lost_point(marked) == 90
