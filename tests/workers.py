"""Real Celery workers against Redis and the test database (STACK.md 15 and 16).

Shared by tests/integration and tests/e2e: their conftest.py import the
`celery_worker` (one worker, one pool process) and `celery_workers` (a factory:
any number of workers, each with its own name and log) fixtures from here.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from django.db import connection

from cpo.celery import app as celery_app
from cpo.celery import worker_command
from tests.conftest import need, postgres_in_use, redis_available

ROOT = Path(__file__).resolve().parents[1]
WORKER_READY_SECONDS = 60


def worker_database_url() -> str:
    """The URL of the test database (the workers must use it, STACK.md 15)."""
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@dataclass
class Worker:
    """One `celery worker` process; its output goes to a file (a pipe nobody
    reads would fill up and block the worker)."""

    name: str
    process: subprocess.Popen[bytes]
    log_file: IO[bytes]

    def log(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def pool_pids(self) -> list[int]:
        """The pids of this worker's pool processes (the children doing tasks)."""
        stats = celery_app.control.inspect(destination=[self.name], timeout=2).stats()
        return list(
            (stats or {}).get(self.name, {}).get("pool", {}).get("processes", [])
        )

    def kill_pool_process(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def _start(name: str, concurrency: int) -> Worker:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpo.settings.test",
        "DATABASE_URL": worker_database_url(),
    }
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 — closed in stop()
        prefix="celery-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        worker_command(name=name, concurrency=concurrency, loglevel="INFO"),
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    return Worker(name=name, process=process, log_file=log_file)


def _wait_ready(workers: list[Worker]) -> None:
    waiting = {w.name for w in workers}
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while waiting and time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(
                    f"celery worker {worker.name} exited early:\n{worker.log()}"
                )
        for reply in celery_app.control.ping(timeout=0.5) or []:
            waiting -= set(reply)
    if waiting:
        pytest.fail(f"celery workers did not answer a ping in time: {sorted(waiting)}")


@contextmanager
def _workers() -> Iterator[Callable[..., list[Worker]]]:
    need("Redis", redis_available(), "REDIS_URL unset or not answering")
    need(
        "PostgreSQL",
        postgres_in_use(),
        "a worker process cannot share SQLite's test database",
    )
    celery_app.control.purge()
    started: list[Worker] = []
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def start(count: int = 1, concurrency: int = 1) -> list[Worker]:
        host = socket.gethostname()
        new = [
            _start(f"test-{os.getpid()}-{len(started) + n}@{host}", concurrency)
            for n in range(count)
        ]
        started.extend(new)
        _wait_ready(new)
        return new

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in started:
            worker.stop()
        celery_app.control.purge()


@pytest.fixture
def celery_workers(transactional_db):
    """A factory: `celery_workers(count=2, concurrency=1)` starts that many workers
    on the test database and Redis, and returns them once all answer a ping. They
    stop before the test database is torn down."""
    with _workers() as start:
        yield start


@pytest.fixture
def celery_worker(transactional_db):
    """One worker with one pool process."""
    with _workers() as start:
        yield start()[0]
