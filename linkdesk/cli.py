"""linkdesk from a terminal: create links, list methods and the link history, export it to
CSV and manage the key, on the same core.

Every failure is one line on standard error and an exit code (see `linkdesk --help`),
never a traceback. The key comes from $BILLING_API_KEY when set, else the keyring;
`key set` reads it from standard input or a hidden prompt, never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from linkdesk.core import errors
from linkdesk.core.api import new_idempotency_key, resolve_base_url
from linkdesk.core.billing import BillingClient
from linkdesk.core.links import (
    MAX_LIFETIME,
    MIN_LIFETIME,
    Environment,
    LinkRequest,
    PaymentLink,
    PaymentMethod,
    clean_description,
)
from linkdesk.core.money import format_amount, format_usd
from linkdesk.core.paths import demo_history_path, history_path, resolve_data_dir

if TYPE_CHECKING:
    from linkdesk.core.history import LinkHistory, StoredLink
    from linkdesk.core.pending import PendingJournal

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_NO_KEY = 5

KEY_ENV = "BILLING_API_KEY"
RUN_AGAIN = (
    "Run the same command again: if billing.io made the link, you get that one, not a second."
)
NO_KEYRING = (
    "This computer has no secure keyring to keep the key in, so it was not saved; set "
    f"the {KEY_ENV} environment variable to the key instead."
)
KEY_REFUSED = (
    "The system keyring did not take the key (it may be locked), so it was not saved; "
    f"unlock the keyring and run `linkdesk key set` again, or set {KEY_ENV} to the key."
)


class _Failure(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def run(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Run one CLI command; return its exit code."""
    try:
        if args.command == "key":
            return _key(args, stdin or sys.stdin)
        if args.command == "links":
            return _links(args)
        if args.command == "export":
            return _export(args)
        with _client(args) as client:
            if args.command == "create":
                return _create(args, client)
            return _methods(args, client)
    except _Failure as failure:
        _fail(failure.message)
        return failure.code
    except errors.LinkdeskError as error:
        _fail(error.message)
        return _exit_code(error)
    except KeyboardInterrupt:
        _fail("Stopped.")
        return 130
    except Exception as error:  # the promise is one line, never a traceback
        _fail(f"Unexpected problem ({type(error).__name__}); run again with --verbose.")
        return EXIT_UNEXPECTED


def _fail(message: str) -> None:
    print(f"linkdesk: {errors.redact(message)}", file=sys.stderr)


def _exit_code(error: errors.LinkdeskError) -> int:
    if isinstance(error, errors.InvalidInput | errors.InvalidKey | errors.ConfigurationError):
        return EXIT_INVALID
    if isinstance(error, errors.AuthenticationError | errors.SecretStoreError):
        return EXIT_NO_KEY
    if isinstance(
        error,
        errors.NetworkError
        | errors.MalformedResponse
        | errors.ServerError
        | errors.ProxyError
        | errors.RateLimited,
    ):
        return EXIT_UNREACHABLE
    if isinstance(error, errors.ApiError):
        return EXIT_REFUSED
    return EXIT_UNEXPECTED


@contextmanager
def _client(args: argparse.Namespace) -> Iterator[BillingClient]:
    demo = getattr(args, "demo", False)
    # Checked in demo mode too, as the window does: the same command line is refused alike.
    base_url = resolve_base_url(getattr(args, "api_base", None), os.environ, demo=demo)
    if demo:
        from linkdesk.demo import DEMO_KEY, start_demo

        emulator, base_url = start_demo()
        try:
            with BillingClient(DEMO_KEY, base_url) as client:
                yield client
        finally:
            emulator.stop()
        return
    key = os.environ.get(KEY_ENV, "").strip()
    if key:
        from linkdesk.core.secrets import check_key

        key, _ = check_key(key)
    else:
        key = _store().active_key() or ""
    if not key:
        raise _Failure(
            "No API key: run `linkdesk key set`, set BILLING_API_KEY, or try --demo.",
            EXIT_NO_KEY,
        )
    with BillingClient(key, base_url) as client:
        yield client


def _store() -> Any:
    from linkdesk.core.secrets import SecretStore

    return SecretStore()


# Commands --------------------------------------------------------------------------------


def _create(args: argparse.Namespace, client: BillingClient) -> int:
    lifetime = _lifetime(args.expires_in)
    method_id = args.method
    # Check what was typed before asking billing.io anything.
    LinkRequest.build(args.amount, method_id or "default", args.description, lifetime)
    method_name = None
    if not method_id:
        method = _default_method(client.list_payment_methods())
        method_id, method_name = method.id, method.label
    request = LinkRequest.build(args.amount, method_id, args.description, lifetime)
    with _idempotency_key(args, client, request) as key:
        link = client.create_payment_link(request, key)
        # Recorded before it is shown; if that fails the link is shown all the same.
        not_saved = _record(args, link, client.environment, method_name)
        if args.json:
            print(json.dumps(_link_json(link, client.environment), ensure_ascii=False, indent=2))
        else:
            print(link.url)
            expiry = link.expires_at.isoformat() if link.expires_at else "no expiry"
            print(
                f"{format_usd(link.amount_usd)}, {client.environment.badge}, expires: {expiry}",
                file=sys.stderr,
            )
    if not_saved:
        _fail(not_saved)
    return EXIT_OK


@contextmanager
def _idempotency_key(
    args: argparse.Namespace, client: BillingClient, request: LinkRequest
) -> Iterator[str]:
    """The Idempotency-Key for this create, kept with the request in the data folder
    until the link is printed or billing.io refuses it. So the same command run again
    after a timeout, a Ctrl+C or a crash sends the same key and gets the same link, never
    a second one. Not in the demo, whose emulator ends with the command."""
    if getattr(args, "demo", False):
        yield new_idempotency_key()
        return
    from linkdesk.core.pending import CLI_JOURNAL, PendingJournal

    journal = PendingJournal(_history_file(args).parent, client.environment, name=CLI_JOURNAL)
    pending = journal.load()  # None for a file it cannot read
    if pending is not None and pending.request == request:
        key = pending.idempotency_key
        log.info("sending again the create of %s that got no answer", pending.started_at)
    else:
        key = new_idempotency_key()
    try:
        journal.save(request, key)
        kept = True
    except Exception as error:  # a safety net lost, no reason to refuse the create
        log.info("could not keep the create in %s: %s", journal.path, error)
        kept = False
    try:
        yield key
    except errors.OUTCOME_UNKNOWN as error:
        if not kept:
            raise
        raise _Failure(f"{error.message} {RUN_AGAIN}", _exit_code(error)) from None
    except KeyboardInterrupt:
        if not kept:
            raise
        raise _Failure(f"Stopped. {RUN_AGAIN}", 130) from None
    except errors.LinkdeskError:
        _forget(journal, key)
        raise
    _forget(journal, key)


def _forget(journal: PendingJournal, key: str) -> None:
    try:
        journal.clear(key)
    except Exception as error:
        log.info("could not remove %s: %s", journal.path, error)


def _history_file(args: argparse.Namespace) -> Path:
    path = history_path(resolve_data_dir(getattr(args, "data_dir", None), os.environ))
    return demo_history_path(path) if getattr(args, "demo", False) else path


def _record(
    args: argparse.Namespace,
    link: PaymentLink,
    environment: Environment,
    method_name: str | None,
) -> str | None:
    """Keep a new link in the history; the warning to give when that failed."""
    from linkdesk.core.history import LinkHistory

    try:
        with LinkHistory(_history_file(args)) as history:
            history.record(link, environment=environment, method_name=method_name)
    except errors.LinkdeskError as error:
        return f"The link was created but not saved in this computer's history: {error.message}"
    return None


def _links(args: argparse.Namespace) -> int:
    limit = _whole_number(args.limit, "--limit")
    now = datetime.now(UTC)
    rows: list[StoredLink] = []
    path = _history_file(args)
    if path.exists():
        from linkdesk.core.history import HistoryFilter

        with _read_history(path) as history:
            rows = history.page(HistoryFilter(), now, limit=limit)
    if args.json:
        print(json.dumps([_stored_json(s, now) for s in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(f"No links in the history yet ({path}).", file=sys.stderr)
    for stored in rows:
        cells = [
            stored.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            format_usd(stored.amount_usd),
            stored.environment.badge,
            stored.state(now).value,
            # One line per link, and nothing a terminal would obey (escape sequences).
            clean_description(stored.description or ""),
            stored.url,
        ]
        print("  ".join(cell for cell in cells if cell))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from linkdesk.core.export import export_csv
    from linkdesk.core.history import HistoryFilter, StateFilter

    since = _moment(args.since, "--since", end_of_day=False)
    until = _moment(args.until, "--until", end_of_day=True)
    if since and until and since >= until:
        raise _Failure("--since must be before --until.", EXIT_INVALID)
    flt = HistoryFilter(
        state=StateFilter(args.state),
        environment=Environment(args.environment) if args.environment else None,
        since=since,
        until=until,
    )
    if not args.output.strip():
        raise _Failure("--output takes the name of the CSV file to write.", EXIT_INVALID)
    target = Path(args.output).expanduser()
    now = datetime.now(UTC)
    path = _history_file(args)
    if path.exists():
        with _read_history(path) as history:
            count = export_csv(history.rows(flt, now), target, now=now)
    else:
        print(f"No links in the history yet ({path}).", file=sys.stderr)
        count = export_csv([], target, now=now)
    print(f"Exported {count:,} link{'' if count == 1 else 's'} to {target}.")
    return EXIT_OK


_LARGEST_LIMIT = 2**62


def _read_history(path: Path) -> LinkHistory:
    """The history for `links` and `export`: brought up to date if it is older, and read
    as it stands where its folder cannot be written (a backup on a read-only disk)."""
    from linkdesk.core.history import LinkHistory

    try:
        return LinkHistory(path)
    except errors.LinkdeskError:
        if os.access(path.parent, os.W_OK):
            raise
        return LinkHistory.open_reader(path)


def _whole_number(text: str, option: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise _Failure(f"{option} takes a whole number, at least 1.", EXIT_INVALID)
    return min(value, _LARGEST_LIMIT)  # more than any history holds: all of it


def _moment(text: str | None, option: str, *, end_of_day: bool) -> datetime | None:
    """A day (local midnight; with `end_of_day` the midnight after it) or a moment
    (local time unless it says Z or an offset), as an aware datetime."""
    if text is None:
        return None
    typed = text.strip()
    try:
        if any(mark in typed for mark in "T: "):
            moment = datetime.fromisoformat(typed.replace("Z", "+00:00").replace(" ", "T"))
        else:  # a day: 2026-11-24 or 20261124
            moment = datetime.combine(date.fromisoformat(typed), time())
            if end_of_day:
                moment += timedelta(days=1)
    except ValueError:
        raise _Failure(
            f"{option} takes a day like 2026-11-24 or a moment like 2026-11-24T09:30.",
            EXIT_INVALID,
        ) from None
    except OverflowError:  # the midnight after 9999-12-31
        return None
    try:
        return moment if moment.tzinfo else moment.astimezone()
    except (ValueError, OverflowError):
        # At the very edge of what a date can name (0001-01-01, 9999-12-31): no bound.
        return None


def _lifetime(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        seconds = int(text.strip())
    except ValueError:
        seconds = 0
    if not MIN_LIFETIME <= seconds <= MAX_LIFETIME:
        raise _Failure(
            f"--expires-in takes whole seconds from {MIN_LIFETIME} (5 minutes) to "
            f"{MAX_LIFETIME} (30 days); leave it out for a link that never expires.",
            EXIT_INVALID,
        )
    return seconds


def _default_method(methods: list[PaymentMethod]) -> PaymentMethod:
    for method in methods:
        if method.is_default:
            return method
    if methods:
        return methods[0]
    raise _Failure(
        "This account has no active payment method; add one in the billing.io dashboard.",
        EXIT_REFUSED,
    )


def _methods(args: argparse.Namespace, client: BillingClient) -> int:
    methods = client.list_payment_methods()
    if args.json:
        print(json.dumps([_method_json(m) for m in methods], ensure_ascii=False, indent=2))
        return EXIT_OK
    for method in methods:
        mark = " (default)" if method.is_default else ""
        hint = f"  {method.limits_hint}" if method.limits_hint else ""
        print(f"{method.id}  {method.label}{mark}{hint}")
    return EXIT_OK


def _key(args: argparse.Namespace, stdin: TextIO) -> int:
    store = _store()
    if args.action == "set":
        key = _read_key(stdin)
        # The window may keep a key it could not store until it closes; this process
        # ends now, so a key the keyring did not take is simply lost.
        try:
            environment = store.save(key)
        except errors.SecretStoreError:
            raise _Failure(KEY_REFUSED, EXIT_NO_KEY) from None
        if not store.persistent:
            raise _Failure(NO_KEYRING, EXIT_NO_KEY)
        print(f"Saved the {environment.value} key {_mask(key)} in the system keyring.")
        return EXIT_OK
    if args.action == "clear":
        targets = [Environment(args.environment)] if args.environment else list(Environment)
        for environment in targets:
            store.clear(environment)
        print("Cleared " + " and ".join(e.value for e in targets) + " key.")
        return EXIT_OK
    for environment, masked in store.status():
        print(f"{environment.value}: {masked or 'no key'}")
    if store.problem:
        print(store.problem)
    if os.environ.get(KEY_ENV):
        print(f"{KEY_ENV} is set and takes precedence over the keyring.")
    return EXIT_OK


def _read_key(stdin: TextIO) -> str:
    if stdin.isatty():
        text = getpass.getpass("Paste the secret key (input hidden): ")
    else:
        text = stdin.readline(4096)
    from linkdesk.core.secrets import check_key

    key, _ = check_key(text)
    return key


def _mask(key: str) -> str:
    from linkdesk.core.secrets import mask

    return str(mask(key))


def _link_json(link: PaymentLink, environment: Environment) -> dict[str, Any]:
    return {
        "id": link.id,
        "url": link.url,
        "amount_usd": format_amount(link.amount_usd),
        "payment_method_id": link.payment_method_id,
        "description": link.description,
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "created_at": link.created_at.isoformat() if link.created_at else None,
        "environment": (link.environment or environment).value,
    }


def _stored_json(stored: StoredLink, now: datetime) -> dict[str, Any]:
    from linkdesk.core.export import amount_text, iso_utc

    return {
        "id": stored.id,
        "url": stored.url,
        "amount_usd": amount_text(stored.amount_usd),
        "payment_method_id": stored.payment_method_id,
        "payment_method_name": stored.payment_method_name,
        "description": stored.description,
        "created_at": iso_utc(stored.created_at),
        "expires_at": iso_utc(stored.expires_at) or None,
        "state": stored.state(now).value,
        "environment": stored.environment.value,
        "source": stored.source.value,
    }


def _method_json(method: PaymentMethod) -> dict[str, Any]:
    return {
        "id": method.id,
        "label": method.label,
        "chain": method.chain,
        "token": method.token,
        "is_default": method.is_default,
        "min_amount_usd": format_amount(method.min_amount_usd)
        if method.min_amount_usd is not None
        else None,
        "max_amount_usd": format_amount(method.max_amount_usd)
        if method.max_amount_usd is not None
        else None,
    }
