"""An in-memory keyring backend, so tests never touch the keyring of the machine they run on.

Pass it explicitly, ``SecretStore(backend=MemoryKeyring())``; never install it with
``keyring.set_keyring``, which would change the keyring of every other test in the
process. `fail_with` makes it raise, the way a locked keyring or a lost D-Bus does.
"""

from __future__ import annotations

from collections.abc import Iterable

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

OPERATIONS = frozenset({"get", "set", "delete"})


class MemoryKeyring(KeyringBackend):
    """A secure-looking keyring (priority 1) that forgets everything with the object."""

    priority = 1
    # keyring registers every backend class it sees and may pick one as the system
    # keyring; this one must never be chosen for a test that did not ask for it.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, str]] = []
        self._error: Exception | None = None
        self._failing: frozenset[str] = frozenset()

    def fail_with(
        self, error: Exception | None = None, operations: Iterable[str] = OPERATIONS
    ) -> None:
        """Make `operations` ("get", "set", "delete") raise `error` (a KeyringError by
        default) until `heal` is called."""
        chosen = frozenset(operations)
        if not chosen <= OPERATIONS:
            raise ValueError(f"unknown operations: {sorted(chosen - OPERATIONS)}")
        self._error = error or KeyringError("the memory keyring is switched off")
        self._failing = chosen

    def heal(self) -> None:
        self._error = None
        self._failing = frozenset()

    def get_password(self, service: str, username: str) -> str | None:
        self._record("get", service, username)
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._record("set", service, username)
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._record("delete", service, username)
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")

    def _record(self, operation: str, service: str, username: str) -> None:
        self.calls.append((operation, service, username))
        if self._error is not None and operation in self._failing:
            raise self._error
