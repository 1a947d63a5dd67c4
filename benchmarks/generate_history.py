"""Write a realistic link history for the other benchmarks: a shop's links over ~3 years.

Descriptions in several languages (right-to-left ones and emoji among them) or none at
all, prices clustered the way shop prices are, both environments, lifetimes from five
minutes to never, links made here and links pulled from billing.io. The same seed gives
the same file. Links go through `LinkHistory.record_many` in large transactions, so the
file is exactly what linkdesk itself would have written.

    python benchmarks/generate_history.py --links 1000000 --output /tmp/history.sqlite3
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from linkdesk.core.history import LinkHistory, Source
from linkdesk.core.links import Environment, PaymentLink

YEARS = 3
BATCH = 50_000

PRODUCTS = [
    "Coffee",
    "Flat white",
    "Cappuccino",
    "Espresso",
    "Latte macchiato",
    "Coffee and croissant",
    "Coffee beans 1 kg",
    "Cold brew",
    "Cheesecake",
    "Lunch menu",
    "Bike repair",
    "Haircut",
    "Haircut + beard trim",
    "Gift card",
    "Delivery fee",
    "Consulting, 1 hour",
    "Deposit",
    "Kaffee und Kuchen",
    "Reparatur Fahrrad",
    "Brötchen ×6",
    "Café crème",
    "Pain au chocolat",
    "Coupe femme",
    "Café con leche",
    "Menú del día",
    "Кофе и пирожное",
    "Ремонт велосипеда",
    "قهوة عربية",
    "فاتورة",
    "شكرا — طاولة",
    "קפה הפוך",
    "חשבונית",
    "拿铁咖啡",
    "ケーキセット",
    "커피",
    "☕ Espresso doppio",
    "🍰 Cake of the day",
    "🎁 Gift card",
    "🚲 Service",
    "🧾 Invoice",
]
SUFFIXES = ["", "", "", " x2", " ×3", " (takeaway)", " — table {n}", " #{n}", " order {n}"]
LIFETIMES = [(300, 15), (900, 40), (3600, 20), (86400, 10), (7 * 86400, 5), (None, 10)]
METHODS = [
    ("pm_0f1e2d3c4b5a69788796a5b4", "USDT on Tron", 60),
    ("pm_1a2b3c4d5e6f708192a3b4c5", "USDC on Base", 30),
    ("pm_2b3c4d5e6f708192a3b4c5d6", "USDC on Arbitrum", 10),
]


def description(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.101:
        # Now and then one of the longest descriptions billing.io takes.
        return ("Order notes: " + " ".join(rng.choices(PRODUCTS, k=60)))[:512]
    suffix = rng.choice(SUFFIXES).format(n=rng.randint(1, 9999))
    return rng.choice(PRODUCTS) + suffix


def amount(rng: random.Random) -> Decimal:
    roll = rng.random()
    if roll < 0.6:
        whole = rng.randint(1, 30)
    elif roll < 0.95:
        whole = rng.randint(30, 300)
    else:
        whole = rng.randint(300, 20_000)
    cents = rng.choice([0, 0, 50, 99, 90, 95, rng.randint(0, 99)])
    return Decimal(whole * 100 + cents).scaleb(-2)


def generate(path: Path, count: int, seed: int) -> float:
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=365 * YEARS)
    span_days = 365 * YEARS
    lifetimes, lifetime_weights = zip(*LIFETIMES, strict=True)
    methods = [m[:2] for m in METHODS]
    method_weights = [m[2] for m in METHODS]
    names = {method_id: name for method_id, name in methods}

    history = LinkHistory(path)
    started = time.perf_counter()
    pending: dict[tuple[Environment, Source], list[PaymentLink]] = defaultdict(list)
    waiting = 0
    # Shops open from 8 to 20; the day is any of the last three years. Links are
    # written in the order they were made, as a shop would have.
    moments = sorted(
        rng.randrange(span_days) * 86400 + rng.randrange(8 * 3600, 20 * 3600) for _ in range(count)
    )
    for offset in moments:
        created = start + timedelta(seconds=offset)
        lifetime = rng.choices(lifetimes, lifetime_weights)[0]
        environment = Environment.LIVE if rng.random() < 0.85 else Environment.SANDBOX
        source = Source.APP if rng.random() < 0.8 else Source.BILLING_IO
        method_id, _ = rng.choices(methods, method_weights)[0]
        link_id = f"pl_{rng.getrandbits(96):024x}"
        pending[environment, source].append(
            PaymentLink(
                id=link_id,
                url=f"https://pay.billing.io/{link_id}",
                amount_usd=amount(rng),
                payment_method_id=method_id,
                description=description(rng),
                expires_at=None if lifetime is None else created + timedelta(seconds=lifetime),
                environment=environment,
                created_at=created,
                org_id="org_5f0c9a1b2c3d4e5f60718293",
            )
        )
        waiting += 1
        if waiting >= BATCH:
            flush(history, pending, names)
            waiting = 0
    flush(history, pending, names)
    elapsed = time.perf_counter() - started
    history.close()
    return elapsed


def flush(
    history: LinkHistory,
    pending: dict[tuple[Environment, Source], list[PaymentLink]],
    names: dict[str, str],
) -> None:
    for (environment, source), links in pending.items():
        history.record_many(links, environment=environment, source=source, method_names=names)
    pending.clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args()
    if args.output.exists():
        if not args.force:
            print(f"{args.output} exists; pass --force to replace it", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.output}{suffix}").unlink(missing_ok=True)
    elapsed = generate(args.output, args.links, args.seed)
    size = args.output.stat().st_size / 1e6
    print(
        f"{args.links:,} links in {elapsed:.1f} s ({args.links / elapsed:,.0f} links/s), "
        f"{size:,.0f} MB: {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
