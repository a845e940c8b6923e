"""Shared fixtures: a scratch project (config, seeds, data and output folders) in tmp_path, and
scratch databases: `database_url` runs a test once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import PostgresServer, require_server

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's feeds.yaml and seeds in tmp_path, its state kept there too.

    The configured feeds point at a closed port on 127.0.0.1, so they fail fast, as they would
    on a machine without internet, and the tests never touch the network.
    """
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    port = closed_port()
    lines = []
    for line in (REPO / "feeds.yaml").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("url: http"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}url: http://127.0.0.1:{port}/{len(lines)}.xml"
        lines.append(line)
    (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("REPORTER_DATABASE_URL", "REPORTER_OUTPUT_DIR", "REPORTER_DATA_DIR", "REPORTER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def seeds_only(project: Path) -> Path:
    """The scratch project with no feeds configured: a report built from the seeds alone."""
    text = (project / "feeds.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("\nfeeds:\n")
    _, _, reports = rest.partition("\nreports:\n")
    (project / "feeds.yaml").write_text(head + "\nfeeds: []\n\nreports:\n" + reports, encoding="utf-8")
    return project


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The test PostgreSQL server (skipped without one, except on CI); its scratch databases go with it."""
    server = PostgresServer.from_env(require_server())
    yield server
    server.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store's URL: a SQLite file in tmp_path, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reporter.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    yield url
    server.drop(url)
