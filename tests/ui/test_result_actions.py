"""Result actions: copy the link or its QR image, save PNG/SVG, print one page, e-mail it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QWidget

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.ui.customer_display import TEST_LINK
from linkdesk.ui.result_actions import ResultActions, mailto
from tests.ui.helpers import to_pil

NOW = datetime(2026, 3, 2, 13, 20, tzinfo=UTC)
LINK = PaymentLink(
    id="pl_actions0001",
    url="https://pay.billing.io/pl_actions0001",
    amount_usd=Decimal("2999"),
    description="Espresso machine",
    expires_at=NOW + timedelta(minutes=15),
)


def decode(image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image)]


@pytest.fixture
def parent(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def actions(parent) -> ResultActions:
    result = ResultActions(parent, clock=lambda: NOW.astimezone())
    result.set_link(LINK)
    return result


def test_nothing_is_offered_without_a_link(parent):
    result = ResultActions(parent)
    assert not any(a.isEnabled() for a in result.actions)


def test_copy_url_and_copy_qr_image(actions):
    messages: list[str] = []
    actions.message.connect(messages.append)
    actions.copy_url.trigger()
    assert QGuiApplication.clipboard().text() == LINK.url
    actions.copy_qr.trigger()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull()
    assert decode(to_pil(image)) == [LINK.url]
    assert len(messages) == 2


@pytest.mark.parametrize("name", ["code.png", "code.svg"])
def test_save_as_png_or_svg_writes_a_code_that_scans(actions, tmp_path, name):
    asked: list[str] = []

    def save_path(_parent, suggested: str) -> str:
        asked.append(suggested)
        return str(tmp_path / name)

    actions.save_path = save_path
    actions.save_qr.trigger()
    assert asked[0].endswith("payment-link-2999-00-usd.png")
    path = tmp_path / name
    if name.endswith(".png"):
        assert path.read_bytes().startswith(b"\x89PNG")
        image = QImage(str(path))
    else:
        assert path.read_text().startswith("<?xml")
        renderer = QSvgRenderer(str(path))
        assert renderer.isValid()
        image = QImage(600, 600, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
    assert decode(to_pil(image)) == [LINK.url]


def test_save_cancelled_writes_nothing_and_a_failure_says_so(actions, tmp_path):
    messages: list[str] = []
    actions.message.connect(messages.append)
    actions.save_path = lambda _parent, _name: None
    actions.save_qr.trigger()
    assert messages == []
    assert not actions.save(str(tmp_path / "missing" / "code.png"))
    assert "could not be saved" in messages[0]
    assert messages[0].endswith("Choose another folder.")


def test_the_printed_page_has_amount_description_code_address_and_expiry(actions):
    from linkdesk.ui import print_link

    now = NOW.astimezone()
    above, below = print_link.page_texts(LINK, now)
    local = (NOW + timedelta(minutes=15)).astimezone()
    assert above == ["Scan to pay", "$2,999.00", "Espresso machine"]
    assert below == [LINK.url, f"The link stops working at {local:%H:%M} today."]
    # A4 at 100 dpi: the page as the printer gets it, small enough to decode quickly.
    image = QImage(827, 1169, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    print_link.paint_page(painter, QRect(0, 0, 827, 1169), LINK, now)
    painter.end()
    assert decode(to_pil(image)) == [LINK.url]


def test_a_printed_test_link_says_it_takes_no_real_money(actions):
    from linkdesk.ui import print_link

    now = NOW.astimezone()
    _above, below = print_link.page_texts(
        dataclasses.replace(LINK, environment=Environment.SANDBOX), now
    )
    assert below[-1] == TEST_LINK
    _above, below = print_link.page_texts(
        dataclasses.replace(LINK, environment=Environment.LIVE), now
    )
    assert TEST_LINK not in below


def test_print_opens_a_preview_of_one_page(qtbot, actions):
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    actions.print_link.trigger()
    preview = actions.preview
    assert preview is not None
    qtbot.waitExposed(preview)
    assert "$2,999.00" in preview.windowTitle()
    assert preview.findChild(QPrintPreviewWidget).pageCount() == 1
    preview.close()
    qtbot.waitUntil(lambda: actions.preview is None)


def test_share_writes_an_email_with_subject_and_body(actions):
    opened = []
    actions.open_url = lambda url: opened.append(url) or True
    actions.share.trigger()
    url = opened[0]
    assert url.scheme() == "mailto"
    query = parse_qs(urlsplit(url.toString(url.ComponentFormattingOption.FullyEncoded)).query)
    assert query["subject"] == ["Payment link for $2,999.00"]
    body = query["body"][0]
    assert LINK.url in body
    assert "Espresso machine" in body
    assert "stops working at" in body


def test_a_mailto_survives_awkward_descriptions():
    link = PaymentLink(
        id="pl_x", url="https://pay.billing.io/pl_x", amount_usd=Decimal(5), description="A&B=C?#%"
    )
    url = mailto(link, NOW)
    query = parse_qs(urlsplit(url.toString(url.ComponentFormattingOption.FullyEncoded)).query)
    assert "A&B=C?#%" in query["body"][0]
    assert query["subject"] == ["Payment link for $5.00"]
