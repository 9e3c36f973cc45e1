"""A real HTTP server on 127.0.0.1 serving scripted answers, for the fetch and scrape tests.

Each path maps to a list of `Answer`s served in turn (the last one repeats), so a test can say
"503 with Retry-After, then 200". The site counts hits per path and the most requests it was
serving at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait after the headers, before the body
    chunked: bool = False  # no Content-Length: the body is sent, then the connection closed
    hold: float = 0.0  # seconds to keep the request open before answering (concurrency tests)


def html(text: str, charset: str | None = "utf-8", *, encoding: str = "utf-8",
         status: int = 200) -> Answer:
    content_type = "text/html" + (f"; charset={charset}" if charset else "")
    return Answer(status=status, body=text.encode(encoding), headers={"Content-Type": content_type})


class LocalSite:
    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.hits: dict[str, int] = {}
        self.seen_headers: list[dict[str, str]] = []
        self.seen_bodies: list[tuple[str, str, bytes]] = []  # (method, path, body) of each request
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, *answers: Answer) -> str:
        self.routes[path] = list(answers)
        return self.url(path)

    def _next(self, path: str) -> Answer:
        with self._lock:
            count = self.hits.get(path, 0)
            self.hits[path] = count + 1
            answers = self.routes.get(path)
            if not answers:
                return Answer(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
            return answers[min(count, len(answers) - 1)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with site._lock:
                    site.seen_headers.append(dict(self.headers.items()))
                    site.seen_bodies.append((self.command, self.path, body))
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    answer = site._next(self.path.split("?", 1)[0])
                    if answer.hold:
                        time.sleep(answer.hold)
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    if answer.chunked:
                        self.send_header("Connection", "close")
                    else:
                        self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.flush()
                    if answer.delay:
                        time.sleep(answer.delay)
                    self.wfile.write(answer.body)
                    if answer.chunked:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    with site._lock:
                        site.in_flight -= 1

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def local_site() -> Iterator[LocalSite]:
    """For a fixture: `site = pytest.fixture(local_site)`."""
    with LocalSite() as site:
        yield site
