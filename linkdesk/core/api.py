"""What linkdesk knows of billing.io's API without speaking HTTP: its address, retry notices,
idempotency keys.

The window needs these before any request is made (to check the address it was given, to
word a retry, to key a create), and must not pay for loading an HTTP stack to get them:
`linkdesk.core.billing`, which does speak HTTP, is loaded on the API thread when the
first client is made, and re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkdesk.core.errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.billing.io/v1"
API_BASE_ENV = "LINKDESK_API_BASE"


def new_idempotency_key() -> str:
    """One key per press of Create, reused on every retry of that create."""
    # Imported at the first create: uuid loads platform, some 4 ms the window's start
    # does not need to pay.
    import uuid

    return str(uuid.uuid4())


def check_base_url(url: str) -> str:
    """The API address without a trailing slash; plain http only for this computer."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            "The API address must look like https://api.billing.io/v1; check the setting."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            "The API address must use https:// unless it points at this computer."
        )
    return url.strip().rstrip("/")


def resolve_base_url(explicit: str | None, environ: Mapping[str, str]) -> str:
    """--api-base wins over LINKDESK_API_BASE, which wins over billing.io itself."""
    return check_base_url(explicit or environ.get(API_BASE_ENV) or DEFAULT_BASE_URL)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    # Only plain-http addresses get here, which is rare: load ipaddress only for them.
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetryNotice:
    """Told to the user while linkdesk waits before trying again."""

    attempt: int  # the attempt about to start, 2 for the first retry
    retries: int  # how many retries are allowed at most
    wait: float
    reason: str

    @property
    def text(self) -> str:
        return f"{self.reason} Retrying ({self.attempt - 1} of {self.retries})…"
