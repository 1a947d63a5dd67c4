"""linkdesk: billing.io payment links with a scannable QR code at the shop counter."""

from __future__ import annotations

from functools import cache

# The reverse-DNS id of the desktop entry, the AppStream metainfo and the macOS bundle;
# Qt passes it to Wayland as the window's app id, so it must be the desktop file's name.
APP_ID = "app.linkdesk.linkdesk"


@cache
def version() -> str:
    """The installed package's version, read from its metadata when first asked for.

    Reading metadata costs tens of milliseconds, so it is not done at import time: the
    window must open fast, and only `--version` and the API client's User-Agent need it.
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version("linkdesk")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(name)
