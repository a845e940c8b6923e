"""A real PostgreSQL server for a test module: the one named in REPORTER_TEST_POSTGRES_URL, or a scratch one.

The scratch server is made with initdb and pg_ctl from the Debian package (/usr/lib/postgresql/N/bin)
in a temporary folder, listening on a free port of 127.0.0.1 only, and stopped after the tests. When
neither is available the tests that need it are skipped with a line that says what to install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True)
    return next((r for r in roots if (r / "initdb").exists() and (r / "pg_ctl").exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of an empty PostgreSQL database, for the length of the block (or a pytest skip)."""
    named = os.environ.get("REPORTER_TEST_POSTGRES_URL")
    if named:
        yield named
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install -e '.[postgres]' to run the PostgreSQL tests")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): "
            "apt-get install postgresql"
        )
    # initdb refuses to run as root; the Debian package's `postgres` user owns the scratch cluster then.
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start a scratch PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="reporter-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c fsync=off"
        )
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "reporter_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/reporter_test"
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"could not start a scratch PostgreSQL: {exc.stderr.decode(errors='replace').strip()}")
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)
