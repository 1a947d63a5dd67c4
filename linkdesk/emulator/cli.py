"""The emulator from a terminal: ``python -m linkdesk.emulator`` or ``linkdesk emulator``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from linkdesk.emulator.faults import Fault, parse_route
from linkdesk.emulator.ratelimit import RateLimit
from linkdesk.emulator.server import Emulator

__all__ = ["FaultSpec", "build_parser", "main"]

_FAULT_HELP = (
    "answer the next COUNT requests (default 1), to ROUTE only if given, with a fault. "
    "KIND is one of: " + ", ".join(f.value for f in Fault) + ". "
    "ROUTE looks like 'POST /v1/payment-links' (quote it). Repeat to queue several."
)


@dataclass(frozen=True)
class FaultSpec:
    """One ``--fault KIND[:COUNT[:ROUTE]]`` as typed."""

    kind: Fault
    count: int
    route: str | None

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        kind, _, rest = text.partition(":")
        count_text, _, route = rest.partition(":")
        try:
            fault = Fault(kind.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"unknown fault {kind!r}; choose from {', '.join(f.value for f in Fault)}"
            ) from None
        count = 1
        if count_text.strip():
            if not count_text.strip().isdigit() or int(count_text) < 1:
                raise argparse.ArgumentTypeError(f"COUNT must be a whole number >= 1 in {text!r}")
            count = int(count_text)
        route = route.strip() or None
        if route is not None:
            try:
                parse_route(route)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
        return cls(fault, count, route)


def _rate_limit(text: str) -> RateLimit:
    try:
        return RateLimit.parse(text)
    except (TypeError, ValueError):
        # One sentence of our own: RateLimit's messages name its fields, or repeat this.
        raise argparse.ArgumentTypeError(
            "expected CAPACITY/REFILL_PER_SECOND, a whole number of requests of at least 1 "
            "and the requests a second that come back (above 0), for example 10/2"
        ) from None


def _port(text: str) -> int:
    try:
        port = int(text.strip())
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            "the port must be a whole number from 1 to 65535, or 0 for a free one"
        )
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkdesk emulator",
        description="Run a local billing.io API emulator in the foreground until Ctrl+C. "
        "Any key of the form sk_test_… or sk_live_… is accepted and is its own organization.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=_port, default=8080, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=FaultSpec.parse,
        metavar="KIND[:COUNT[:ROUTE]]",
        help=_FAULT_HELP,
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=None,
        metavar="CAPACITY/REFILL_PER_SECOND",
        help="rate-limit each organization with a token bucket, e.g. 10/2; off by default",
    )
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="print each request line and status to stderr (never headers or keys)",
    )
    return parser


class _Terminated(Exception):
    """SIGTERM, turned into an exception so the main thread unwinds like on Ctrl+C."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until Ctrl+C or SIGTERM; 0 on a clean stop, 1 when the port cannot be used,
    2 for arguments that cannot be (argparse's usage errors, a host no socket takes)."""
    args = build_parser().parse_args(argv)
    emulator = Emulator(
        host=args.host, port=args.port, rate_limit=args.rate_limit, log_requests=args.log_requests
    )
    for spec in args.fault:
        emulator.add_fault(spec.kind, spec.count, spec.route)
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"linkdesk emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    except (TypeError, ValueError):  # a --host no socket can take (bytes not in UTF-8)
        print(
            f"linkdesk emulator: {args.host!r} is not an address to listen on; give a host "
            "name or an IP address such as 127.0.0.1.",
            file=sys.stderr,
        )
        return 2
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        print(f"linkdesk emulator listening on {emulator.base_url}", flush=True)
        threading.Event().wait()
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        emulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
