"""A throw-away PostgreSQL server for tests: initdb + pg_ctl in a temporary folder.

No system service is touched: the cluster lives in a temp dir, listens only on a Unix socket in
that dir (no TCP port), uses trust authentication, and is stopped and deleted at the end. As root
(CI containers) the server runs as the ``postgres`` user, which Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PORT = 5439


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run the server as")
    return ["runuser", "-u", "postgres", "--"]


def start_postgres():
    """Start a cluster; yields a dict with host (socket dir), port, user, database."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does)")
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="crmlab-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if prefix:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "crmlab", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-k {sock} -p {PORT} -c listen_addresses='' -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    info = {"host": str(sock), "port": PORT, "user": "crmlab", "database": "postgres"}
    try:
        yield info
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
