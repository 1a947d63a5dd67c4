"""100 creates in a row over one BillingClient: how many TCP connections do they open?

Prints the connection count (target: 1) and the median create time against a raw httpx
POST to the same emulator in the same run, as a ratio.

    python benchmarks/connections.py
"""

from __future__ import annotations

import statistics
import time

import httpx

from linkdesk.core.billing import BillingClient, new_idempotency_key
from linkdesk.core.links import LinkRequest
from linkdesk.emulator import Emulator

KEY = "sk_test_BenchmarkFAKE00000000"
CREATES = 100


def main() -> None:
    with Emulator(port=0).start() as emulator:
        before = emulator.connections_opened()
        with BillingClient(KEY, emulator.base_url) as client:
            method = next(m for m in client.list_payment_methods() if m.is_default)
            request = LinkRequest.build("29.99", method.id, "Benchmark")
            ours = []
            for _ in range(CREATES):
                started = time.perf_counter()
                client.create_payment_link(request, new_idempotency_key())
                ours.append(time.perf_counter() - started)
            connections = emulator.connections_opened() - before

        raw = []
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        with httpx.Client(base_url=emulator.base_url + "/", headers=headers) as http:
            for _ in range(CREATES):
                started = time.perf_counter()
                response = http.post(
                    "payment-links",
                    content=request.to_json(),
                    headers={"Idempotency-Key": new_idempotency_key()},
                )
                response.json()
                raw.append(time.perf_counter() - started)

    ours_ms = statistics.median(ours) * 1000
    raw_ms = statistics.median(raw) * 1000
    print(f"methods + {CREATES} creates, TCP connections opened: {connections} (target 1)")
    print(f"median create: linkdesk {ours_ms:.2f} ms, raw httpx {raw_ms:.2f} ms")
    print(f"ratio linkdesk/raw: {ours_ms / raw_ms:.2f}")


if __name__ == "__main__":
    main()
