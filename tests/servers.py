"""Fixtures for index tests: a real ``redis-server`` on a free loopback port,
and ``db_url``, which runs a test against both index backends.

Import the fixtures into a test module (``from tests.servers import db_url,
redis_url  # noqa: F401``). Without ``redis-server`` on PATH the Redis cases
skip (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server bound to 127.0.0.1, without persistence."""

    def __init__(self, folder: Path, *, password: str | None = None) -> None:
        if REDIS is None:
            pytest.skip("redis-server is not installed (.ci/run installs it with apt-get)")
        self.port = free_port()
        args = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
        if password:
            args += ["--requirepass", password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)

    def url(self, db: int = 0, *, password: str | None = None) -> str:
        auth = f":{password}@" if password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A fresh namespace on the shared server (a prefix of its own)."""
    return redis_server.url() + f"?prefix=t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["sqlite", "redis"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a SQLite file and on Redis."""
    if request.param == "sqlite":
        return str(tmp_path / "corpus.db")
    return str(request.getfixturevalue("redis_url"))
