"""The secret API keys, kept in the operating system's keyring and nowhere else.

`SecretStore` keeps one key per billing.io environment under the service name
``linkdesk`` (username ``sandbox`` for ``sk_test_`` keys, ``live`` for ``sk_live_`` keys)
and a non-secret entry, ``active-environment``, naming the environment chosen last.

There is no plaintext fallback. Where no secure keyring exists (keyring's ``fail`` and
``null`` backends, anything of priority zero or less, a file-backed backend such as
keyrings.alt's) the store says so in `SecretStore.problem` and keeps the key in memory
for this run only. Where a secure keyring fails (locked, D-Bus gone), a save raises
`SecretStoreError` and the key is still kept in memory, so the cashier can go on working
until linkdesk closes.

Every call may block: a locked keyring shows an unlock prompt and waits for the person
at the screen, and the Secret Service is reached over D-Bus. The GUI must call the store
from a worker thread, never from the GUI thread. A store is meant for one thread at a
time (linkdesk's API worker); it holds no lock of its own.

The key never reaches a log line, an exception message or a repr: errors raised here
carry fixed sentences, and the backend's own exceptions are logged by type and redacted
message only, never chained into what the caller sees.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TypeVar

import keyring
import keyring.backend
from keyring.backends import chainer, fail, null
from keyring.errors import PasswordDeleteError

from linkdesk.core.errors import InvalidKey, SecretStoreError, redact
from linkdesk.core.links import Environment

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_KEY_SHAPE = re.compile(r"sk_(test|live)_[A-Za-z0-9]{16,}")
_PREFIXES = ("sk_test_", "sk_live_")
_MASK_TAIL = 4

ACTIVE_ENTRY = "active-environment"

NO_KEYRING = "This computer has no secure keyring, so linkdesk keeps the key only until it closes."
PLAINTEXT_KEYRING = (
    "The only keyring on this computer keeps keys in a plain file, which linkdesk refuses "
    "to use, so the key is kept only until linkdesk closes."
)
SAVE_FAILED = (
    "The system keyring could not store the key (it may be locked), so linkdesk keeps it "
    "only until it closes; unlock the keyring and save the key again to keep it."
)
READ_FAILED = "The system keyring could not be read (it may be locked); unlock it and try again."
DELETE_FAILED = (
    "The system keyring could not remove the key (it may be locked); unlock it and "
    "remove the key again."
)

_EMPTY_KEY = (
    "Paste a secret key from the billing.io dashboard; it starts with sk_test_ or sk_live_."
)
_BROKEN_KEY = (
    "That key is cut short or contains characters a billing.io key never has; copy it "
    "again from the billing.io dashboard."
)


def check_key(key: str) -> tuple[str, Environment]:
    """The key without surrounding whitespace and its environment, or `InvalidKey`.

    People paste keys with a trailing newline or space, so those are forgiven; anything
    else that does not match ``sk_(test|live)_`` plus at least 16 ASCII letters or digits
    is refused. The messages are fixed sentences: what was pasted never appears in them.
    """
    stripped = key.strip()
    if not stripped:
        raise InvalidKey(_EMPTY_KEY)
    if not stripped.startswith(_PREFIXES):
        raise InvalidKey()
    if _KEY_SHAPE.fullmatch(stripped) is None:
        raise InvalidKey(_BROKEN_KEY)
    return stripped, Environment.for_key(stripped)


def mask(key: str) -> str:
    """A form of the key safe to show: its prefix, an ellipsis and the last four characters.

    ``sk_test_`` + 24 characters ending in ``4f2a`` becomes ``sk_test_…4f2a``. Something
    that is not a well-formed key shows no tail at all, since four characters of a short
    string give away too much of it.
    """
    stripped = key.strip()
    prefix = next((p for p in _PREFIXES if stripped.startswith(p)), "")
    tail = stripped[-_MASK_TAIL:] if _KEY_SHAPE.fullmatch(stripped) else ""
    return f"{prefix}…{tail}"


class SecretStore:
    """The secret keys of both environments and which one was used last."""

    SERVICE = "linkdesk"

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        """Use `backend`, or the keyring the system offers when None.

        Checking the system keyring may itself talk to D-Bus, so create the store where a
        short wait does no harm (at start-up, or on a worker thread).
        """
        if backend is None:
            # keyring's discovery runs every installed plug-in, whatever those raise.
            found, error = _attempt("finding the system keyring", keyring.get_keyring)
            backend = found if error is None else None
        self._backend: keyring.backend.KeyringBackend | None = None
        self._refusal: str | None = NO_KEYRING
        self._backend_name = "none"
        if backend is not None:
            self._backend_name = f"{type(backend).__module__}.{type(backend).__qualname__}"
            self._backend, self._refusal = _usable(backend)
        # Keys seen or saved during this run: the fallback when the keyring cannot help.
        self._known: dict[Environment, str] = {}
        # Environments whose key lives only in `_known` because the keyring did not take it.
        self._unsaved: set[Environment] = set()
        self._active: Environment | None = None
        self._failure: str | None = None
        if self._refusal is not None:
            # Info, not warning: `problem` is how this reaches the person, and a second
            # copy on the terminal of `linkdesk key status` would only repeat it.
            log.info("no secure keyring (%s); keys are kept in memory only", self._backend_name)

    def __repr__(self) -> str:
        held = ",".join(sorted(e.value for e in self._known)) or "none"
        return (
            f"<SecretStore backend={self._backend_name} persistent={self.persistent} "
            f"keys_in_memory={held}>"
        )

    @property
    def problem(self) -> str | None:
        """One sentence for the shop owner when keys are not safely kept, else None."""
        if self._refusal is not None:
            return self._refusal
        if self._unsaved:
            return SAVE_FAILED
        return self._failure

    @property
    def persistent(self) -> bool:
        """True when a secure keyring is in use and no key is held only in memory."""
        return self._backend is not None and not self._unsaved

    def get(self, environment: Environment) -> str | None:
        """The key of `environment`, or None; what memory holds when the keyring fails."""
        if self._backend is None or environment in self._unsaved:
            return self._known.get(environment)
        backend = self._backend
        stored, error = _attempt(
            f"reading the {environment.value} key",
            lambda: backend.get_password(self.SERVICE, environment.value),
        )
        if error is not None:
            self._failure = READ_FAILED
            return self._known.get(environment)
        self._failure = None
        key = _stored_key(stored, environment)
        if key is None:
            self._known.pop(environment, None)
        else:
            self._known[environment] = key
        return key

    def save(self, key: str) -> Environment:
        """Check the key's shape, store it and make its environment the active one.

        Raises `InvalidKey` for a malformed key (nothing is stored) and `SecretStoreError`
        when the keyring refuses it; in that case the key is still kept for this run.
        """
        key, environment = check_key(key)
        self._known[environment] = key
        self._active = environment
        if self._backend is None:
            self._unsaved.add(environment)
            log.info("kept the %s key in memory only", environment.value)
            return environment
        backend = self._backend
        _, error = _attempt(
            f"storing the {environment.value} key",
            lambda: backend.set_password(self.SERVICE, environment.value, key),
        )
        if error is not None:
            self._unsaved.add(environment)
            raise SecretStoreError(SAVE_FAILED)
        self._unsaved.discard(environment)
        self._failure = None
        log.info("stored the %s key in the system keyring", environment.value)
        # Should this fail, only the preference is lost: the key itself is stored, and
        # the choice made now still holds for this run through `_active`.
        _attempt(
            "remembering the active environment",
            lambda: backend.set_password(self.SERVICE, ACTIVE_ENTRY, environment.value),
            level=logging.WARNING,
        )
        return environment

    def clear(self, environment: Environment) -> None:
        """Forget the key of `environment`; nothing happens when there is none.

        Raises `SecretStoreError` when the keyring still holds the key afterwards.
        """
        self._known.pop(environment, None)
        self._unsaved.discard(environment)
        if self._active is environment:
            self._active = None
        if self._backend is None:
            return
        backend = self._backend
        _, error = _attempt(
            f"removing the {environment.value} key",
            lambda: backend.delete_password(self.SERVICE, environment.value),
            expected=PasswordDeleteError,
        )
        # Backends raise PasswordDeleteError both for "no such entry" and for a real
        # refusal; only a second look tells the two apart.
        if error is not None and (
            not isinstance(error, PasswordDeleteError) or self._still_stored(environment)
        ):
            self._failure = DELETE_FAILED
            raise SecretStoreError(DELETE_FAILED)
        self._failure = None
        log.info("removed the %s key, if there was one", environment.value)

    def active_environment(self) -> Environment | None:
        """The environment to work in: the remembered choice if its key exists, else the
        sandbox if it has a key, else live if it has one, else None.

        Sandbox comes first when nothing is remembered because a link made by mistake
        in the sandbox costs nobody money and shows TEST on screen; a live one does not.
        """
        found = self._find_active()
        return found[0] if found else None

    def active_key(self) -> str | None:
        """The key of `active_environment`, or None when no key is known."""
        found = self._find_active()
        return found[1] if found else None

    def status(self) -> list[tuple[Environment, str | None]]:
        """Each environment with its masked key, or None where it has no key."""
        result: list[tuple[Environment, str | None]] = []
        for environment in Environment:
            key = self.get(environment)
            result.append((environment, mask(key) if key else None))
        return result

    def _find_active(self) -> tuple[Environment, str] | None:
        remembered = self._remembered()
        candidates = [Environment.SANDBOX, Environment.LIVE]
        if remembered is not None:
            candidates.remove(remembered)
            candidates.insert(0, remembered)
        for environment in candidates:
            key = self.get(environment)
            if key:
                return environment, key
        return None

    def _remembered(self) -> Environment | None:
        if self._active is not None or self._backend is None:
            return self._active
        backend = self._backend
        value, error = _attempt(
            "reading the active environment",
            lambda: backend.get_password(self.SERVICE, ACTIVE_ENTRY),
        )
        if error is not None:
            self._failure = READ_FAILED
            return None
        if value is None:
            return None
        try:
            return Environment(value)
        except ValueError:
            log.warning("ignoring an unknown active environment in the keyring")
            return None

    def _still_stored(self, environment: Environment) -> bool:
        if self._backend is None:
            return False
        backend = self._backend
        stored, error = _attempt(
            f"checking the {environment.value} key after removing it",
            lambda: backend.get_password(self.SERVICE, environment.value),
        )
        return error is not None or stored is not None


def _attempt(
    action: str,
    call: Callable[[], _T],
    expected: type[BaseException] | None = None,
    level: int = logging.INFO,
) -> tuple[_T | None, BaseException | None]:
    """Run one keyring call: its result and None, or None and the exception it raised.

    Every exception is caught, because backends raise far more than KeyringError (D-Bus
    errors, OSError, a plug-in's own classes). Callers raise their own error *after*
    this returns, outside any except block, so the backend's exception (whose message a
    careless backend might fill with the key) never rides along as `__context__`.

    A failure is logged at `level`: info by default, since the caller reports it to the
    person through `problem` or `SecretStoreError`; warning where nothing else will.
    An `expected` exception is logged at debug level only.
    """
    try:
        return call(), None
    except Exception as exc:
        if expected is not None and isinstance(exc, expected):
            log.debug("keyring answered %s while %s", type(exc).__name__, action)
        else:
            # The type and a redacted message are enough to diagnose a keyring; the
            # traceback is left out because its frames are not under linkdesk's control.
            log.log(
                level,
                "keyring failed while %s: %s: %s",
                action,
                type(exc).__name__,
                redact(str(exc)),
            )
        return None, exc


def _stored_key(stored: str | None, environment: Environment) -> str | None:
    """A key read back from the keyring, if it is a well-formed key of `environment`.

    Something else may have written under linkdesk's name (another tool, an older
    version, a person with a keyring editor); a wrong entry is ignored, not sent.
    """
    if stored is None:
        return None
    try:
        key, found = check_key(stored)
    except InvalidKey:
        log.warning("ignoring a malformed %s key in the keyring", environment.value)
        return None
    if found is not environment:
        log.warning("ignoring a key of the wrong environment under %s", environment.value)
        return None
    return key


def _usable(
    backend: keyring.backend.KeyringBackend,
) -> tuple[keyring.backend.KeyringBackend | None, str | None]:
    """The backend to talk to and None, or None and the sentence saying why there is none.

    keyring's chainer is resolved to its best secure child: writing through the chainer
    could otherwise land in a lower-priority file backend when the first one declines.
    """
    if isinstance(backend, chainer.ChainerBackend):
        children, _ = _attempt("listing the chained keyrings", lambda: list(backend.backends))
        refusal = NO_KEYRING
        for child in children or []:
            reason = _refusal(child)
            if reason is None:
                return child, None
            if reason == PLAINTEXT_KEYRING:
                refusal = PLAINTEXT_KEYRING
        return None, refusal
    reason = _refusal(backend)
    return (None, reason) if reason is not None else (backend, None)


def _refusal(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why `backend` cannot keep a secret key safely across restarts, or None if it can."""
    if _is_file_backed(backend):
        return PLAINTEXT_KEYRING
    if isinstance(backend, fail.Keyring | null.Keyring | chainer.ChainerBackend):
        return NO_KEYRING
    try:
        priority = float(backend.priority)
    except Exception:
        # keyring's convention: a backend unsuitable here raises from `priority`.
        return NO_KEYRING
    return NO_KEYRING if priority <= 0 else None


def _is_file_backed(backend: keyring.backend.KeyringBackend) -> bool:
    """True for keyrings.alt's backends (plaintext, or "encrypted" next to its own
    password) and for anything else built on a key file, which shows as `file_path`."""
    for cls in type(backend).__mro__:
        module = cls.__module__
        if module == "keyrings.alt" or module.startswith("keyrings.alt."):
            return True
        if "file_path" in vars(cls):
            return True
    return False
