"""A project-local PostgreSQL cluster from the Debian server binaries."""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import structlog

from services.devstack.errors import DevStackError
from services.devstack.settings import DevStackSettings

log = structlog.get_logger(__name__)


def _bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _version_key(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def ensure_server_binaries() -> Path:
    bindir = _bindir()
    if bindir is not None:
        return bindir
    if os.geteuid() != 0:
        raise DevStackError("PostgreSQL server binaries are missing: install the Debian package `postgresql`")
    log.info("installing postgresql from Debian packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    bindir = _bindir()
    if bindir is None:
        raise DevStackError("postgresql was installed but initdb is still not found")
    return bindir


def _as_owner(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the Debian package provides the `postgres` user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _chown_to_owner(*paths: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for path in paths:
        os.chown(path, entry.pw_uid, entry.pw_gid)


def data_dir(settings: DevStackSettings) -> Path:
    return _reachable_home(settings) / "postgres"


def _log_file(settings: DevStackSettings) -> Path:
    home = _reachable_home(settings)
    logs = settings.logs if home == settings.home else home
    logs.mkdir(parents=True, exist_ok=True)
    return logs / "postgres.log"


def _reachable_home(settings: DevStackSettings) -> Path:
    """`.devstack/`, unless the `postgres` user cannot reach into it (a checkout under a private
    home directory, when running as root): then a folder of the system temp dir named after it."""
    if os.geteuid() != 0 or _postgres_can_enter(settings.home):
        return settings.home
    digest = hashlib.sha256(str(settings.home).encode()).hexdigest()[:10]
    fallback = Path(tempfile.gettempdir()) / f"credence-devstack-{digest}"
    fallback.mkdir(mode=0o755, exist_ok=True)
    _chown_to_owner(fallback)
    return fallback


def _postgres_can_enter(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)], check=False)
    return probe.returncode == 0


def is_running(settings: DevStackSettings) -> bool:
    bindir = _bindir()
    if bindir is None or not (data_dir(settings) / "PG_VERSION").exists():
        return False
    result = subprocess.run(
        _as_owner([str(bindir / "pg_ctl"), "status", "-D", str(data_dir(settings))]),
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def start(settings: DevStackSettings) -> None:
    bindir = ensure_server_binaries()
    data = data_dir(settings)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        _chown_to_owner(data)
        subprocess.run(
            _as_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "credence",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                ]
            ),
            check=True,
            capture_output=True,
        )
    if not is_running(settings):
        logfile = _log_file(settings)
        logfile.touch()
        _chown_to_owner(logfile)
        options = (
            f"-p {settings.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c max_connections=300"
        )
        result = subprocess.run(
            _as_owner(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(data),
                    "-l",
                    str(logfile),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DevStackError(f"PostgreSQL did not start (see {logfile}): {result.stderr.strip()}")
    log.info("postgres ready", port=settings.pg_port)


async def create_database(settings: DevStackSettings, name: str = "credence") -> None:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=settings.pg_port, user="credence", database="postgres"
    )
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def stop(settings: DevStackSettings) -> bool:
    if not is_running(settings):
        return False
    bindir = ensure_server_binaries()
    subprocess.run(
        _as_owner([str(bindir / "pg_ctl"), "stop", "-D", str(data_dir(settings)), "-m", "fast", "-w"]),
        check=True,
        capture_output=True,
    )
    return True
