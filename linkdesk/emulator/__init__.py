"""A stateful local billing.io API over real HTTP, for demo mode, tests and developers.

Standard library only, so it imports without Qt or httpx::

    from linkdesk.emulator import Emulator, Fault

    with Emulator().start() as emulator:
        emulator.add_fault(Fault.DROP_MID_BODY, route="POST /v1/payment-links")
        ...  # talk to emulator.base_url with any HTTP client
"""

from linkdesk.emulator.faults import Fault
from linkdesk.emulator.ratelimit import RateLimit
from linkdesk.emulator.server import Emulator

__all__ = ["Emulator", "Fault", "RateLimit"]
