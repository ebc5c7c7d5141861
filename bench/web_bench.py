"""Web benchmark: the pages owners and collectors use most, and the aging API, under 20 concurrent users.

Each simulated user logs in once, then loops over a mix of requests with a think time of 0.5-1.5 s
between them, as a person (or a polite integration) does: the dashboard, the customer list (page 1 and a
page a thousand deep), a customer page, and the aging API. A second run drops the think time to find the
server's throughput ceiling. The server is ``recoup serve`` (gunicorn) on loopback; the clients are
threads in this process.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing
from urllib.parse import urlencode

from bench.web_data import EMAIL, PASSWORD


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, database_url: str, workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "recoup.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--database-url",
                database_url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), timeout=1)):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class User:
    """One person at a browser: a session cookie, and a connection per request (gunicorn's sync workers)."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data

    def log_in(self) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urlencode({"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
        status, _ = self.request(
            "POST",
            "/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/login/"},
        )
        if status != 302:
            raise RuntimeError(f"login failed with {status}")


def run_load(port: int, info: dict, customer_pks: list[int], users: int, seconds: float, think: tuple[float, float]):
    slug, token = info["slug"], info["token"]
    deep_pages = max(2, info["customers"] // 50)
    paths = {
        "dashboard": lambda rnd: f"/o/{slug}/",
        "customer list, page 1": lambda rnd: f"/o/{slug}/customers/",
        "customer list, deep page": lambda rnd: f"/o/{slug}/customers/?page={rnd.randint(deep_pages // 2, deep_pages)}",
        "customer page": lambda rnd: f"/o/{slug}/customers/{rnd.choice(customer_pks)}/",
        "aging API": lambda rnd: f"/api/v1/organisations/{slug}/aging",
    }
    samples: dict[str, list[float]] = {name: [] for name in paths}
    failures: list[str] = []
    start_gate = threading.Barrier(users + 1)
    stop_at = [0.0]

    def work(number: int) -> None:
        rnd = random.Random(number)
        user = User(port)
        user.log_in()
        # Warm up, untimed: the first request a gunicorn worker serves imports the code it needs.
        for name, path in paths.items():
            user.request(
                "GET", path(rnd), headers={"Authorization": f"Bearer {token}"} if name == "aging API" else None
            )
        start_gate.wait()
        names = list(paths)
        index = number
        while time.perf_counter() < stop_at[0]:
            name = names[index % len(names)]
            index += 1
            headers = {"Authorization": f"Bearer {token}"} if name == "aging API" else None
            began = time.perf_counter()
            status, _ = user.request("GET", paths[name](rnd), headers=headers)
            elapsed = time.perf_counter() - began
            if status != 200:
                failures.append(f"{name}: {status}")
            samples[name].append(elapsed)
            if think[1]:
                time.sleep(rnd.uniform(*think))

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    # The deadline is set before the gate opens: a user released first must not read an unset deadline.
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    duration = time.perf_counter() - began
    return samples, failures, duration


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(samples: dict[str, list[float]], duration: float) -> dict:
    rows = {}
    for name, values in samples.items():
        rows[name] = {
            "requests": len(values),
            "p50_ms": percentile(values, 0.50) * 1000,
            "p95_ms": percentile(values, 0.95) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
            "max_ms": max(values) * 1000 if values else float("nan"),
        }
    total = sum(len(v) for v in samples.values())
    return {"endpoints": rows, "requests": total, "requests_per_second": total / duration}


def customer_sample(database_url: str, size: int = 500) -> list[int]:
    from bench.common import setup

    setup(database_url, migrate=False)
    from recoup.ledger.models import Customer

    return list(Customer.objects.order_by("?").values_list("pk", flat=True)[:size])
