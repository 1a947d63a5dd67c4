"""A loopback HTTP server answering from a script, for responses the emulator never sends.

The emulator is faithful to billing.io; this server plays the rest of the world: a
proxy's odd answers, a 50 MB body, JSON that is not an object. It records every request
so tests can check headers such as User-Agent and Idempotency-Key.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    chunked_size: int | None = None  # send this many bytes in chunks, without Content-Length
    trickle: float | None = None  # with chunked_size: a byte a chunk, this many seconds apart


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.script: deque[Scripted] = deque()
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    Seen(self.command, self.path, dict(self.headers.items()), body)
                )
                answer = server.script.popleft() if server.script else Scripted(404, b"")
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.chunked_size is None:
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" if answer.trickle else b"x" * 65536
                sent = 0
                try:
                    while sent < answer.chunked_size:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                        sent += len(chunk)
                        if answer.trickle:
                            time.sleep(answer.trickle)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the client hung up: what some tests are about
                    self.close_connection = True

            do_GET = do_POST = _answer

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
