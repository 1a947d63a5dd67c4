"""One error model for everything that can go wrong, each error with a sentence for a shop owner.

Every failure linkdesk can meet, from a typo in the amount to a proxy answering with an
HTML page, ends up as a `LinkdeskError`. Its `message` is what the window or the command
line shows: one plain sentence saying what happened and what to do. Its `param` names
the form field at fault, when there is one. No message ever contains the API key: the
key is never passed to an error, and `redact` scrubs anything key-shaped that might
arrive from elsewhere (a server echoing a header, say).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_KEY_PATTERN = re.compile(r"sk_(?:test|live)_[A-Za-z0-9]+")
_HIDDEN = "…(hidden)"
_KEY_HIDDEN = "sk_" + _HIDDEN
# A bearer token of any shape ("Bearer eyJ..."), unless it is already hidden.
_BEARER_PATTERN = re.compile(
    r"(?i)\b(bearer\s+)(?!" + re.escape(_KEY_HIDDEN) + r"|" + re.escape(_HIDDEN) + r")"
    r"[^\s'\",;)\]}]+"
)
# An Authorization header's value, however it is printed: "Authorization: Basic ...",
# {'authorization': '...'}, (b'Authorization', b'...'), authorization=...
_AUTHORIZATION_PATTERN = re.compile(
    r"(?i)(\b(?:proxy-)?authorization\b['\"]?\s*[:=,]\s*(?:b?['\"])?)([^'\"\r\n]+)"
)


def _hide_authorization(match: re.Match[str]) -> str:
    value = match.group(2)
    if value.strip() in {_HIDDEN, _KEY_HIDDEN, "Bearer " + _KEY_HIDDEN, "Bearer " + _HIDDEN}:
        return match.group(0)
    return match.group(1) + _HIDDEN


def redact(text: str) -> str:
    """Replace anything shaped like a secret key, a bearer token or an Authorization
    header's value with a placeholder."""
    text = _KEY_PATTERN.sub(_KEY_HIDDEN, text)
    text = _BEARER_PATTERN.sub(lambda match: match.group(1) + _HIDDEN, text)
    return _AUTHORIZATION_PATTERN.sub(_hide_authorization, text)


class LinkdeskError(Exception):
    """Base of every error linkdesk reports to a person."""

    default_message = "Something went wrong; please try again."

    def __init__(self, message: str | None = None, *, param: str | None = None) -> None:
        self.message = redact(message or self.default_message)
        self.param = param
        super().__init__(self.message)


# Input typed by the user -------------------------------------------------------------


class InvalidInput(LinkdeskError):
    """What the user typed cannot be sent; `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        first_field, first_message = next(iter(self.errors.items()))
        super().__init__(first_message, param=first_field)


class ConfigurationError(LinkdeskError):
    """A setting such as the API address is unusable."""


class InvalidKey(LinkdeskError):
    """A pasted secret key does not have the shape of a billing.io key."""

    default_message = (
        "That does not look like a billing.io secret key; it should start with "
        "sk_test_ or sk_live_."
    )


class SecretStoreError(LinkdeskError):
    """The system keyring refused to store, read or delete the key."""

    default_message = (
        "The system keyring could not be used; the key is kept only until linkdesk closes."
    )


class Cancelled(LinkdeskError):
    """The user cancelled the operation."""

    default_message = "Cancelled."


# Answers from billing.io --------------------------------------------------------------


class ApiError(LinkdeskError):
    """billing.io answered with an error in its documented format (or close to it)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int,
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message, param=param)
        self.status = status
        self.code = code


class FieldError(ApiError):
    """billing.io rejected one field of the request (400 invalid_request, 422 validation)."""

    default_message = "billing.io rejected the request; check the form and try again."


class AuthenticationError(ApiError):
    """The key is missing, wrong or revoked."""

    default_message = (
        "billing.io did not accept the API key; open Keys and paste a valid secret key."
    )


class NotFoundError(ApiError):
    """The address answered 404: usually a wrong API address."""

    default_message = (
        "billing.io does not know this address; check the API address in the settings."
    )


class IdempotencyConflict(ApiError):
    """The same Idempotency-Key was used with a different request."""

    default_message = (
        "billing.io saw this request before with different details; press Create again "
        "to make a new link."
    )


class RateLimited(ApiError):
    """Too many requests; billing.io asks to wait `retry_after` seconds."""

    default_message = "billing.io is receiving too many requests; wait a minute and try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int = 429,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, param=param)
        self.retry_after = retry_after


class ServerError(ApiError):
    """billing.io itself failed (5xx with its JSON error body)."""

    default_message = "billing.io had an internal problem; try again in a minute."


class ProxyError(ApiError):
    """A 502/503/504 that did not come from billing.io's API (an HTML page from a proxy)."""

    default_message = (
        "billing.io could not be reached through the network right now (a gateway "
        "answered instead); try again in a minute."
    )


class UnexpectedStatus(ApiError):
    """Any other status code billing.io does not document."""

    default_message = "billing.io answered in an unexpected way; try again in a minute."


# Responses that are not what the contract promises ------------------------------------


class MalformedResponse(LinkdeskError):
    """The answer arrived but cannot be read; nothing the user did caused it."""

    default_message = (
        "billing.io sent an answer linkdesk cannot read; try again, and if it keeps "
        "happening check the API address."
    )


class NotJsonResponse(MalformedResponse):
    default_message = (
        "billing.io answered with something other than data (perhaps a login page of "
        "your network); check your internet connection and try again."
    )


class TruncatedResponse(MalformedResponse):
    default_message = "The answer from billing.io was cut off; try again."


class ResponseTooLarge(MalformedResponse):
    default_message = "billing.io sent an answer far larger than expected; try again later."


# The network --------------------------------------------------------------------------


class NetworkError(LinkdeskError):
    """The request did not get an answer."""

    default_message = "billing.io could not be reached; check the internet connection."


class RequestTimeout(NetworkError):
    default_message = (
        "billing.io did not answer in time; check the internet connection and try again."
    )


class ConnectionRefused(NetworkError):
    default_message = (
        "Nothing answered at the API address; check the internet connection or the API address."
    )


class ConnectionDropped(NetworkError):
    default_message = "The connection to billing.io broke off; try again."


class TlsError(NetworkError):
    default_message = (
        "The secure connection to billing.io could not be checked; check the computer's "
        "date and time, or your network's security software."
    )


# Failures after which billing.io may or may not have made the link: a create that
# ended so is repeated with its Idempotency-Key, never with a new one. A rate limit is
# among them: it is the last answer of attempts that may have been made before it.
OUTCOME_UNKNOWN: tuple[type[LinkdeskError], ...] = (
    Cancelled,
    NetworkError,
    MalformedResponse,
    ServerError,
    ProxyError,
    UnexpectedStatus,
    RateLimited,
)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from every record it passes: the message and
    its arguments, the traceback, the stack and any `extra` field.

    Put it on a handler (a logger's filters miss what propagates from its children). It
    changes the record itself, so every handler after it sees the scrubbed one too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep neither as given
            message = f"{record.msg} (the log arguments did not fit this message)"
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _STANDARD_RECORD_FIELDS:
                continue
            # An extra field is formatted with str(); scrub that text, and leave values
            # that hold no secret as they are, for handlers that use them as objects.
            text = value if isinstance(value, str) else str(value)
            scrubbed = redact(text)
            if scrubbed != text:
                setattr(record, name, scrubbed)
        return True


# Fields every LogRecord has; anything else on a record came from `extra`.
_STANDARD_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
