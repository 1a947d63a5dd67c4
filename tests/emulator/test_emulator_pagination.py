"""Cursor pagination of links (newest first) and payment methods, and bulk-added links."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest


def create_links(client, method_id: str, count: int) -> list[str]:
    ids = []
    for index in range(count):
        response = client.post(
            "/payment-links",
            json={"amount_usd": index + 1, "payment_method_id": method_id},
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


def all_pages(client, path: str, **params) -> list[dict]:
    pages, cursor = [], None
    while True:
        query = dict(params)
        if cursor is not None:
            query["cursor"] = cursor
        page = client.get(path, params=query).json()
        pages.append(page)
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return pages
        cursor = page["next_cursor"]
        assert isinstance(cursor, str)


def test_sixty_links_in_pages_of_25(client, methods):
    created = create_links(client, methods["default"], 60)
    pages = all_pages(client, "/payment-links", limit=25)
    assert [len(page["data"]) for page in pages] == [25, 25, 10]
    assert [page["has_more"] for page in pages] == [True, True, False]
    seen = [link["id"] for page in pages for link in page["data"]]
    assert seen == created[::-1]  # newest first, nothing twice, nothing missing


def test_default_page_size_is_25(client, methods):
    create_links(client, methods["default"], 30)
    page = client.get("/payment-links").json()
    assert len(page["data"]) == 25
    assert page["has_more"] is True


def test_an_empty_list(client):
    assert client.get("/payment-links").json() == {
        "data": [],
        "has_more": False,
        "next_cursor": None,
    }


def test_exactly_one_full_page_has_no_more(client, methods):
    create_links(client, methods["default"], 5)
    page = client.get("/payment-links", params={"limit": 5}).json()
    assert (len(page["data"]), page["has_more"], page["next_cursor"]) == (5, False, None)


def test_links_made_while_paging_do_not_shift_pages(client, methods):
    created = create_links(client, methods["default"], 6)
    first = client.get("/payment-links", params={"limit": 3}).json()
    create_links(client, methods["default"], 2)
    second = client.get(
        "/payment-links", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [link["id"] for link in second["data"]] == created[2::-1]
    assert second["has_more"] is False


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "", "2.5", "1e1", "٣"])
def test_invalid_limit(client, limit):
    response = client.get("/payment-links", params={"limit": limit})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request",
        "invalid_limit",
        "limit",
    )


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(client, methods, limit):
    create_links(client, methods["default"], 2)
    page = client.get("/payment-links", params={"limit": limit}).json()
    assert len(page["data"]) == min(int(limit), 2)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not-a-cursor",
        "%%%",
        _b64("methods:1"),
        _b64("links:1"),
        _b64("links:x:y"),
        _b64("links:1:2:3"),
        _b64("links:-1:2"),
    ],
)
def test_invalid_cursor(client, cursor):
    response = client.get("/payment-links", params={"cursor": cursor})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request",
        "invalid_cursor",
        "cursor",
    )


def test_a_links_cursor_is_not_a_methods_cursor(client, methods):
    create_links(client, methods["default"], 3)
    cursor = client.get("/payment-links", params={"limit": 1}).json()["next_cursor"]
    response = client.get("/payment-methods", params={"cursor": cursor})
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_payment_methods_page_oldest_first(client):
    for index in range(4):
        client.post(
            "/payment-methods",
            json={"wallet_id": f"w{index}", "chain": "tron", "token": "USDT"},
        )
    pages = all_pages(client, "/payment-methods", limit=2)
    assert [len(page["data"]) for page in pages] == [2, 2, 2, 1]
    wallets = [m["wallet_id"] for page in pages for m in page["data"]]
    assert wallets[3:] == ["w0", "w1", "w2", "w3"]
    assert len(set(m["id"] for page in pages for m in page["data"])) == 7


def test_payment_methods_page_within_a_status(client):
    for index in range(3):
        client.post(
            "/payment-methods", json={"wallet_id": f"w{index}", "chain": "base", "token": "USDC"}
        )
    pages = all_pages(client, "/payment-methods", limit=2, status="active")
    found = [m for page in pages for m in page["data"]]
    assert len(found) == 5
    assert {m["status"] for m in found} == {"active"}


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_payment_methods_invalid_limit(client, limit):
    response = client.get("/payment-methods", params={"limit": limit})
    assert response.json()["error"]["code"] == "invalid_limit"


def test_ten_thousand_bulk_links_page_cleanly(emulator, client, key):
    started = time.perf_counter()
    emulator.add_links(key, 10_000)
    assert time.perf_counter() - started < 2.0
    assert emulator.links_created(key) == 10_000

    pages = all_pages(client, "/payment-links", limit=100)
    assert len(pages) == 100
    links = [link for page in pages for link in page["data"]]
    assert len({link["id"] for link in links}) == 10_000
    stamps = [link["created_at"] for link in links]
    assert stamps == sorted(stamps, reverse=True)
    assert links[-1]["description"] == "Bulk link 1"
    assert {link["expires_at"] is None for link in links} == {True, False}
    assert all(link["amount_usd"] >= 0.01 for link in links)


def test_bulk_links_with_an_older_start_sort_by_creation(emulator, client, methods, key):
    made = create_links(client, methods["default"], 1)
    emulator.add_links(key, 3, start=datetime(2024, 1, 1, tzinfo=UTC))
    listed = client.get("/payment-links").json()["data"]
    assert listed[0]["id"] == made[0]
    assert [link["created_at"] for link in listed[1:]] == [
        "2024-01-01T00:00:02Z",
        "2024-01-01T00:00:01Z",
        "2024-01-01T00:00:00Z",
    ]


def test_bulk_links_belong_to_one_organization(emulator, connect, key):
    emulator.add_links(key, 5)
    other = "sk_live_" + "OTHERorganization0000"
    assert emulator.links_created(other) == 0
    assert connect(emulator, other).get("/payment-links").json()["data"] == []
    assert emulator.links_created() == 5
