"""Creating one payment link at a time: the in-flight guard, Cancel, and idempotency keys.

`LinkCreator` sits between the form and the API worker. It refuses a second create while
one is in flight, lets the cashier cancel, and chooses the Idempotency-Key: a new one per
press of Create, except that a press repeating a request whose outcome is unknown (a
timeout, a dropped connection, a cancel) reuses the key of that request, so a lost
answer never turns into a second link. A link that arrives after Cancel is still shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from linkdesk.core.api import new_idempotency_key
from linkdesk.core.errors import OUTCOME_UNKNOWN, LinkdeskError
from linkdesk.core.links import LinkRequest, PaymentLink
from linkdesk.ui.worker import ApiService

if TYPE_CHECKING:
    from linkdesk.core.pending import PendingCreate, PendingJournal


@dataclass(frozen=True)
class _Attempt:
    request: LinkRequest
    idempotency_key: str


class IdempotencyMemo:
    """Remembers the key of the last create whose outcome is unknown, for that request only."""

    def __init__(self) -> None:
        self._pending: _Attempt | None = None

    def key_for(self, request: LinkRequest) -> str:
        if self._pending is not None and self._pending.request == request:
            return self._pending.idempotency_key
        self._pending = None
        return new_idempotency_key()

    def outcome_unknown(self, request: LinkRequest, idempotency_key: str) -> None:
        self._pending = _Attempt(request, idempotency_key)

    def forget(self) -> str | None:
        """Forget the key; the key forgotten, if there was one."""
        key = self.pending_key
        self._pending = None
        return key

    @property
    def pending_key(self) -> str | None:
        return self._pending.idempotency_key if self._pending else None


class LinkCreator(QObject):
    """Runs one create at a time on the API worker and reports how it ended."""

    busy_changed = Signal(bool)
    created = Signal(object, bool)  # PaymentLink, True when it arrived after Cancel
    failed = Signal(object)  # LinkdeskError
    cancelled = Signal()

    def __init__(self, api: ApiService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self.memo = IdempotencyMemo()
        self._resumed: _Attempt | None = None  # see `resume`
        # Where the create in flight, or the last one whose outcome is unknown, is kept
        # across a restart (linkdesk.core.pending); None: nowhere (the demo, tests).
        self.journal: PendingJournal | None = None
        # Each create job's key and journal, to empty the journal once its link is here.
        self._sent: dict[int, tuple[str, PendingJournal | None]] = {}
        # Creates sent with a key no longer in use: their key is not to be used again.
        self._detached: set[int] = set()
        self._job: int | None = None
        self._attempt: _Attempt | None = None
        # Cancelled creates still on the wire, whose link must not be lost if it comes.
        self._abandoned: dict[int, _Attempt] = {}
        # Creates whose link already arrived through an abandoned one: their answer is moot.
        self._moot: set[int] = set()
        api.finished.connect(self.on_api_finished)
        api.failed.connect(self.on_api_failed)

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def idempotency_key(self) -> str | None:
        """The key of the create in flight, else the one a repeat of the last request
        reuses, else the one of the create to finish (`resume`)."""
        if self._attempt is not None:
            return self._attempt.idempotency_key
        if self.memo.pending_key is not None:
            return self.memo.pending_key
        return self._resumed.idempotency_key if self._resumed is not None else None

    @property
    def resumed(self) -> LinkRequest | None:
        """The request of an earlier run's create waiting to be finished, if any."""
        return self._resumed.request if self._resumed is not None else None

    def create(self, request: LinkRequest) -> bool:
        """Start creating; False (and nothing sent) while another create is in flight."""
        if self._job is not None:
            return False
        resumed, self._resumed = self._resumed, None  # finished now, or replaced in the journal
        if resumed is not None and resumed.request == request:
            attempt = resumed
        else:
            attempt = _Attempt(request, self.memo.key_for(request))
        self._attempt = attempt
        self._job = self._api.create_link(request, attempt.idempotency_key, self.journal)
        self._sent[self._job] = (attempt.idempotency_key, self.journal)
        self.busy_changed.emit(True)
        return True

    def cancel(self) -> None:
        """Stop waiting for the create in flight; its link is still shown if it comes."""
        if self._job is None or self._attempt is None:
            return
        self._api.cancel(self._job)
        self._abandoned[self._job] = self._attempt
        self.memo.outcome_unknown(self._attempt.request, self._attempt.idempotency_key)
        self._finish()
        self.cancelled.emit()

    def forget_key(self) -> None:
        """The form changed: the next press of Create is a new create, and the one whose
        outcome was unknown is no longer to be finished (the sync brings its link, if
        billing.io made it)."""
        key = self.memo.forget()
        if key is not None:
            self._forget_pending(key, self.journal)

    def detach(self) -> None:
        """Another key (or the demo) from now on: its keys mean nothing to the new one's
        account. The journal on disk is left for the next start with the old key."""
        self.memo.forget()
        self._resumed = None
        self.journal = None
        if self._job is not None:
            # Its outcome may stay unknown, but its key belongs to the other account.
            self._detached.add(self._job)

    def _forget_pending(self, key: str, journal: PendingJournal | None) -> None:
        if journal is not None:
            self._api.forget_pending(journal, key)

    def resume(self, pending: PendingCreate) -> None:
        """A create an earlier run of linkdesk never heard the answer to (or this run,
        after finishing it failed again): `create` of the same request sends it again with
        its key. Kept apart from the form's memory, which forgets at every edit."""
        self._resumed = _Attempt(pending.request, pending.idempotency_key)
        if self.memo.pending_key == pending.idempotency_key:
            self.memo.forget()

    def decline(self, *, forget_on_disk: bool = True) -> None:
        """The create to finish is given up (the cashier dismissed it); off the disk too,
        unless it only cannot be sent here now."""
        resumed, self._resumed = self._resumed, None
        if resumed is not None and forget_on_disk:
            self._forget_pending(resumed.idempotency_key, self.journal)

    def _finish(self) -> None:
        self._job = None
        self._attempt = None
        self.busy_changed.emit(False)

    @Slot(int, object)
    def on_api_finished(self, job_id: int, result: object) -> None:
        self._detached.discard(job_id)
        sent = self._sent.pop(job_id, None)
        if sent is not None and isinstance(result, PaymentLink):
            self._forget_pending(*sent)  # the link is here: nothing left to finish
        if job_id in self._moot:
            self._moot.discard(job_id)
            return
        if job_id == self._job and isinstance(result, PaymentLink):
            self.memo.forget()
            self._finish()
            self.created.emit(result, False)
            return
        abandoned = self._abandoned.pop(job_id, None)
        if abandoned is None or not isinstance(result, PaymentLink):
            return
        self.memo.forget()
        if self._resumed is not None and self._resumed.idempotency_key == abandoned.idempotency_key:
            self._resumed = None  # the create to finish is finished: this is its link
        if self._attempt is not None and self._attempt.idempotency_key == abandoned.idempotency_key:
            # The cashier pressed Create again for the same request; this is its link
            # (the repeat would only get it replayed), so end the wait now.
            if self._job is not None:
                self._moot.add(self._job)
            self._finish()
            self.created.emit(result, False)
        else:
            self.created.emit(result, True)

    @Slot(int, object)
    def on_api_failed(self, job_id: int, error: object) -> None:
        detached = job_id in self._detached
        self._detached.discard(job_id)
        sent = self._sent.pop(job_id, None)
        if job_id != self._job or self._attempt is None:
            self._abandoned.pop(job_id, None)
            if job_id in self._moot and sent is not None:
                self._forget_pending(*sent)  # its link came through the create it repeated
            self._moot.discard(job_id)
            return
        if not isinstance(error, LinkdeskError):
            error = LinkdeskError()
        if isinstance(error, OUTCOME_UNKNOWN) and not detached:
            self.memo.outcome_unknown(self._attempt.request, self._attempt.idempotency_key)
        else:
            self.memo.forget()
        self._finish()
        self.failed.emit(error)
