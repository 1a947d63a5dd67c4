"""SecretStore: key shapes, masking, per-environment storage, and no plaintext fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError

from linkdesk.core.errors import InvalidKey, SecretStoreError
from linkdesk.core.links import Environment
from linkdesk.core.secrets import (
    DELETE_FAILED,
    NO_KEYRING,
    PLAINTEXT_KEYRING,
    READ_FAILED,
    SAVE_FAILED,
    SecretStore,
    check_key,
    mask,
)
from tests.keyring_memory import MemoryKeyring

SANDBOX_KEY = "sk_test_FAKEsandboxKEY00004f2a"
LIVE_KEY = "sk_live_" + "FAKEsecretsTEST0000000000"
SERVICE = "linkdesk"


# Fakes. Every class sets viable = False: keyring registers each backend class it sees
# and must never pick one of these as the system keyring for another test.


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt's PlaintextKeyring (not installed, and must not be)."""

    __module__ = "keyrings.alt.file"
    priority = 0.5
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.calls.append("get")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls.append("set")


class KeyFileKeyring(PlaintextKeyring):
    """A file-backed backend from some other package: it shows by its key file."""

    __module__ = "somewhere.else"
    file_path = "/tmp/keyring.cfg"


class ZeroPriorityKeyring(MemoryKeyring):
    priority = 0


class UnsuitableKeyring(MemoryKeyring):
    """keyring's convention: an unsuitable backend raises from `priority`."""

    @property
    def priority(self) -> float:  # type: ignore[override]
        raise RuntimeError("The Secret Service daemon is neither running nor activatable")


class FakeChainer(chainer.ChainerBackend):
    viable = False
    backends: list[KeyringBackend] = []  # noqa: RUF012

    def __init__(self, children: list[KeyringBackend]) -> None:
        super().__init__()
        self.backends = children


class LeakyKeyring(MemoryKeyring):
    """A careless backend that puts whatever it was given into its error messages."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"cannot store {password} for {username}")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError(f"cannot read {self.entries}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError(f"cannot delete {self.entries}")


class StubbornKeyring(MemoryKeyring):
    """Says PasswordDeleteError but keeps the entry, as a refusing backend would."""

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("not allowed")


class ForgetfulPreferenceKeyring(MemoryKeyring):
    """Stores keys but fails on the active-environment entry."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username == "active-environment":
            raise KeyringLocked("locked")
        super().set_password(service, username, password)


class DBusError(Exception):
    """Like jeepney's DBusErrorResponse: not a KeyringError at all."""


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(memory: MemoryKeyring) -> SecretStore:
    return SecretStore(backend=memory)


# Key shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "environment"),
    [
        (SANDBOX_KEY, Environment.SANDBOX),
        (LIVE_KEY, Environment.LIVE),
        ("sk_test_" + "a" * 16, Environment.SANDBOX),
        ("sk_live_" + "Z9" * 40, Environment.LIVE),
    ],
)
def test_well_formed_keys_are_accepted(text: str, environment: Environment) -> None:
    assert check_key(text) == (text, environment)


@pytest.mark.parametrize(
    "pasted",
    [
        SANDBOX_KEY + "\n",
        SANDBOX_KEY + "\r\n",
        "  " + SANDBOX_KEY + "\t",
        "\n" + SANDBOX_KEY + " \n",
        SANDBOX_KEY + "\u00a0",  # a non-breaking space copied from a web page
    ],
)
def test_surrounding_whitespace_is_forgiven(pasted: str) -> None:
    assert check_key(pasted) == (SANDBOX_KEY, Environment.SANDBOX)


@pytest.mark.parametrize(
    "pasted",
    [
        "",
        "   \n",
        "pk_test_FAKEsandboxKEY00000007dc",
        "sk_prod_FAKEsandboxKEY00000007dc",
        "SK_TEST_FAKEsandboxKEY00000007dc",
        "sk_testFAKEsandboxKEY00000007dc",
        "Bearer sk_test_FAKEsandboxKEY00000007dc",
        "sk_test_" + "a" * 15,
        "sk_test_",
        "sk_test_4eC39HqLyjWD arjtT1zdp7dc",
        "sk_test_4eC39HqLyjWD\narjtT1zdp7dc",
        "sk_test_4eC39HqLyjWD-arjtT1zdp7dc",
        "sk_test_4eC39HqLyjWD_arjtT1zdp7dc",
        "sk_test_FAKEsandboxKEY00000007dc.",
        "\u0455k_test_FAKEsandboxKEY00000007dc",  # Cyrillic dze for "s"
        "sk_t\u0435st_FAKEsandboxKEY00000007dc",  # Cyrillic ie for "e"
        "sk_test_FAKEsandboxKEY00000007d\u0441",  # Cyrillic es for "c"
        "sk_test_FAKEsandboxKEY00000007\uff44c",  # fullwidth d
        "sk_test_FAKEsandboxKEY0000000\u0667dc",  # Arabic-Indic seven
        "sk_test_FAKEsandboxKEY00000007dc\u200b",  # zero-width space is not whitespace
        "sk\uff3ftest_FAKEsandboxKEY00000007dc",  # fullwidth low line
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(pasted: str) -> None:
    with pytest.raises(InvalidKey) as caught:
        check_key(pasted)
    message = caught.value.message
    assert message.endswith(".")
    assert message.count(". ") == 0, "one sentence"
    stripped = pasted.strip()
    if len(stripped) > 8:
        assert stripped not in message
        assert stripped[8:] not in message
    assert str(caught.value) == message


@given(st.text(max_size=80))
def test_check_key_accepts_or_refuses_but_never_echoes(text: str) -> None:
    try:
        key, environment = check_key(text)
    except InvalidKey as error:
        body = text.strip()[8:]
        if len(body) >= 4:
            assert body not in str(error)
            assert body not in repr(error)
    else:
        assert key == text.strip()
        assert environment is Environment.for_key(key)


def test_an_empty_paste_gets_its_own_advice() -> None:
    with pytest.raises(InvalidKey, match="Paste a secret key"):
        check_key(" \n")


# Masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (SANDBOX_KEY, "sk_test_…4f2a"),
        (LIVE_KEY, "sk_live_…0000"),
        (SANDBOX_KEY + "\n", "sk_test_…4f2a"),
        ("sk_test_short", "sk_test_…"),
        ("hunter2", "…"),
        ("", "…"),
    ],
)
def test_mask_shows_prefix_and_last_four_only(key: str, masked: str) -> None:
    assert mask(key) == masked


# Storage per environment -------------------------------------------------------------


def test_a_secure_keyring_has_no_problem(store: SecretStore) -> None:
    assert store.problem is None
    assert store.persistent is True


def test_save_stores_under_the_environment_and_remembers_it(
    store: SecretStore, memory: MemoryKeyring
) -> None:
    assert store.save(SANDBOX_KEY + "\n") is Environment.SANDBOX
    assert memory.entries == {
        (SERVICE, "sandbox"): SANDBOX_KEY,
        (SERVICE, "active-environment"): "sandbox",
    }
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert store.get(Environment.LIVE) is None


def test_live_and_sandbox_keys_are_separate(store: SecretStore, memory: MemoryKeyring) -> None:
    store.save(SANDBOX_KEY)
    assert store.save(LIVE_KEY) is Environment.LIVE
    assert memory.entries[(SERVICE, "live")] == LIVE_KEY
    assert memory.entries[(SERVICE, "active-environment")] == "live"
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert store.get(Environment.LIVE) == LIVE_KEY

    store.clear(Environment.LIVE)
    assert store.get(Environment.LIVE) is None
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert (SERVICE, "live") not in memory.entries


def test_saving_again_replaces_the_key(store: SecretStore) -> None:
    store.save(SANDBOX_KEY)
    newer = "sk_test_" + "N" * 24
    store.save(newer)
    assert store.get(Environment.SANDBOX) == newer


def test_a_malformed_key_stores_nothing(store: SecretStore, memory: MemoryKeyring) -> None:
    with pytest.raises(InvalidKey):
        store.save("sk_test_tooshort")
    assert memory.entries == {}
    assert store.active_environment() is None


def test_clear_without_a_key_is_not_an_error(store: SecretStore) -> None:
    store.clear(Environment.LIVE)
    store.clear(Environment.LIVE)
    assert store.problem is None


def test_keys_survive_a_restart(memory: MemoryKeyring) -> None:
    SecretStore(backend=memory).save(LIVE_KEY)
    later = SecretStore(backend=memory)
    assert later.get(Environment.LIVE) == LIVE_KEY
    assert later.active_environment() is Environment.LIVE


def test_status_shows_masked_keys_for_both_environments(store: SecretStore) -> None:
    assert store.status() == [(Environment.SANDBOX, None), (Environment.LIVE, None)]
    store.save(LIVE_KEY)
    assert store.status() == [(Environment.SANDBOX, None), (Environment.LIVE, "sk_live_…0000")]


@pytest.mark.parametrize(
    ("username", "value"),
    [
        ("sandbox", "not a key"),
        ("sandbox", LIVE_KEY),  # a live key filed under sandbox must never be used as one
    ],
)
def test_a_foreign_entry_in_the_keyring_is_ignored(
    memory: MemoryKeyring, username: str, value: str
) -> None:
    memory.entries[(SERVICE, username)] = value
    store = SecretStore(backend=memory)
    assert store.get(Environment.SANDBOX) is None
    assert store.active_key() is None


# The active environment --------------------------------------------------------------


def test_no_key_means_no_active_environment(store: SecretStore) -> None:
    assert store.active_environment() is None
    assert store.active_key() is None


def test_the_last_saved_environment_is_active(store: SecretStore) -> None:
    store.save(LIVE_KEY)
    assert store.active_environment() is Environment.LIVE
    store.save(SANDBOX_KEY)
    assert store.active_environment() is Environment.SANDBOX
    assert store.active_key() == SANDBOX_KEY


def test_the_remembered_choice_outlives_a_restart(memory: MemoryKeyring) -> None:
    first = SecretStore(backend=memory)
    first.save(SANDBOX_KEY)
    first.save(LIVE_KEY)
    later = SecretStore(backend=memory)
    assert later.active_environment() is Environment.LIVE
    assert later.active_key() == LIVE_KEY


def test_clearing_the_active_key_falls_back_to_the_other(store: SecretStore) -> None:
    store.save(SANDBOX_KEY)
    store.save(LIVE_KEY)
    store.clear(Environment.LIVE)
    assert store.active_environment() is Environment.SANDBOX
    assert store.active_key() == SANDBOX_KEY


def test_a_remembered_choice_without_its_key_falls_back(memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE, "active-environment")] = "sandbox"
    memory.entries[(SERVICE, "live")] = LIVE_KEY
    assert SecretStore(backend=memory).active_environment() is Environment.LIVE


@pytest.mark.parametrize("remembered", [None, "production"])
def test_without_a_usable_choice_sandbox_comes_first(
    memory: MemoryKeyring, remembered: str | None
) -> None:
    memory.entries[(SERVICE, "sandbox")] = SANDBOX_KEY
    memory.entries[(SERVICE, "live")] = LIVE_KEY
    if remembered is not None:
        memory.entries[(SERVICE, "active-environment")] = remembered
    store = SecretStore(backend=memory)
    assert store.active_environment() is Environment.SANDBOX
    assert store.active_key() == SANDBOX_KEY


def test_a_lost_preference_does_not_fail_the_save() -> None:
    backend = ForgetfulPreferenceKeyring()
    store = SecretStore(backend=backend)
    store.save(SANDBOX_KEY)
    store.save(LIVE_KEY)
    assert store.active_environment() is Environment.LIVE
    assert store.problem is None
    assert backend.entries[(SERVICE, "live")] == LIVE_KEY


# No secure keyring: memory only, and said plainly ------------------------------------


@pytest.mark.parametrize(
    ("backend", "problem"),
    [
        (fail.Keyring(), NO_KEYRING),
        (null.Keyring(), NO_KEYRING),
        (ZeroPriorityKeyring(), NO_KEYRING),
        (UnsuitableKeyring(), NO_KEYRING),
        (PlaintextKeyring(), PLAINTEXT_KEYRING),
        (KeyFileKeyring(), PLAINTEXT_KEYRING),
        (FakeChainer([]), NO_KEYRING),
        (FakeChainer([ZeroPriorityKeyring(), PlaintextKeyring()]), PLAINTEXT_KEYRING),
    ],
    ids=[
        "fail",
        "null",
        "priority-0",
        "priority-raises",
        "keyrings.alt",
        "key-file",
        "empty-chainer",
        "chainer-of-unusable",
    ],
)
def test_an_unusable_keyring_keeps_the_key_for_this_run_only(
    backend: KeyringBackend, problem: str
) -> None:
    store = SecretStore(backend=backend)
    assert store.problem == problem
    assert store.persistent is False
    assert store.save(SANDBOX_KEY) is Environment.SANDBOX
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert store.active_key() == SANDBOX_KEY
    assert store.status()[0] == (Environment.SANDBOX, "sk_test_…4f2a")
    store.clear(Environment.SANDBOX)
    assert store.get(Environment.SANDBOX) is None
    # A fresh store over the same backend is linkdesk after a restart: nothing kept.
    store.save(LIVE_KEY)
    assert SecretStore(backend=backend).get(Environment.LIVE) is None


def test_a_plaintext_backend_is_never_written_to() -> None:
    plaintext = PlaintextKeyring()
    store = SecretStore(backend=plaintext)
    store.save(SANDBOX_KEY)
    store.get(Environment.SANDBOX)
    store.clear(Environment.SANDBOX)
    store.active_environment()
    assert plaintext.calls == []


def test_the_chainer_uses_its_secure_child_and_skips_the_plaintext_one(
    memory: MemoryKeyring,
) -> None:
    plaintext = PlaintextKeyring()
    store = SecretStore(backend=FakeChainer([plaintext, memory]))
    assert store.problem is None
    store.save(SANDBOX_KEY)
    assert memory.entries[(SERVICE, "sandbox")] == SANDBOX_KEY
    assert plaintext.calls == []


def test_the_system_keyring_is_used_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch, memory: MemoryKeyring
) -> None:
    monkeypatch.setattr("keyring.get_keyring", lambda: memory)
    SecretStore().save(LIVE_KEY)
    assert memory.entries[(SERVICE, "live")] == LIVE_KEY


def test_a_broken_keyring_discovery_means_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> KeyringBackend:
        raise RuntimeError("a plug-in blew up")

    monkeypatch.setattr("keyring.get_keyring", broken)
    store = SecretStore()
    assert store.problem == NO_KEYRING
    store.save(SANDBOX_KEY)
    assert store.active_key() == SANDBOX_KEY


# A secure keyring that fails ---------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        KeyringError("boom"),
        KeyringLocked("locked"),
        DBusError("org.freedesktop.DBus.Error"),
        OSError(),
    ],
    ids=["keyring-error", "locked", "dbus", "os-error"],
)
def test_a_failed_save_raises_and_keeps_the_key_for_this_run(
    store: SecretStore, memory: MemoryKeyring, error: Exception
) -> None:
    memory.fail_with(error)
    with pytest.raises(SecretStoreError) as caught:
        store.save(LIVE_KEY)
    assert caught.value.message == SAVE_FAILED
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert store.problem == SAVE_FAILED
    assert store.persistent is False
    assert store.get(Environment.LIVE) == LIVE_KEY
    assert store.active_environment() is Environment.LIVE
    assert store.active_key() == LIVE_KEY


def test_saving_again_once_the_keyring_works_clears_the_problem(
    store: SecretStore, memory: MemoryKeyring
) -> None:
    memory.fail_with(KeyringLocked("locked"), operations={"set"})
    with pytest.raises(SecretStoreError):
        store.save(SANDBOX_KEY)
    memory.heal()
    store.save(SANDBOX_KEY)
    assert store.problem is None
    assert store.persistent is True
    assert memory.entries[(SERVICE, "sandbox")] == SANDBOX_KEY


def test_a_failed_read_returns_what_memory_has(store: SecretStore, memory: MemoryKeyring) -> None:
    store.save(SANDBOX_KEY)
    memory.fail_with(KeyringLocked("locked"), operations={"get"})
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert store.get(Environment.LIVE) is None
    assert store.problem == READ_FAILED
    assert store.active_key() == SANDBOX_KEY
    memory.heal()
    assert store.get(Environment.SANDBOX) == SANDBOX_KEY
    assert store.problem is None


def test_a_failed_read_at_start_up_finds_no_key_and_says_why(memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE, "live")] = LIVE_KEY
    memory.fail_with(KeyringLocked("locked"), operations={"get"})
    store = SecretStore(backend=memory)
    assert store.active_key() is None
    assert store.status() == [(Environment.SANDBOX, None), (Environment.LIVE, None)]
    assert store.problem == READ_FAILED


def test_a_failed_delete_raises(store: SecretStore, memory: MemoryKeyring) -> None:
    store.save(SANDBOX_KEY)
    memory.fail_with(KeyringLocked("locked"), operations={"delete"})
    with pytest.raises(SecretStoreError) as caught:
        store.clear(Environment.SANDBOX)
    assert caught.value.message == DELETE_FAILED
    assert store.problem == DELETE_FAILED
    assert memory.entries[(SERVICE, "sandbox")] == SANDBOX_KEY


def test_a_delete_refused_as_absent_but_still_there_raises() -> None:
    stubborn = StubbornKeyring()
    store = SecretStore(backend=stubborn)
    store.save(SANDBOX_KEY)
    with pytest.raises(SecretStoreError):
        store.clear(Environment.SANDBOX)


# The key never leaks -----------------------------------------------------------------


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def test_the_key_appears_in_no_error_repr_or_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    leaky = LeakyKeyring()
    leaky.entries[(SERVICE, "sandbox")] = SANDBOX_KEY
    stores = [
        SecretStore(backend=leaky),
        SecretStore(backend=fail.Keyring()),
        SecretStore(backend=MemoryKeyring()),
    ]
    for store in stores:
        for key in (SANDBOX_KEY, LIVE_KEY):
            environment = Environment.for_key(key)
            calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
                (store.save, (key + "\n",)),
                (store.get, (environment,)),
                (store.active_key, ()),
                (store.status, ()),
                (store.clear, (environment,)),
                (store.save, (key[:-20],)),
                (store.save, (key + "!",)),
            ]
            for action, arguments in calls:
                try:
                    action(*arguments)
                except Exception as error:
                    texts.extend(f"{e!s} {e!r} {e.args!r}" for e in _chain(error))
            texts.append(f"{store!s} {store!r}")
    texts.append(caplog.text)
    texts.extend(f"{r.getMessage()} {r.args!r} {r.exc_text}" for r in caplog.records)
    assert any("SecretStoreError" in t or "keyring failed" in t for t in texts)
    for key in (SANDBOX_KEY, LIVE_KEY):
        for text in texts:
            assert key not in text
            assert key[8:20] not in text
