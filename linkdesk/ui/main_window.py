"""`MainWindow`: composes the form, the result pane, the banner and the status bar.

The window owns no business rules: `LinkForm` validates, `LinkCreator` guards creates
and idempotency keys, the workers talk to billing.io and the keyring. Everything it
needs arrives in `Services`; nothing is reached for through a global.

The window is ready for input as soon as it is on screen: only then does the background
work start (finding the key, starting the demo, loading the payment methods), so it
never competes with the first paint. An amount entered before the methods arrive is
kept by the form and sent when they do.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent, QWindow
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.api import DEFAULT_BASE_URL, RetryNotice
from linkdesk.core.errors import LinkdeskError
from linkdesk.core.links import Environment, LinkRequest, PaymentLink
from linkdesk.core.money import format_usd
from linkdesk.core.settings import (
    CONFIRM_ABOVE_USD,
    CUSTOM_LIFETIME_MINUTES,
    LAST_LIFETIME,
    LIFETIME_IS_CUSTOM,
    SHOP_NAME,
    WINDOW_GEOMETRY,
    Settings,
)
from linkdesk.ui import shortcuts
from linkdesk.ui.banner import Banner
from linkdesk.ui.confirm_amount import AmountGuard
from linkdesk.ui.creating import LinkCreator
from linkdesk.ui.customer_display import CustomerDisplayController
from linkdesk.ui.history_options import HistoryOptions
from linkdesk.ui.link_form import LinkForm
from linkdesk.ui.qsettings_store import save_state, saved_state
from linkdesk.ui.result_actions import ActionBar, ResultActions
from linkdesk.ui.result_pane import Badge, ResultPane
from linkdesk.ui.style import at_top, set_enum_property, styled
from linkdesk.ui.worker import (
    NO_KEY_MESSAGE,
    ActiveKey,
    ApiService,
    ClientFactory,
    DemoStarter,
    KeyService,
    StoreSource,
)

if TYPE_CHECKING:
    from linkdesk.core.pending import PendingCreate
    from linkdesk.ui.about import HelpActions
    from linkdesk.ui.history_controller import HistoryController
    from linkdesk.ui.key_dialog import KeyDialog
    from linkdesk.ui.settings_dialog import SettingsDialog
    from linkdesk.ui.shortcuts import ShortcutsDialog

log = logging.getLogger(__name__)

TITLE = "linkdesk"
DEMO_TITLE = "linkdesk — DEMO"
DEMO_NOTE = "Demo: links come from an emulator on this computer and cannot be paid."
DEMO_UNAVAILABLE = "The demo is not available in this copy of linkdesk."
DEMO_FAILED = "The demo could not start on this computer; restart linkdesk and try again."
LATE_LINK = "The link was created after all, although you pressed Cancel; it is shown here."
CANCELLED = "Cancelled; press Enter to try again (billing.io will not make the link twice)."
RESUME = (
    "linkdesk closed before billing.io answered for a {what}. Finish it to get that link, "
    "never a second one."
)
RESUME_AGAIN = "{failure} Finish it again to get that link, never a second one."
TOO_OLD = (
    "The {what} is too old to finish safely (billing.io forgets its key after a day); "
    "if billing.io made it, Refresh brings it into the recent links."
)
NOT_FINISHED = "The {what} could not be finished: {failure}"
FINISH = "Fi&nish it"
# Each hint stays on one line (no-break spaces within it, the dot ending the one before):
# a narrow window breaks the line between hints only.
KEYS_HINT = " ".join(
    hint.replace(" ", "\u00a0") + ("\u00a0·" if n < 4 else "")
    for n, hint in enumerate(
        (
            "Enter creates the link",
            "Esc or Ctrl+N starts over",
            "Ctrl+Shift+C copies it",
            "F11 customer display",
            "F1 all keys",
        )
    )
)
MESSAGE_MS = 8000


def first_size(available: QSize) -> QSize:
    """The window's size on a first start: most of a laptop's screen, not all of a large
    one, and never under 900 × 620."""
    return QSize(
        min(max(900, available.width() * 4 // 5), 1280),
        min(max(620, available.height() * 17 // 20), 900),
    )


class FormColumn(QScrollArea):
    """The column of the form: it scrolls when a short window cannot show all of it (a
    banner and a problem under each field, say) instead of squeezing the notes into each
    other, and it is never narrower than the form, which would make them wrap onto more
    lines than they are given."""

    MAX_WIDTH = 440

    def __init__(self, column: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formScroll")
        self.setWidget(column)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        set_enum_property(self, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.setMaximumWidth(self.MAX_WIDTH)
        # The form's minimum width changes (the Retry button comes and goes).
        column.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        column = self.widget()
        if column is not None:
            room = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
            hint.setWidth(min(column.minimumSizeHint().width() + room, self.MAX_WIDTH))
        return hint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


@dataclass
class Services:
    """Everything the window works with, made by `run_gui` (or by a test)."""

    client_factory: ClientFactory  # a BillingClient for a key, bound to the API address
    secrets: StoreSource  # a SecretStore, or what makes one (called on the keyring thread)
    settings: Settings
    api_base: str = DEFAULT_BASE_URL
    demo: bool = False  # start in demo mode (needs start_demo)
    api_key: str | None = None  # a key already known: the keyring is not asked at start
    start_demo: DemoStarter | None = None  # called on the API thread
    history: HistoryOptions | None = None  # the link history (None: none kept)


def _described(request: LinkRequest) -> str:
    """'$29.99 link (Table 4)', the description cut to fit a line."""
    what = f"{format_usd(request.amount)} link"
    if request.description:
        text = (
            request.description
            if len(request.description) <= 40
            else request.description[:39] + "…"
        )
        what += f" ({text})"
    return what


class MainWindow(QMainWindow):
    """linkdesk's one window."""

    ready = Signal()  # once: on screen, the focus in the amount, typing accepted
    sending = Signal(object)  # a LinkRequest handed to billing.io (the form's, or a resumed one)
    methods_loaded = Signal()  # a list of payment methods arrived (each time)
    methods_failed = Signal(str)  # loading them failed: the sentence the form shows

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setObjectName("mainWindow")
        # Where the cashier left it last time (Qt moves it onto a screen that still
        # exists); the first time, a size for the screen it opens on.
        geometry = saved_state(services.settings, WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(first_size(self.screen().availableGeometry().size()))
        # The least width is what the form and the result need (their layouts say), so a
        # narrow window never squeezes them; only the height has a floor of its own.
        self.setMinimumHeight(540)

        self.api = ApiService(self)
        self.keys = KeyService(services.secrets, self)
        self.creator = LinkCreator(self.api, self)
        self._demo = False
        self._environment: Environment | None = None
        self._methods_job: int | None = None
        self._use_job: int | None = None
        self._demo_job: int | None = None
        self._load_job: int | None = None
        self._pending_job: int | None = None
        self._resumable: PendingCreate | None = None
        self._offered: PendingCreate | None = None  # an earlier create offered to finish
        self._finishing: PendingCreate | None = None  # that create, sent again
        self._key_fingerprint: int | None = None  # which key is in use (its hash)
        self._watching_expose = False
        self._warmed_up = False
        self._is_ready = False
        self._retry_notice = ""
        self._shut_down = False
        self.key_dialog: KeyDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None

        settings = services.settings
        self.form = LinkForm()
        self.form.set_custom_minutes(settings.get(CUSTOM_LIFETIME_MINUTES))
        if settings.get(LIFETIME_IS_CUSTOM):
            self.form.set_lifetime(settings.get(CUSTOM_LIFETIME_MINUTES) * 60)
        else:
            self.form.set_lifetime(settings.get(LAST_LIFETIME))
        self.amount_guard = AmountGuard(lambda: settings.get(CONFIRM_ABOVE_USD), self, self)
        self.result_actions = ResultActions(self)
        self.customer = CustomerDisplayController(settings, self, parent=self)
        self.result = ResultPane()
        self.result.add_actions(
            ActionBar(
                (
                    self.result_actions.copy_qr,
                    self.result_actions.save_qr,
                    self.result_actions.print_link,
                    self.result_actions.share,
                )
            )
        )
        self.banner = Banner()
        self.demo_badge = Badge("DEMO")
        self.demo_note = QLabel(DEMO_NOTE)
        self.demo_note.setObjectName("demoNote")
        self.demo_note.setWordWrap(True)
        self.environment_badge = Badge()
        self._build()
        self._connect()
        # Recent links: placed under the form and the result once the window is ready.
        self.history: HistoryController | None = None
        # Started with --demo: say so from the first paint, not once the emulator runs.
        self._show_demo(services.demo)
        self.form.focus_amount()

    def _build(self) -> None:
        self.setWindowTitle(TITLE)
        demo_row = QHBoxLayout()
        # The badge stays level with the first line of a note that wraps.
        demo_row.addLayout(at_top(self.demo_badge))
        demo_row.addWidget(self.demo_note, 1)
        self.demo_row = QWidget()
        self.demo_row.setLayout(demo_row)
        demo_row.setContentsMargins(0, 0, 0, 0)
        self.demo_row.hide()

        heading = QLabel("New payment link")
        heading.setObjectName("heading")
        styled(heading)

        left = QVBoxLayout()
        left.addWidget(self.demo_row)
        left.addWidget(heading)
        left.addWidget(self.banner)
        left.addWidget(self.form)
        left.addStretch(1)
        keys_hint = QLabel(KEYS_HINT)
        keys_hint.setObjectName("keysHint")
        styled(keys_hint)
        keys_hint.setWordWrap(True)
        keys_hint.setAccessibleName("Keyboard hint")
        keys_hint.setAccessibleDescription(KEYS_HINT)
        left.addWidget(keys_hint)
        left_widget = QWidget()
        left_widget.setObjectName("formColumn")
        left_widget.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)
        self.form_column = FormColumn(left_widget)

        central = QWidget()
        columns = QHBoxLayout(central)
        columns.setContentsMargins(16, 12, 16, 8)
        columns.setSpacing(24)
        columns.addWidget(self.form_column, 2)
        columns.addWidget(self.result, 3)
        self.setCentralWidget(central)

        status = QStatusBar()
        status.addPermanentWidget(self.environment_badge)
        self.setStatusBar(status)

        file_menu = self.menuBar().addMenu("&File")
        self.new_action = shortcuts.make_action(
            self,
            "&New link",
            "Start a new link: clear the form (while creating: cancel)",
            shortcuts.NEW_LINK,
            extra_keys=(shortcuts.NEW_LINK_ALT,),
        )
        self.settings_action = shortcuts.make_action(
            self,
            "&Settings…",
            "Open the settings: shop name, confirmation amount, customer screen, lifetime",
            shortcuts.SETTINGS,
        )
        self.key_action = QAction("&Keys…", self)
        # setShortcuts: setShortcut's overloads would build all of Qt's enums (linkdesk.ui.style).
        self.key_action.setShortcuts([QKeySequence("Ctrl+K")])
        self.key_action.setStatusTip("Enter, test or remove the billing.io API key")
        self.demo_action = QAction("Try the &demo", self)
        self.demo_action.setEnabled(self.services.start_demo is not None)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Quit)])
        file_menu.addAction(self.new_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.key_action)
        file_menu.addAction(self.demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.quit_action.setStatusTip("Close linkdesk")
        edit_menu = self.menuBar().addMenu("&Edit")
        self.copy_action = self.result_actions.copy_url
        edit_menu.addAction(self.copy_action)
        edit_menu.addAction(self.result_actions.copy_qr)
        link_menu = self.menuBar().addMenu("&Link")
        link_menu.addAction(self.result_actions.save_qr)
        link_menu.addAction(self.result_actions.print_link)
        link_menu.addAction(self.result_actions.share)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.customer.toggle_action)
        view_menu.addMenu(self.customer.screen_menu)
        self.shortcuts_action = shortcuts.make_action(
            self, "&Keyboard shortcuts", "List every keyboard shortcut", shortcuts.KEYBOARD_HELP
        )
        # Others add to the same Help menu (About, the log folder): find it, never add two.
        shortcuts.find_or_add_menu(self, "&Help").addAction(self.shortcuts_action)
        # About and the log folder join the Help menu once the window is ready.
        self.help_actions: HelpActions | None = None

    def _connect(self) -> None:
        self.form.submitted.connect(self.amount_guard.submit)
        self.amount_guard.confirmed.connect(self.on_form_submitted)
        self.amount_guard.declined.connect(self.back_to_amount)
        self.form.cancel_requested.connect(self.creator.cancel)
        self.form.edited.connect(self.creator.forget_key)
        self.banner.action_triggered.connect(self.finish_offered)
        self.banner.dismissed.connect(self.on_banner_dismissed)
        self.form.lifetime_chosen.connect(self.on_form_lifetime_chosen)
        self.form.methods_retry_requested.connect(self.on_form_methods_retry_requested)
        self.creator.busy_changed.connect(self.form.set_busy)
        self.creator.created.connect(self.on_creator_created)
        self.creator.failed.connect(self.on_creator_failed)
        self.creator.cancelled.connect(self.on_creator_cancelled)
        self.result.copied.connect(self.on_result_copied)
        self.api.finished.connect(self.on_api_finished)
        self.api.failed.connect(self.on_api_failed)
        self.api.retrying.connect(self.on_api_retrying)
        self.keys.finished.connect(self.on_keys_finished)
        self.keys.failed.connect(self.on_keys_failed)
        self.new_action.triggered.connect(self.on_new_action_triggered)
        self.key_action.triggered.connect(self.on_key_action_triggered)
        self.demo_action.triggered.connect(self.on_demo_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.settings_action.triggered.connect(self.on_settings_action_triggered)
        self.shortcuts_action.triggered.connect(self.on_shortcuts_action_triggered)
        self.result_actions.message.connect(self.on_result_actions_message)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        handle = self.windowHandle()
        if not self._watching_expose and not self._is_ready and handle is not None:
            self._watching_expose = True
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            event.type() == QEvent.Type.Expose
            and isinstance(watched, QWindow)
            and watched.isExposed()
        ):
            watched.removeEventFilter(self)
            # The filter sees the expose before Qt paints the window for it.
            QTimer.singleShot(0, self.on_window_exposed)
        return super().eventFilter(watched, event)

    def _start(self) -> None:
        """The background work of a new window: find the key, or start the demo."""
        if self._shut_down:
            return
        if self.services.demo:
            self.start_demo()
        elif self.services.api_key:
            self.use_key(self.services.client_factory, self.services.api_key)
        else:
            self.form.set_methods_loading()
            self._load_job = self.keys.load()

    # State ----------------------------------------------------------------------------

    @property
    def is_ready(self) -> bool:
        return self._is_ready

    @property
    def demo(self) -> bool:
        return self._demo

    @property
    def environment(self) -> Environment | None:
        return self._environment

    def use_key(self, factory: ClientFactory, key: str) -> None:
        """Work with this key from now on, and load its payment methods."""
        environment = Environment.for_key(key)
        self._switch_key(hash(key), environment)
        self._use_job = self.api.use(factory, key)
        self._show_environment(environment, demo=False)
        self.load_methods()

    def _switch_key(self, fingerprint: int | None, environment: Environment | None) -> None:
        """Another key from now on (None: none, or the demo's). The same key saved again
        keeps what it had: a create to finish with its idempotency key, and its journal."""
        if fingerprint is not None and fingerprint == self._key_fingerprint:
            return
        self._key_fingerprint = fingerprint
        self._withdraw_offer()
        self.creator.detach()
        self._use_journal(environment)

    def _use_journal(self, environment: Environment | None) -> None:
        """Keep each create on disk until billing.io has answered it (not for the demo,
        whose emulator ends with the window, nor without a data folder), and look for
        one an earlier run never heard back about."""
        self._resumable = None
        self._pending_job = None  # an answer about another journal is no longer wanted
        history = self.services.history
        if environment is None or history is None or history.path is None:
            self.creator.journal = None
            return
        from linkdesk.core.pending import PendingJournal

        journal = PendingJournal(history.path.parent, environment)
        self.creator.journal = journal
        self._pending_job = self.api.load_pending(journal)

    def _offer_resume(self) -> None:
        """Offer to finish a create an earlier run never heard back about, once the
        methods are there: a banner with a button, the form left to the cashier."""
        pending = self._resumable
        if pending is None or not self.form.methods_ready:
            return
        self._resumable = None
        if self.creator.busy or not self.form.offers(pending.request):
            # Its payment method is gone or its limits changed: it cannot be sent as it
            # was (the sync brings its link, if billing.io made it).
            log.info("the create of %s cannot be sent again as it was", pending.started_at)
            return
        self._offer(pending)

    def _offer(self, pending: PendingCreate, failure: str | None = None) -> None:
        """Offer to finish `pending` (again, after `failure`)."""
        self._offered = pending
        self.creator.resume(pending)
        if self.banner.isVisibleTo(self) and not self.banner.offering:
            return  # after the message on show, once the cashier closes it
        if failure is None:
            text = RESUME.format(what=_described(pending.request))
        else:
            text = RESUME_AGAIN.format(failure=failure)
        self.banner.show_message(text, FINISH)

    @Slot()
    def finish_offered(self) -> None:
        """Send the offered create again, with its key: billing.io answers with the link
        it made, or makes it now."""
        pending = self._offered
        if pending is None or self.creator.busy or self.form.waiting or self._demo_job:
            return
        self._offered = None
        if pending.too_old():
            self.creator.decline()
            self.banner.show_message(TOO_OLD.format(what=_described(pending.request)))
            return
        self.banner.clear()
        self.sending.emit(pending.request)
        if self.creator.create(pending.request):
            self._finishing = pending
            self.statusBar().clearMessage()

    def _check_offer(self) -> None:
        """The methods came again: an offer they no longer allow is taken back (it stays
        on disk for a later start)."""
        if self._offered is not None and not self.form.offers(self._offered.request):
            self._withdraw_offer()

    def _withdraw_offer(self) -> None:
        """Take the offer off the screen; it stays on disk for a later start."""
        self.creator.decline(forget_on_disk=False)
        if self._offered is not None:
            self._offered = None
            self.banner.clear()

    @Slot()
    def on_banner_dismissed(self) -> None:
        """✕ on the banner: the offer is left if it was what the banner said; another
        message closed brings the offer it covered back."""
        if self._offered is None:
            return
        if self.banner.offering:
            self._offered = None
            self.creator.decline()
        else:
            QTimer.singleShot(0, self._show_offer_again)

    def _show_offer_again(self) -> None:
        if self._offered is not None and not self.banner.isVisibleTo(self):
            self._offer(self._offered)

    def _show_environment(self, environment: Environment, *, demo: bool) -> None:
        self._demo = demo
        self._environment = environment
        self._show_demo(demo)
        self.environment_badge.set_word(environment.badge)
        if self.history is not None:
            self.history.set_demo(demo)

    def _show_demo(self, demo: bool) -> None:
        self.setWindowTitle(DEMO_TITLE if demo else TITLE)
        self.demo_row.setVisible(demo)
        self.demo_action.setEnabled(not demo and self.services.start_demo is not None)

    def forget_key(self) -> None:
        self._switch_key(None, None)
        self._environment = None
        self.api.use(None, None)
        self.environment_badge.set_word("")
        self._methods_failed(NO_KEY_MESSAGE)

    def start_demo(self) -> None:
        """Switch to the demo: the emulator starts on the API thread, the methods follow."""
        if self.services.start_demo is None:
            self.banner.show_message(DEMO_UNAVAILABLE)
            return
        # An offer to finish a real key's create is not for the demo: it stays on disk
        # for the next start with that key.
        self._withdraw_offer()
        self.banner.clear()
        self._demo_job = self.api.use_demo(self.services.start_demo)
        self.load_methods()

    def load_methods(self) -> None:
        self.form.set_methods_loading()
        self._methods_job = self.api.list_methods()
        if not self._warmed_up:
            # Behind the methods, so they arrive no later; before the first create.
            self._warmed_up = True
            self.api.warm_up()

    def open_key_dialog(self, *, first_start: bool = False) -> KeyDialog:
        if self.key_dialog is None:
            # Imported when first opened: most days the window starts with a stored key.
            from linkdesk.ui.key_dialog import KeyDialog

            self.key_dialog = KeyDialog(
                self.api,
                self.keys,
                self.services.client_factory,
                first_start=first_start,
                demo_available=self.services.start_demo is not None and not self._demo,
                parent=self,
            )
            self.key_dialog.demo_requested.connect(self.on_key_dialog_demo_requested)
            self.key_dialog.finished.connect(self.on_key_dialog_finished)
        self.key_dialog.open()
        return self.key_dialog

    def _mark_ready(self) -> None:
        if not self._is_ready:
            self._is_ready = True
            log.info("ready for input")
            self.ready.emit()
            self._add_help()
            self._add_history()

    def _add_help(self) -> None:
        """Help › Open log folder and About: some milliseconds of Qt classes and dialog
        code that the first keystroke need not wait for."""
        from linkdesk.ui.about import HelpActions

        history = self.services.history
        self.help_actions = HelpActions(
            self,
            data_folder=history.path.parent if history and history.path else None,
            keys=self.keys,
        )
        self.help_actions.add_to(shortcuts.find_or_add_menu(self, "&Help"))
        self.help_actions.notice.connect(self.show_message)

    def _add_history(self) -> None:
        """Recent links come right after ready: their table, workers and SQLite cost some
        30 ms that the cashier's first keystroke need not wait for."""
        from linkdesk.ui.history_controller import HistoryController

        # Moving the form into the history's splitter would drop the keyboard focus.
        focused = self.focusWidget()
        self.history = HistoryController(self, self.services.history or HistoryOptions(None))
        if focused is not None:
            focused.setFocus()
        self.history.on_window_ready()

    def _methods_failed(self, message: str) -> None:
        self.form.set_methods_failed(message, needs_key=self._environment is None)
        self.methods_failed.emit(message)

    def show_message(self, text: str, timeout_ms: int = MESSAGE_MS) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _clear_retry_notice(self) -> None:
        """A "Retrying…" notice is stale once the request it was about has ended."""
        if self._retry_notice and self.statusBar().currentMessage() == self._retry_notice:
            self.statusBar().clearMessage()
        self._retry_notice = ""

    def shutdown(self) -> None:
        """Stop the workers (waiting for an attempt already on the wire); safe to repeat."""
        if self._shut_down:
            return
        self._shut_down = True
        self.creator.cancel()
        # A customer display left open would keep the application running.
        self.customer.close()
        if self.key_dialog is not None:
            self.key_dialog.close()
        if self.history is not None:
            self.history.shutdown()
        self.api.stop()
        self.keys.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        # Hide first: a create on the wire may take a few seconds to give up, and the
        # window must not look frozen meanwhile.
        save_state(self.services.settings, WINDOW_GEOMETRY, self.saveGeometry())
        self.hide()
        self.shutdown()
        super().closeEvent(event)

    # Slots ---------------------------------------------------------------------------

    @Slot()
    def on_window_exposed(self) -> None:
        """First paint done: the cashier can type; the background work may start now."""
        self.form.focus_amount()
        self._mark_ready()
        # A turn of the event loop later, so whatever waits for `ready` runs first.
        QTimer.singleShot(0, self._start)

    @Slot(object)
    def on_form_submitted(self, request: LinkRequest) -> None:
        if self.creator.busy:
            return
        self.banner.clear()
        # Another create takes an offered one's place (unless it is the same request,
        # which finishes it with its key).
        self._offered = None
        self.sending.emit(request)
        if self.creator.create(request):
            self.statusBar().clearMessage()

    @Slot(object)
    def on_form_lifetime_chosen(self, seconds: int | None) -> None:
        settings = self.services.settings
        custom = self.form.lifetime_is_custom()
        settings.set(LIFETIME_IS_CUSTOM, custom)
        if custom and seconds is not None:
            settings.set(CUSTOM_LIFETIME_MINUTES, seconds // 60)
        else:
            settings.set(LAST_LIFETIME, seconds)

    @Slot()
    def on_form_methods_retry_requested(self) -> None:
        if self._environment is None:
            self.open_key_dialog()
        else:
            self.load_methods()

    def show_link(
        self, link: PaymentLink | None, environment: Environment | None
    ) -> PaymentLink | None:
        """Show `link` in the result pane (None: empty it); Copy QR, Save, Print and Share
        act on it. `environment` is the key's, for a link that does not say its own; the
        link shown, with its environment, is returned."""
        if link is not None and link.environment is None and environment is not None:
            link = dataclasses.replace(link, environment=environment)
        self.result.show_link(link, environment)
        self.result_actions.set_link(link)
        return link

    @Slot(object, bool)
    def on_creator_created(self, link: PaymentLink, late: bool) -> None:
        if self._offered is not None and self.creator.resumed is None:
            self._withdraw_offer()  # a cancelled finish's link, come after all
        self.customer.show_link(self.show_link(link, self._environment))
        log.info("created payment link %s", link.url)
        if late:
            self.show_message(LATE_LINK, 0)
        else:
            if self._finishing is None:
                self.form.clear()  # what the cashier typed was this link
            self.form.focus_amount()
            self.show_message("Link created; the customer can scan the code now.")
        self._finishing = None

    @Slot(object)
    def on_creator_failed(self, error: LinkdeskError) -> None:
        self._clear_retry_notice()
        if self._offer_again(error.message):
            return
        if not self.form.show_error(error):
            self.banner.show_message(error.message)

    @Slot()
    def on_creator_cancelled(self) -> None:
        if not self._offer_again("Cancelled."):
            self.show_message(CANCELLED)

    def _offer_again(self, failure: str) -> bool:
        """A resumed create that failed with its outcome unknown is offered again (the
        form never held it); False when the failure was not that create's."""
        finishing, self._finishing = self._finishing, None
        if finishing is None:
            return False
        what = _described(finishing.request)
        if self.creator.idempotency_key != finishing.idempotency_key:
            # billing.io refused it: nothing is left to finish.
            self.banner.show_message(NOT_FINISHED.format(what=what, failure=failure))
        elif finishing.too_old():
            self.creator.forget_key()  # its key, kept since it failed, and its journal
            self.banner.show_message(TOO_OLD.format(what=what))
        else:
            self._offer(finishing, failure)
        return True

    @Slot(str)
    def on_result_copied(self, _url: str) -> None:
        self.show_message("Copied the link to the clipboard.", 3000)

    @Slot(int, object)
    def on_api_finished(self, job_id: int, result: object) -> None:
        if job_id == self._use_job:
            self._use_job = None
        if job_id == self._demo_job:
            self._demo_job = None
            if isinstance(result, Environment):
                self._switch_key(None, None)  # the demo's creates end with its emulator
                self._show_environment(result, demo=True)
        if job_id == self._pending_job:
            self._pending_job = None
            self._resumable = result  # type: ignore[assignment]
            self._offer_resume()
        if job_id != self._methods_job or not isinstance(result, list):
            return
        self._methods_job = None
        self._clear_retry_notice()
        log.info("payment methods loaded (%d)", len(result))
        # The form keeps the focus where the cashier is typing, and sends an amount
        # entered while the methods were loading.
        self.form.set_methods(result)
        self._check_offer()
        self._offer_resume()
        self.methods_loaded.emit()

    @Slot(int, object)
    def on_api_failed(self, job_id: int, error: object) -> None:
        message = error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
        if job_id == self._use_job:
            # The client could not be made (a malformed API address, say): that is the
            # news, not the "no key" failure of the method list queued behind it.
            self._use_job = None
            self._methods_job = None
            self._methods_failed(message)
        elif job_id == self._demo_job:
            # The client in use (if any) is kept, and the methods queued behind say so.
            self._demo_job = None
            self._show_demo(self._demo)
            self.banner.show_message(DEMO_FAILED)
        elif job_id == self._methods_job:
            self._methods_job = None
            self._clear_retry_notice()
            self._methods_failed(message)

    @Slot(object)
    def on_api_retrying(self, notice: RetryNotice) -> None:
        self._retry_notice = notice.text
        self.show_message(notice.text, int((notice.wait + 5) * 1000))

    @Slot(int, object)
    def on_keys_finished(self, job_id: int, result: object) -> None:
        if not isinstance(result, ActiveKey):
            return
        if job_id == self._load_job:
            self._load_job = None
            if result.key:
                self.use_key(self.services.client_factory, result.key)
            else:
                self.forget_key()
                self.open_key_dialog(first_start=True)
        elif result.key:
            # A key saved or cleared (in the key dialog, even one closed meanwhile).
            self.use_key(self.services.client_factory, result.key)
        elif not self._demo:
            self.forget_key()

    @Slot(int, object)
    def on_keys_failed(self, job_id: int, error: object) -> None:
        if job_id != self._load_job:
            return
        self._load_job = None
        message = error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
        self.banner.show_message(message)
        self.forget_key()
        self.open_key_dialog(first_start=True)

    @Slot()
    def on_key_dialog_demo_requested(self) -> None:
        self.start_demo()

    @Slot(int)
    def on_key_dialog_finished(self, _result: int) -> None:
        if self.key_dialog is not None:
            self.key_dialog.deleteLater()
            self.key_dialog = None
        self.form.focus_amount()

    @Slot()
    def on_new_action_triggered(self) -> None:
        if self.form.busy or self.form.waiting:
            # What was typed stays: Enter again retries the same create, never a second.
            self.form.cancel()
            return
        self.form.clear()
        self.creator.forget_key()
        self.on_banner_dismissed()  # an offer on show is declined; one covered comes back
        self.banner.clear()
        self.form.focus_amount()
        # Between links nobody sees the last customer's code: not the next customer on
        # this screen (who could pay the old amount), nor on the customer display, which
        # shows the shop's name instead. The link stays in the recent links.
        if self.history is not None:
            self.history.view.table.clearSelection()
        self.show_link(None, None)
        self.customer.show_link(None)

    @Slot()
    def on_settings_action_triggered(self) -> None:
        self.open_settings_dialog()

    def open_settings_dialog(self) -> SettingsDialog:
        if self.settings_dialog is None:
            from linkdesk.ui.settings_dialog import SettingsDialog

            self.settings_dialog = SettingsDialog(self.services.settings, self)
            self.settings_dialog.applied.connect(self.on_settings_dialog_applied)
            self.settings_dialog.finished.connect(self.on_settings_dialog_finished)
        self.settings_dialog.open()
        return self.settings_dialog

    @Slot()
    def on_settings_dialog_applied(self) -> None:
        settings = self.services.settings
        self.customer.set_shop_name(settings.get(SHOP_NAME))
        self.customer.follow_settings()
        self.form.set_custom_minutes(settings.get(CUSTOM_LIFETIME_MINUTES))
        self.show_message("Settings saved.", 3000)

    @Slot(int)
    def on_settings_dialog_finished(self, _result: int) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None
        self.back_to_amount()

    @Slot()
    def back_to_amount(self) -> None:
        """A dialog closed: the keyboard goes back to the amount, for the next customer."""
        # Not every platform hands activation back to the parent of a closed dialog.
        self.activateWindow()
        self.form.focus_amount()

    @Slot()
    def on_shortcuts_action_triggered(self) -> None:
        self.open_shortcuts_dialog()

    def open_shortcuts_dialog(self) -> ShortcutsDialog:
        from PySide6.QtCore import Qt

        from linkdesk.ui.shortcuts import ShortcutsDialog

        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        self.shortcuts_dialog = ShortcutsDialog(shortcuts.window_shortcuts(self), self)
        self.shortcuts_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog.destroyed.connect(self.on_shortcuts_dialog_destroyed)
        self.shortcuts_dialog.open()
        return self.shortcuts_dialog

    @Slot()
    def on_shortcuts_dialog_destroyed(self) -> None:
        self.shortcuts_dialog = None
        self.back_to_amount()

    @Slot(str)
    def on_result_actions_message(self, text: str) -> None:
        self.show_message(text)

    @Slot()
    def on_key_action_triggered(self) -> None:
        self.open_key_dialog()

    @Slot()
    def on_demo_action_triggered(self) -> None:
        self.start_demo()
