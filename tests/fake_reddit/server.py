"""Two real HTTP servers on 127.0.0.1 with one state: www (tokens, anonymous .json, media) and
oauth (the API), as Reddit splits them.

What a test can script or read back:
- apps, script-app users and refresh tokens the token endpoint accepts; `token_ttl` (expiry);
  `revoke_tokens()` to make the next API call a 401;
- the rate budget: `budget` requests per `window` seconds per app, told in X-Ratelimit-* headers
  that count down; a request past it is a 429 and counted in `over_budget`;
- `script_429(retry_after)`: the next API calls answer 429, with or without Retry-After;
- morechildren answers 429 when two calls overlap (`morechildren_overlaps`);
- `anonymous`: "allow" (the .json endpoints answer), "block" (403 with the HTML block page) or
  "html" (200 with the HTML block page);
- `token_failures`: the next token requests answer that status (429 with Retry-After: 1), or hang up
  ("drop");
- `media_replies`: what a media path answers instead (a wrong type, a redirect, a body that breaks
  off: `Reply.length`);
- `latency`: seconds every API call takes; `token_delay`: seconds a token request of an app takes;
  every request is logged in `requests`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_reddit.corpus import Corpus
from tests.fake_reddit.media import manifest, png
from tests.fake_reddit.things import TreeRenderer, escaped, flat_children, listing, page, post_thing

BLOCK_PAGE = (b"<!DOCTYPE html><html><head><title>Blocked</title></head><body>"
              b"<h1>whoa there, pardner!</h1><p>You've been blocked by network security.</p>"
              b"<p>To continue, log in to your Reddit account or use your developer token.</p></body></html>")


@dataclass
class Logged:
    server: str
    method: str
    path: str
    query: dict[str, list[str]]
    app: str | None
    started: float
    user_agent: str
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None  # a Content-Length other than the body's: the connection breaks off


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json; charset=UTF-8",
                                                       **(headers or {})})


class FakeReddit:
    def __init__(self, *, tracks: dict[str, bytes] | None = None, budget: int = 1000,
                 window: float = 600.0, token_ttl: float = 3600.0) -> None:
        self.lock = threading.RLock()
        self.tracks = tracks or {}
        self.apps: dict[str, str] = {"app-id": "app-secret"}
        self.users: dict[str, str] = {"scriptuser": "hunter2"}
        self.refresh_tokens: dict[str, str] = {"refresh-abc": "app-id"}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.token_ttl = token_ttl
        self.grants: list[str] = []
        self.budget, self.window = budget, window
        self.windows: dict[str, tuple[float, int]] = {}
        self.over_budget = 0
        self.throttled = 0
        self.scripted: list[str | None] = []
        self.anonymous = "block"
        self.latency = 0.0
        self.token_delay: dict[str, float] = {}  # seconds the token endpoint takes, per client id
        self.token_failures: list[int | str] = []  # the next token answers: a status, or "drop"
        self.media_replies: dict[str, Reply] = {}  # a media path's answer in place of the real one
        self.morechildren_hold = 0.0
        self._more_in_flight = 0
        self.morechildren_overlaps = 0
        self.requests: list[Logged] = []
        self.servers = {name: self._server(name) for name in ("www", "oauth")}
        self.corpus = Corpus(self.url("www"))

    # --- lifecycle ---------------------------------------------------------------------------

    def _server(self, name: str) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, name))
        server.daemon_threads = True
        return server

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.servers[name].server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url("www")

    @property
    def oauth_url(self) -> str:
        return self.url("oauth")

    def start(self) -> FakeReddit:
        for server in self.servers.values():
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    # --- scripting ---------------------------------------------------------------------------

    def script_429(self, *retry_after: str | None) -> None:
        with self.lock:
            self.scripted.extend(retry_after)

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def api_requests(self, path_prefix: str = "") -> list[Logged]:
        with self.lock:
            return [r for r in self.requests if r.server == "oauth" and r.path.startswith(path_prefix)]

    # --- the budget --------------------------------------------------------------------------

    def _spend(self, app: str) -> tuple[bool, dict[str, str]]:
        """Count one request against `app`'s window; False when it is over the budget."""
        now = time.time()
        with self.lock:
            start, used = self.windows.get(app, (now, 0))
            if now - start >= self.window:
                start, used = now, 0
            used += 1
            self.windows[app] = (start, used)
            reset = max(0, int(start + self.window - now + 0.999))
            headers = {"X-Ratelimit-Used": str(used), "X-Ratelimit-Remaining": f"{max(0, self.budget - used)}.0",
                       "X-Ratelimit-Reset": str(reset)}
            return used <= self.budget, headers

    # --- answers -----------------------------------------------------------------------------

    def token(self, headers: dict[str, str], form: dict[str, str]) -> Reply | None:
        with self.lock:
            failure = self.token_failures.pop(0) if self.token_failures else None
        if failure == "drop":
            return None
        if failure is not None:
            return _json({"message": "failing", "error": failure}, int(failure), {"Retry-After": "1"})
        auth = headers.get("authorization", "")
        try:
            client_id, _, secret = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
        except (IndexError, ValueError):
            return _json({"message": "Unauthorized", "error": 401}, 401)
        if delay := self.token_delay.get(client_id):
            time.sleep(delay)
        if self.apps.get(client_id) != secret:
            return _json({"message": "Unauthorized", "error": 401}, 401)
        grant = form.get("grant_type", "")
        if grant == "password" and self.users.get(form.get("username", "")) != form.get("password"):
            return _json({"error": "invalid_grant"})
        if grant == "refresh_token" and self.refresh_tokens.get(form.get("refresh_token", "")) != client_id:
            return _json({"error": "invalid_grant"})
        if grant not in ("client_credentials", "password", "refresh_token"):
            return _json({"error": "unsupported_grant_type"}, 400)
        token = "tok-" + secrets.token_hex(8)
        with self.lock:
            self.tokens[token] = (client_id, time.time() + self.token_ttl)
            self.grants.append(grant)
        return _json({"access_token": token, "token_type": "bearer", "expires_in": int(self.token_ttl),
                      "scope": "*"})

    def api(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
            app: str, raw: bool) -> Reply:
        allowed, headers = self._spend(app)
        with self.lock:
            scripted = self.scripted.pop(0) if self.scripted else "none"
        if scripted != "none":
            with self.lock:
                self.throttled += 1
            extra = {"Retry-After": scripted} if scripted is not None else {}
            return _json({"message": "Too Many Requests", "error": 429}, 429, {**headers, **extra})
        if not allowed:
            with self.lock:
                self.over_budget += 1
            return _json({"message": "Too Many Requests", "error": 429}, 429, headers)
        if self.latency:
            time.sleep(self.latency)
        if path == "/api/morechildren":
            return self._with(self.morechildren({**query, **form}, raw), headers)
        return self._with(self.read(path, query, raw), headers)

    @staticmethod
    def _with(reply: Reply, headers: dict[str, str]) -> Reply:
        reply.headers.update(headers)
        return reply

    def read(self, path: str, query: dict[str, str], raw: bool) -> Reply:
        """The GET endpoints, shared by the API and the anonymous .json endpoints."""
        limit = int(query.get("limit", "25"))
        out: Any
        if m := re.fullmatch(r"/r/([^/]+)/new", path):
            out = self._listing(f"r/{m.group(1)}", limit, query)
        elif m := re.fullmatch(r"/user/([^/]+)/submitted", path):
            out = self._listing(f"u/{m.group(1)}", limit, query)
        elif m := re.fullmatch(r"/comments/([0-9a-z]+)(?:/[^/]+/([0-9a-z]+))?", path):
            out = self.comments(m.group(1), m.group(2), query)
        elif path == "/api/info":
            names = [n for n in query.get("id", "").split(",") if n.startswith("t3_")]
            out = listing([post_thing(self.corpus.posts[n[3:]]) for n in names[:100]
                           if n[3:] in self.corpus.posts])
        else:
            return _json({"message": "Not Found", "error": 404}, 404)
        if out is None:
            return _json({"message": "Not Found", "error": 404}, 404)
        return _json(out if raw else escaped(out))

    def _listing(self, key: str, limit: int, query: dict[str, str]) -> Any:
        if key not in self.corpus.listings:
            return None
        with self.lock:
            posts = list(self.corpus.listings[key])
        return page(posts, limit=limit, after=query.get("after"), before=query.get("before"))

    def comments(self, post_id: str, focus: str | None, query: dict[str, str]) -> Any:
        post = self.corpus.posts.get(post_id)
        if post is None:
            return None
        renderer = TreeRenderer(self.corpus, post_id, limit=min(int(query.get("limit", "200")), 500),
                                max_depth=int(query.get("depth", "10")))
        if focus:
            found = self.corpus.comment_index.get(focus)
            if found is None or found[0] != post_id:
                return None
            children = renderer.render([found[1]], found[2], 0, top=True)
        else:
            children = renderer.render(post.comments, f"t3_{post_id}", 0, top=True)
        return [listing([post_thing(post)]), listing(children)]

    def morechildren(self, params: dict[str, str], raw: bool) -> Reply:
        with self.lock:
            self._more_in_flight += 1
            overlapping = self._more_in_flight > 1
            if overlapping:
                self.morechildren_overlaps += 1
        try:
            if overlapping:
                return _json({"message": "Too Many Requests", "error": 429}, 429)
            if self.morechildren_hold:
                time.sleep(self.morechildren_hold)
            ids = [i for i in params.get("children", "").split(",") if i]
            if len(ids) > 100:
                return _json({"json": {"errors": [["TOO_MANY", "too many children", "children"]]}}, 200)
            link = params.get("link_id", "")[3:]
            things = flat_children(self.corpus, link, ids)
            body = {"json": {"errors": [], "data": {"things": things}}}
            return _json(body if raw else escaped(body))
        finally:
            with self.lock:
                self._more_in_flight -= 1

    def anonymous_read(self, path: str, query: dict[str, str]) -> Reply:
        if self.anonymous == "block":
            return Reply(403, BLOCK_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if self.anonymous == "html":
            return Reply(200, BLOCK_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        return self.read(path.removesuffix(".json"), query, query.get("raw_json") == "1")

    def media(self, path: str) -> Reply:
        if path in self.media_replies:
            return self.media_replies[path]
        if m := re.fullmatch(r"/[ip]/([^/]+)", path):
            name = m.group(1)
            if name in self.corpus.failed_images or name not in self.corpus.images:
                return Reply(404, b"not found", {"Content-Type": "text/plain"})
            return Reply(200, png(self.corpus.images[name]), {"Content-Type": "image/png"})
        if m := re.fullmatch(r"/v/([^/]+)/([^/]+)", path):
            video = self.corpus.videos.get(m.group(1))
            if video is None:
                return Reply(404, b"", {})
            name = m.group(2)
            if name == "DASHPlaylist.mpd":
                return Reply(200, manifest(video).encode(), {"Content-Type": "application/dash+xml"})
            track = {"DASH_240.mp4": "video_240", "DASH_480.mp4": "video_480"}.get(name)
            if video["audio"] and name == video["audio_name"]:
                track = "audio_128"
            elif video["audio"] and name in (video["audio_name"].replace("128", "64"), "DASH_audio_low.mp4"):
                track = "audio_64"
            if track is None or track not in self.tracks:
                return Reply(403, b"<Error>AccessDenied</Error>", {"Content-Type": "application/xml"})
            return Reply(200, self.tracks[track], {"Content-Type": "video/mp4"})
        return Reply(404, b"", {})


def _handler(fake: FakeReddit, server: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once, as from a real server

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/") or "/"  # PRAW asks for "comments/abc/", Kairos for "comments/abc"
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            app = self._app(headers) if server == "oauth" else None
            with fake.lock:
                fake.requests.append(Logged(server, method, path, parse_qs(parts.query), app,
                                            time.time(), headers.get("user-agent", ""), form))
            reply = self._route(method, path, query, form, headers, app)
            if reply is None:  # hang up without an answer, as a dropped connection does
                self.close_connection = True
                return
            self._send(reply)

        def _app(self, headers: dict[str, str]) -> str | None:
            auth = headers.get("authorization", "")
            if not auth.lower().startswith("bearer "):
                return None
            with fake.lock:
                found = fake.tokens.get(auth.split(" ", 1)[1])
            if found is None or found[1] < time.time():
                return None
            return found[0]

        def _route(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
                   headers: dict[str, str], app: str | None) -> Reply | None:
            if server == "www":
                if path == "/api/v1/access_token" and method == "POST":
                    return fake.token(headers, form)
                if path.endswith(".json"):
                    return fake.anonymous_read(path, query)
                return fake.media(path)
            if app is None:
                return _json({"message": "Unauthorized", "error": 401}, 401,
                             {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
            return fake.api(method, path, query, form, app, query.get("raw_json") == "1")

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body) if reply.length is None else reply.length))
            self.end_headers()
            self.wfile.write(reply.body)
            if reply.length is not None:
                self.close_connection = True

    return Handler


