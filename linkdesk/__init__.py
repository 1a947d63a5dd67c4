"""linkdesk: billing.io payment links with a scannable QR code at the shop counter."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("linkdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
