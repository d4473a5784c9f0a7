"""A local threaded HTTP server for the fetcher: ETag/Last-Modified, Range/If-Range, and faults."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from enum import StrEnum
from pathlib import Path


class Fault(StrEnum):
    """What the server does wrong for a path."""

    drop = "drop"  # the first answer promises the whole file, sends half, closes the connection
    error_then_ok = "error_then_ok"  # the first two answers are 500
    truncate = "truncate"  # always serves the first half only (its length matching)
    html = "html"  # answers 200 with an HTML error page


@dataclass
class Site:
    """The files served (path -> bytes), the faults per path, and what was asked."""

    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    ranges: list[str] = field(default_factory=list)  # paths asked with a Range header
    not_modified: list[str] = field(default_factory=list)  # paths answered 304
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put_folder(self, folder: Path) -> None:
        """Serve every file under `folder` at its relative path."""
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                self.files[p.relative_to(folder).as_posix()] = p.read_bytes()


def etag(data: bytes) -> str:
    """A strong ETag for a body."""
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


def make_handler(site: Site) -> type[http.server.BaseHTTPRequestHandler]:
    """A request handler class serving `site`."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:
            self._send(200, b"", {})

        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            with site.lock:
                site.hits[path] += 1
                hit = site.hits[path]
                body = site.files.get(path)
                fault = site.faults.get(path)
            if body is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            tag = etag(body)
            validators = {"ETag": tag, "Last-Modified": formatdate(0, usegmt=True)}
            if fault is Fault.error_then_ok and hit <= 2:
                self._send(500, b"<html>server error</html>", {"Content-Type": "text/html"})
                return
            if fault is Fault.html:
                self._send(200, b"<!DOCTYPE html><html>rate limited</html>", {})
                return
            if fault is Fault.truncate:
                body = body[: len(body) // 2]
            if self.headers.get("If-None-Match") == tag:
                site.not_modified.append(path)
                self._send(304, b"", validators)
                return
            start = 0
            wanted = self.headers.get("Range")
            if wanted and self.headers.get("If-Range") in (tag, validators["Last-Modified"]):
                site.ranges.append(path)
                start = int(wanted.removeprefix("bytes=").split("-")[0])
            if fault is Fault.drop and hit == 1:
                self.send_response(200)
                for k, v in validators.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if start:
                part = body[start:]
                headers = validators | {
                    "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"
                }
                self._send(206, part, headers)
                return
            self._send(200, body, validators)

    return Handler


class Server:
    """A running server for a site; `url` is its base."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
