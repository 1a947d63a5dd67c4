"""Demo mode: billing.io's API emulated in-process, with a built-in sandbox key never stored."""

from __future__ import annotations

from linkdesk.emulator import Emulator

# Obviously fake, sandbox-only, and only ever sent to the emulator on this computer.
DEMO_KEY = "sk_test_linkdeskDEMO000000000000"


def start_demo() -> tuple[Emulator, str]:
    """Start the emulator on a free loopback port; return it and its API address."""
    emulator = Emulator(host="127.0.0.1", port=0).start()
    return emulator, emulator.base_url
