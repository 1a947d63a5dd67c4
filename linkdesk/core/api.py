"""What linkdesk knows of billing.io's API without speaking HTTP: its address, retry notices,
idempotency keys.

The window needs these before any request is made (to check the address it was given, to
word a retry, to key a create), and must not pay for loading an HTTP stack to get them:
`linkdesk.core.billing`, which does speak HTTP, is loaded on the API thread when the
first client is made, and re-exports everything here.
"""

from __future__ import annotations

import re
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


def check_base_url(url: str, *, source: str = "the setting") -> str:
    """The API address without a trailing slash, if the HTTP client can really use it;
    plain http only for this computer. Anything else is a `ConfigurationError` whose
    sentence names `source`, where the address came from, and never repeats the address
    (a key pasted into the wrong field must not be echoed)."""
    text = url.strip()
    unusable = ConfigurationError(
        f"The API address must look like https://api.billing.io/v1; check {source}."
    )
    # White space, control characters and the lone surrogates an undecodable environment
    # variable arrives with: no client can send them.
    if not text or len(text) > _MAX_URL_LENGTH or not text.isprintable() or " " in text:
        raise unusable
    try:
        parts = urlsplit(text)  # unbalanced [brackets] raise here
    except ValueError:
        raise unusable from None
    try:
        port = parts.port  # not a number, or beyond 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigurationError(
            f"The port in the API address must be a number from 1 to 65535; check {source}."
        )
    if (
        parts.scheme not in {"http", "https"}
        or not _NETLOC(parts.netloc)
        or "?" in text
        or "#" in text
        or not parts.hostname
        or not _is_host(parts.hostname, bracketed=parts.netloc.startswith("["))
    ):
        raise unusable
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"The API address must use https:// unless it points at this computer; check {source}."
        )
    return text.rstrip("/")


def resolve_base_url(
    explicit: str | None, environ: Mapping[str, str], *, demo: bool = False
) -> str:
    """--api-base wins over LINKDESK_API_BASE, which wins over billing.io itself.

    The demo talks to its own emulator, so `demo` leaves LINKDESK_API_BASE unread: a
    developer's leftover setting must not stop a demo. A --api-base typed with --demo is
    still checked, since the window uses it for a real key pasted during the demo.
    """
    if explicit:
        return check_base_url(explicit, source="--api-base")
    if not demo and environ.get(API_BASE_ENV):
        return check_base_url(environ[API_BASE_ENV], source=API_BASE_ENV)
    return DEFAULT_BASE_URL


_MAX_URL_LENGTH = 2048
# A host and perhaps a port; no user name, which would send the key to the host after
# the "@", and nothing after an address in [brackets] but its port.
_NETLOC = re.compile(r"(?:\[[^\[\]]*\]|[^:@\[\]]+)(?::[0-9]*)?").fullmatch
_IPV4_SHAPE = re.compile(r"[0-9]+(?:\.[0-9]+){3}").fullmatch
# Letters, digits, hyphens (and the underscores some office networks use) between dots.
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?").fullmatch


def _is_host(host: str, *, bracketed: bool) -> bool:
    """Whether the HTTP client can connect to `host` (lower case, without brackets)."""
    if bracketed or _IPV4_SHAPE(host):
        # Only addresses written as numbers get here, which is rare: load ipaddress only
        # for them.
        import ipaddress

        try:
            (ipaddress.IPv6Address if bracketed else ipaddress.IPv4Address)(host)
        except ValueError:
            return False
        return True
    if host.isascii():
        return _HOST_NAME(host) is not None and len(host) <= 253
    # A name in another script: the HTTP client encodes it with idna, so ask idna.
    import idna

    try:
        idna.encode(host)
    except (idna.IDNAError, UnicodeError):
        return False
    return True


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
