"""Background work off the GUI thread: one pattern, a long-lived QThread per kind of work.

A `JobWorker` lives on its own `QThread` and runs the jobs it is handed one after the
other; a `WorkerHost` on the GUI thread owns that thread, hands out job ids and relays
each outcome as `finished(job_id, result)` or `failed(job_id, LinkdeskError)`. Jobs and
outcomes travel through queued signals as plain Python objects; workers never touch a
widget.

Two hosts exist: `ApiService` owns the one `BillingClient` (so the second link of the day
reuses the warm connection) and `KeyService` owns the `SecretStore` (a locked keyring can
block on an unlock prompt, and that must never freeze the window).

A host starts its thread with its first job, so a window that never needs the keyring
never starts that thread. Whatever is slow to load stays off the GUI thread too: the
HTTP stack (`linkdesk.core.billing`) is imported by the client factory, keyring by the
store factory, and the demo emulator is started on the API thread.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from linkdesk.core.api import RetryNotice
from linkdesk.core.errors import (
    OUTCOME_UNKNOWN,
    ConfigurationError,
    InvalidKey,
    LinkdeskError,
    SecretStoreError,
)
from linkdesk.core.links import Environment, LinkRequest, PaymentLink, PaymentMethod

if TYPE_CHECKING:
    # Only for annotations: httpx and keyring are imported on the worker threads, when
    # first needed.
    from linkdesk.core.billing import BillingClient
    from linkdesk.core.pending import PendingCreate, PendingJournal
    from linkdesk.core.secrets import SecretStore

log = logging.getLogger(__name__)

# A link's address with letters and digits, as in a real id: its code is a link's size.
WARM_UP_URL = "https://pay.billing.io/pl_" + "5f3a9c1e" * 3

ClientFactory: TypeAlias = "Callable[[str], BillingClient]"
"""Makes the client for one secret key (bound to an API address and its options); called
on the API thread."""

DemoStarter: TypeAlias = "Callable[[], tuple[ClientFactory, str]]"
"""Starts the demo emulator (once) and says how to reach it: its client factory and key;
called on the API thread."""

NO_KEY_MESSAGE = (
    "linkdesk has no API key yet; open File > Keys… and paste your billing.io secret key."
)


def _keep_journal(action: Callable[..., None], *args: Any) -> None:
    """Write to the pending-create journal; a journal that cannot be written is a lost
    safety net, logged, and no reason to refuse the create."""
    try:
        action(*args)
    except Exception as exc:  # never a reason to refuse a create
        log.warning("could not keep the pending create on disk: %s", exc)


class JobWorker(QObject):
    """Runs jobs on its thread: the job ``name`` calls the method ``do_<name>``."""

    finished = Signal(int, object)
    failed = Signal(int, object)

    # Jobs that still run after the host's stop(); the others still queued are skipped.
    RUN_WHILE_STOPPING: frozenset[str] = frozenset({"shutdown"})

    def __init__(self) -> None:
        super().__init__()
        self.current_job = 0
        # Set by the host's stop(): jobs still queued are skipped, so closing the window
        # waits only for the job already running.
        self.stopping = threading.Event()

    @Slot(int, str, object)
    def run(self, job_id: int, name: str, args: tuple[Any, ...]) -> None:
        if self.stopping.is_set() and name not in self.RUN_WHILE_STOPPING:
            return
        handler = getattr(self, f"do_{name}")
        self.current_job = job_id
        try:
            result = handler(*args)
        except LinkdeskError as exc:
            self.failed.emit(job_id, exc)
        except Exception:
            # A bug, not a condition the user can act on; log it (redacted by the handler
            # app.py installs) and still answer, so the window never waits forever.
            log.exception("background job %s failed", name)
            self.failed.emit(job_id, LinkdeskError())
        else:
            self.finished.emit(job_id, result)

    def do_shutdown(self) -> None:
        """Last job: release what the worker holds, then end the thread's event loop."""
        self.release()
        thread = QThread.currentThread()
        # Hand the object back to the GUI thread so Python can delete it there once the
        # worker thread has stopped.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        thread.quit()

    def release(self) -> None:
        """Override to close what the worker owns."""


class WorkerHost(QObject):
    """The GUI-side end of one worker thread."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    _submitted = Signal(int, str, object)

    _ids = itertools.count(1)

    def __init__(self, worker: JobWorker, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._submitted.connect(worker.run)
        worker.finished.connect(self.on_worker_finished)
        worker.failed.connect(self.on_worker_failed)
        self._started = False
        self._stopped = False
        self._cancels: dict[int, threading.Event] = {}
        # If the host is destroyed without stop() (its window deleted unclosed), a running
        # QThread would abort the process when Python frees it; stop it here instead.
        self.destroyed.connect(functools.partial(_stop_abandoned, self._thread, self._cancels))

    @property
    def running(self) -> bool:
        return not self._stopped

    @property
    def started(self) -> bool:
        """Whether the thread was started (by the first job)."""
        return self._started

    def submit(self, name: str, *args: Any) -> int:
        """Queue a job; its outcome arrives later as `finished` or `failed` with this id."""
        job_id = next(self._ids)
        if self._stopped:
            return job_id
        if not self._started:
            # The first job starts the thread: until then the worker lives here.
            self._started = True
            self._worker.moveToThread(self._thread)
            self._thread.start()
        self._submitted.emit(job_id, name, args)
        return job_id

    def stop(self) -> None:
        """Cancel every job, let the worker release its resources, and wait for the thread.

        Only the job already running is waited for: a request on the wire runs to its end
        (at most the client's timeout, and its retries stop), a client or the demo being
        set up finishes that step; jobs still queued are skipped. No outcome is reported
        after this. Safe to call more than once.
        """
        if self._stopped:
            return
        self._stopped = True
        self._worker.stopping.set()
        self._about_to_stop()
        if not self._started:
            self._worker.release()
        else:
            # The shutdown job quits the thread itself, so it runs after the job in
            # flight rather than cutting it off.
            self._submitted.emit(0, "shutdown", ())
            self._thread.wait()
        self._worker.finished.disconnect(self.on_worker_finished)
        self._worker.failed.disconnect(self.on_worker_failed)

    def _about_to_stop(self) -> None:
        for event in self._cancels.values():
            event.set()

    @Slot(int, object)
    def on_worker_finished(self, job_id: int, result: object) -> None:
        if not self._stopped and job_id:
            self._job_done(job_id)
            self.finished.emit(job_id, result)

    @Slot(int, object)
    def on_worker_failed(self, job_id: int, error: object) -> None:
        if not self._stopped and job_id:
            self._job_done(job_id)
            self.failed.emit(job_id, error)

    def _job_done(self, job_id: int) -> None:
        self._cancels.pop(job_id, None)


def _stop_abandoned(thread: QThread, cancels: dict[int, threading.Event]) -> None:
    for event in cancels.values():
        event.set()
    try:
        if thread.isRunning():
            thread.quit()
            thread.wait()
    except RuntimeError:
        pass  # the QThread itself is already gone (the interpreter is shutting down)


# billing.io --------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyTest:
    """What testing a pasted key found out."""

    environment: Environment
    active_methods: int

    @property
    def sentence(self) -> str:
        methods = (
            "no active payment method yet; add one in the billing.io dashboard"
            if self.active_methods == 0
            else f"{self.active_methods} active payment method"
            + ("s" if self.active_methods != 1 else "")
        )
        return f"The key works: {self.environment.badge} account with {methods}."


class ApiWorker(JobWorker):
    """Owns the one `BillingClient`; recreated only when the key or the API address changes."""

    retrying = Signal(int, object)  # job id, RetryNotice

    # Emptying the journal for a create the cashier gave up on (Esc, an edit) is a small
    # file operation, and skipped it would bring the create back at the next start.
    RUN_WHILE_STOPPING = frozenset({"shutdown", "forget_pending"})

    def __init__(self) -> None:
        super().__init__()
        self._client: BillingClient | None = None

    def _new_client(self, factory: ClientFactory, key: str) -> BillingClient:
        try:
            client = factory(key)
        except ValueError:
            raise InvalidKey() from None
        client.on_retry = self._on_retry
        return client

    def _on_retry(self, notice: RetryNotice) -> None:
        self.retrying.emit(self.current_job, notice)

    def do_use(self, factory: ClientFactory | None, key: str | None) -> Environment | None:
        self.release()
        if factory is None or not key:
            return None
        self._client = self._new_client(factory, key)
        return self._client.environment

    def do_use_demo(self, start_demo: DemoStarter) -> Environment:
        """Start the demo emulator here, then work with it; the client in use is kept if
        the demo cannot start."""
        factory, key = start_demo()
        client = self._new_client(factory, key)
        self.release()
        self._client = client
        return client.environment

    def do_list_methods(self, cancel: threading.Event) -> list[PaymentMethod]:
        return self._require_client().list_payment_methods("active", cancel=cancel)

    def do_create(
        self,
        request: LinkRequest,
        idempotency_key: str,
        journal: PendingJournal | None,
        cancel: threading.Event,
    ) -> PaymentLink:
        """Create the link. With a journal, the request and its key are on disk before
        they are sent; a refusal removes them, and so does the window once it has the
        link (`LinkCreator`): a link that comes while the window closes is not lost."""
        client = self._require_client()
        if journal is not None:
            _keep_journal(journal.save, request, idempotency_key)
        try:
            link = client.create_payment_link(request, idempotency_key, cancel)
        except OUTCOME_UNKNOWN:
            raise  # the journal keeps it: the same key finishes it, now or after a restart
        except LinkdeskError:
            if journal is not None:
                _keep_journal(journal.clear, idempotency_key)
            raise
        # Build the QR here, off the GUI thread; QrWidget then finds it in the cache.
        # A link too long for one is still the link made: it is shown, without a code.
        from linkdesk.core import qr

        if qr.matrix_or_none(link.url) is None:
            log.warning("link %s is too long for a QR code", link.id)
        return link

    def do_forget_pending(self, journal: PendingJournal, idempotency_key: str) -> None:
        _keep_journal(journal.clear, idempotency_key)

    def do_load_pending(self, journal: PendingJournal) -> PendingCreate | None:
        return journal.load()

    def do_warm_up(self) -> None:
        """Load the QR code maker (qrcode and Pillow) and lay out a link's code once, so
        the day's first create costs what the others do instead of some 40 ms more."""
        from linkdesk.core.qr import qr_matrix

        qr_matrix(WARM_UP_URL)

    def do_test_key(self, factory: ClientFactory, key: str, cancel: threading.Event) -> KeyTest:
        client = self._new_client(factory, key)
        # A test answers at once, right or wrong; pressing Test again is the retry.
        client.max_retries = 0
        try:
            client.health(cancel=cancel)
            methods = client.list_payment_methods("active", cancel=cancel)
        finally:
            client.close()
        return KeyTest(client.environment, len(methods))

    def do_with_client(
        self, work: Callable[[BillingClient, threading.Event], object], cancel: threading.Event
    ) -> object:
        """Run `work` here with the client in use (a sync from billing.io, say)."""
        return work(self._require_client(), cancel)

    def _require_client(self) -> BillingClient:
        if self._client is None:
            raise ConfigurationError(NO_KEY_MESSAGE)
        return self._client

    def release(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class ApiService(WorkerHost):
    """The window's way to billing.io: every call returns a job id at once."""

    retrying = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        worker = ApiWorker()
        super().__init__(worker, "linkdesk-api", parent)
        worker.retrying.connect(self.on_worker_retrying)

    def use(self, factory: ClientFactory | None, key: str | None) -> int:
        """Talk to billing.io with this key from now on (None: no key, every call fails)."""
        return self.submit("use", factory, key)

    def use_demo(self, start_demo: DemoStarter) -> int:
        """Start the demo emulator on the API thread and talk to it from now on; finishes
        with its `Environment`."""
        return self.submit("use_demo", start_demo)

    def list_methods(self) -> int:
        return self._submit_cancellable("list_methods")

    def warm_up(self) -> int:
        """Get the QR code maker ready on the API thread (queued behind what is there)."""
        return self.submit("warm_up")

    def create_link(
        self, request: LinkRequest, idempotency_key: str, journal: PendingJournal | None = None
    ) -> int:
        """Create a link; with a journal, kept on disk until billing.io has answered."""
        return self._submit_cancellable("create", request, idempotency_key, journal)

    def forget_pending(self, journal: PendingJournal, idempotency_key: str) -> int:
        """Empty the journal if it still holds this key's create, after what is queued."""
        return self.submit("forget_pending", journal, idempotency_key)

    def load_pending(self, journal: PendingJournal) -> int:
        """Finishes with the journal's `PendingCreate`, or None."""
        return self.submit("load_pending", journal)

    def test_key(self, factory: ClientFactory, key: str) -> int:
        return self._submit_cancellable("test_key", factory, key)

    def run_with_client(self, work: Callable[[BillingClient, threading.Event], object]) -> int:
        """Run `work(client, cancel)` on the API thread; finishes with what it returns."""
        return self._submit_cancellable("with_client", work)

    def cancel(self, job_id: int) -> None:
        """Stop retrying that job; an attempt already on the wire still runs to its end."""
        event = self._cancels.get(job_id)
        if event is not None:
            event.set()

    def _submit_cancellable(self, name: str, *args: Any) -> int:
        cancel = threading.Event()
        job_id = self.submit(name, *args, cancel)
        self._cancels[job_id] = cancel
        return job_id

    @Slot(int, object)
    def on_worker_retrying(self, job_id: int, notice: RetryNotice) -> None:
        cancel = self._cancels.get(job_id)
        if self.running and cancel is not None and not cancel.is_set():
            self.retrying.emit(notice)


# The keyring --------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyStatus:
    """What the keyring holds, safe to show: masked keys only."""

    keys: tuple[tuple[Environment, str | None], ...]
    problem: str | None
    persistent: bool


@dataclass(frozen=True)
class ActiveKey:
    """The key to work with at start-up, or after a save or clear (None: there is none)."""

    key: str | None
    environment: Environment | None
    status: KeyStatus
    warning: str | None = None


StoreSource: TypeAlias = "SecretStore | Callable[[], SecretStore]"
"""A `SecretStore`, or what makes one; making one may talk to D-Bus, so it runs on the
keyring thread."""


class KeyWorker(JobWorker):
    """Owns the `SecretStore`; creates it on first use, since finding a keyring can block."""

    def __init__(self, store: StoreSource) -> None:
        super().__init__()
        self._source = store
        self._store: SecretStore | None = None if callable(store) else store

    @property
    def store(self) -> SecretStore:
        if self._store is None:
            assert callable(self._source)
            self._store = self._source()
        return self._store

    def _status(self) -> KeyStatus:
        store = self.store
        return KeyStatus(tuple(store.status()), store.problem, store.persistent)

    def do_load(self) -> ActiveKey:
        store = self.store
        key = store.active_key()
        environment = Environment.for_key(key) if key else None
        return ActiveKey(key, environment, self._status())

    def do_save(self, key: str) -> ActiveKey:
        try:
            self.store.save(key)
        except SecretStoreError as exc:
            # The store still holds the key for this run: work with it, and say why it
            # will be gone after a restart.
            active = self.do_load()
            return ActiveKey(active.key, active.environment, active.status, exc.message)
        return self.do_load()

    def do_clear(self, environment: Environment) -> ActiveKey:
        self.store.clear(environment)
        return self.do_load()

    def do_status(self) -> KeyStatus:
        return self._status()


class KeyService(WorkerHost):
    """The window's way to the keyring: every call returns a job id at once."""

    def __init__(self, store: StoreSource, parent: QObject | None = None) -> None:
        super().__init__(KeyWorker(store), "linkdesk-keyring", parent)

    def load(self) -> int:
        """The active key; finishes with an `ActiveKey`."""
        return self.submit("load")

    def save(self, key: str) -> int:
        """Store a key and make it active; finishes with the new `ActiveKey`."""
        return self.submit("save", key)

    def clear(self, environment: Environment) -> int:
        """Forget one environment's key; finishes with the new `ActiveKey`."""
        return self.submit("clear", environment)

    def status(self) -> int:
        """Masked keys and the keyring's problem; finishes with a `KeyStatus`."""
        return self.submit("status")
