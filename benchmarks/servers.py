"""The three systems of ``tongxin bench`` as real servers: gunicorn processes on
127.0.0.1, logged-in HTTP sessions, and the peak memory of their workers."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: the same gunicorn settings for every system: 2 workers (one per core), 4 threads each
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--timeout", "120"]
APPS = {"ours": "app:create_app()", "fab": "benchmarks.rivals.stock_fab:app",
        "django": "benchmarks.rivals.django_admin.wsgi:application"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One gunicorn master serving ``name`` on ``port``."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    started_s: float = 0.0

    def workers(self) -> list[int]:
        """Process ids of the master's workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers, in MiB."""
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found.group(1)) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, env: dict[str, str], folder: Path,
          extra: list[str] | None = None) -> Server:
    """Start ``name``'s gunicorn and wait until it answers (raises with its log if not)."""
    port = free_port()
    log = folder / f"{name}-{port}.log"
    args = extra if extra is not None else [*GUNICORN, APPS[name]]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", *args],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent)
    server = Server(name, port, process, log)
    started = time.perf_counter()
    probe = "/admin/login/" if name == "django" else "/login/"
    while True:
        try:  # the master listens at once; a worker answers only once the app is built
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            conn.getresponse().read()
            conn.close()
            break
        except (OSError, http.client.HTTPException) as err:
            if process.poll() is not None or time.perf_counter() - started > 120:
                server.stop()
                raise RuntimeError(
                    f"{name} did not start:\n{log.read_text()[-3000:]}") from err
            time.sleep(0.1)
    server.started_s = time.perf_counter() - started
    return server


@dataclass
class Session:
    """A logged-in browser of one server: a keep-alive connection and its cookies."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request; the whole body is read; cookies set by the answer are kept."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                    "Accept-Language": "zh-CN,zh", **(headers or {})}
            data = None
            if body is not None:
                data = urllib.parse.urlencode(body)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.headers.get("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, dict(response.headers), payload
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes]:
        status, _, payload = self.request("GET", path)
        return status, payload

    def copy(self) -> Session:
        """Another connection with the same login (for concurrent clients)."""
        return Session(self.port, dict(self.cookies))


def _hidden(page: bytes, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]+)"'.encode(), page) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"'.encode(), page)
    if found is None:
        raise RuntimeError(f"no {name} on the login page")
    return found.group(1).decode()


def login(server: Server, username: str, password: str) -> Session:
    """Log in through the system's own login form, as a browser does."""
    session = Session(server.port)
    if server.name == "django":
        _, page = session.get("/admin/login/?next=/admin/")
        form = {"csrfmiddlewaretoken": _hidden(page, "csrfmiddlewaretoken"),
                "username": username, "password": password, "next": "/admin/"}
        status, headers, _ = session.request(
            "POST", "/admin/login/?next=/admin/", form,
            {"Referer": f"http://127.0.0.1:{server.port}/admin/login/"})
    else:
        _, page = session.get("/login/")
        form = {"csrf_token": _hidden(page, "csrf_token"), "username": username,
                "password": password}
        status, headers, _ = session.request("POST", "/login/", form)
    if status != 302 or "login" in headers.get("Location", ""):
        raise RuntimeError(f"{server.name}: login of {username} failed ({status})")
    return session


def run_json(args: list[str], env: dict[str, str]) -> Any:
    """Run ``python -m …`` and read the JSON object it prints last (``{}`` if none)."""
    import json

    done = subprocess.run([sys.executable, "-m", *args], env={**os.environ, **env},
                          capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}
