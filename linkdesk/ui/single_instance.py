"""One linkdesk window per user: a second start brings the first window to the front.

The first linkdesk listens on a local socket (`QLocalServer`: a Unix socket, a named pipe
on Windows). A later start connects to it, sends one JSON line asking for the window
to come to the front, waits for the answer and exits 0, so a cashier who double-clicks
the icon again finds the open window instead of a second one writing the same history.

- The name is per user: ``linkdesk-<uid>`` on Unix (in ``$XDG_RUNTIME_DIR`` when there
  is one, a folder only the user can enter; else in the temp folder), ``linkdesk-<hash
  of the user name>`` on Windows, whose pipe names are shared by every session.
  ``LINKDESK_INSTANCE_NAME`` overrides it (the tests give each test its own).
- A socket left behind by a linkdesk that crashed answers nobody: it is removed and
  the new start listens in its place. Two starts at the same moment are settled by
  asking again before removing anything.
- A data folder chosen with --data-dir or $LINKDESK_DATA_DIR is another history, so
  it gets its own name (a hash of the folder's path).
- `--demo` windows count among themselves only (the name gets ``-demo``): the demo
  never writes the merchant's history or touches the real key, so a demo window may be
  open beside the real one, and a second `--demo` start fronts the demo window.
  `--smoke` runs take no part: a smoke test must test the program it started.

Bringing a window forward is up to the desktop: X11 usually allows it, Windows only
if the asking process lets it (it does, with AllowSetForegroundWindow), Wayland only
with an activation token (passed along when the desktop gave the second start one).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

INSTANCE_ENV = "LINKDESK_INSTANCE_NAME"
TIMEOUT_MS = 2000
_MAX_REQUEST = 4096
ACTIVATE = "activate"
ANSWER = b"ok\n"


def instance_name(
    *, demo: bool, data_dir: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The per-user name of the running linkdesk's socket.

    A data folder chosen on purpose (--data-dir, $LINKDESK_DATA_DIR) is a history of its
    own, so it gets a name of its own: one window per history, not per user.
    """
    environ = os.environ if environ is None else environ
    chosen = data_dir or environ.get("LINKDESK_DATA_DIR", "")
    name = environ.get(INSTANCE_ENV, "")
    if not name:
        if sys.platform == "win32":
            user = hashlib.sha256(getpass.getuser().encode()).hexdigest()[:16]
            name = f"linkdesk-{user}"
        else:
            name = f"linkdesk-{os.getuid()}"
            runtime = environ.get("XDG_RUNTIME_DIR", "")
            if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
                name = os.path.join(runtime, name)
    if chosen:
        from linkdesk.core.paths import default_data_dir

        def same(path: str) -> str:
            return os.path.normcase(os.path.realpath(os.path.expanduser(path)))

        folder = same(chosen)
        # The usual folder named on purpose is still the usual history, and its window.
        if folder != same(str(default_data_dir(environ))):
            name += "-" + hashlib.sha256(folder.encode()).hexdigest()[:12]
    return name + "-demo" if demo else name


def bring_to_front(window: QWidget) -> None:
    """Show the window, un-minimised, raised and active."""
    state = window.windowState()
    if state & Qt.WindowState.WindowMinimized:
        window.setWindowState(
            (state & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
    window.show()
    window.raise_()
    window.activateWindow()


class SingleInstance(QObject):
    """The socket of the running linkdesk, or the way to reach it."""

    activation_requested = Signal()  # another start asked for the window

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this is the first linkdesk (and now listens); False if another one
        runs and was asked to come to the front.

        Where the socket cannot be made at all, linkdesk runs anyway (True), as it did
        before there was a socket: two windows are better than none.
        """
        if self.ask_running_instance():
            return False
        if self._listen():
            return True
        # Someone holds the name yet did not answer a moment ago: a start racing this
        # one, or a socket left by a linkdesk that crashed. Ask once more before
        # removing anything.
        if self.ask_running_instance():
            return False
        log.info("removing a stale linkdesk socket %s", self.name)
        QLocalServer.removeServer(self.name)
        if self._listen():
            return True
        log.warning("cannot listen on %s: %s; a second start will open a second window",
                    self.name, self.server.errorString() if self.server else "")  # fmt: skip
        return True

    def ask_running_instance(self, timeout_ms: int = TIMEOUT_MS) -> bool:
        """Ask a running linkdesk to bring its window forward; True if it answered."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        _allow_foreground_window()
        request = {"action": ACTIVATE}
        token = os.environ.get("XDG_ACTIVATION_TOKEN")
        if token:
            request["token"] = token
        socket.write(json.dumps(request).encode() + b"\n")
        socket.flush()
        answer = b""
        while not answer.endswith(b"\n") and socket.waitForReadyRead(timeout_ms):
            answer += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        if answer != ANSWER:
            # It took the request but answered oddly (an older linkdesk): it runs, and a
            # second window would be worse than no front.
            log.warning("the running linkdesk answered %r", answer[:40])
        return True

    def _listen(self) -> bool:
        if self.server is None:
            self.server = QLocalServer(self)
            # Only this user may connect (on Unix the socket gets mode 0700).
            self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            self.server.newConnection.connect(self.on_server_new_connection)
        if self.server.listen(self.name):
            log.debug("single instance: listening on %s", self.server.fullServerName())
            return True
        return False

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    @Slot()
    def on_server_new_connection(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            # C++ to C++: safe even while the server and its sockets are being destroyed.
            socket.disconnected.connect(socket.deleteLater)
            socket.readyRead.connect(self.on_socket_ready_read)
            # The request may have arrived with the connection, before readyRead was
            # connected: Qt would not say so again.
            if socket.bytesAvailable():
                self._read_request(socket)

    @Slot()
    def on_socket_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read_request(socket)

    def _read_request(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            if socket.bytesAvailable() > _MAX_REQUEST:
                socket.abort()
            return
        line = bytes(socket.readLine(_MAX_REQUEST).data())
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        if not isinstance(request, dict) or request.get("action") != ACTIVATE:
            log.warning("ignored a request on the linkdesk socket")
            socket.abort()
            return
        token = request.get("token")
        if isinstance(token, str) and token:
            # Qt's Wayland plugin activates the window with the token it finds here.
            os.environ["XDG_ACTIVATION_TOKEN"] = token
        log.info("another start of linkdesk asked for this window; bringing it to the front")
        socket.write(ANSWER)
        socket.flush()
        socket.disconnectFromServer()
        self.activation_requested.emit()


def _allow_foreground_window() -> None:
    """Windows lets only the foreground process give the foreground away: this start
    was just launched by the user, so it may let the running linkdesk take it."""
    if sys.platform != "win32":
        return
    import ctypes

    asfw_any = -1
    ctypes.windll.user32.AllowSetForegroundWindow(asfw_any)  # type: ignore[attr-defined]
