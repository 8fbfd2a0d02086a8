"""A single-node Apache Kafka broker (KRaft) assembled from Maven Central jars."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import subprocess
import time
import uuid
from string import Template

import structlog

from services.devstack.errors import DevStackError
from services.devstack.process import read_pid, start_detached, stop_pidfile
from services.devstack.settings import PROJECT_ROOT, DevStackSettings
from shared.kafka import kafka_reachable

log = structlog.get_logger(__name__)

DEPLOY = PROJECT_ROOT / "deploy" / "kafka"


def ensure_libs(settings: DevStackSettings) -> None:
    """Resolve the broker's classpath once; redo it only when the pom changes."""
    libs = settings.home / "kafka" / "libs"
    pom = DEPLOY / "pom.xml"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = libs / ".pom-sha256"
    if marker.exists() and marker.read_text() == digest:
        return
    if shutil.which("mvn") is None:
        raise DevStackError("Maven (`mvn`) is needed once to fetch the Kafka broker jars")
    shutil.rmtree(libs, ignore_errors=True)
    log.info("fetching kafka broker jars from maven central")
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    marker.write_text(digest)


def cluster_id() -> str:
    """A random cluster id as Kafka writes them (a UUID in URL-safe base64), never starting with '-',
    which Kafka's own generator avoids for the same reason."""
    while True:
        made = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not made.startswith("-"):
            return made


def _java(settings: DevStackSettings, *args: str, heap: str = "256m") -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise DevStackError("Java 17 or later is needed to run the Kafka broker")
    return [
        java,
        f"-Xmx{heap}",
        "-Xms128m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={DEPLOY / 'log4j2.properties'}",
        "-cp",
        str(settings.home / "kafka" / "libs" / "*"),
        *args,
    ]


def _configure(settings: DevStackSettings) -> str:
    home = settings.home / "kafka"
    home.mkdir(parents=True, exist_ok=True)
    props = home / "server.properties"
    props.write_text(
        Template((DEPLOY / "server.properties.template").read_text()).substitute(
            port=settings.kafka_port,
            controller_port=settings.kafka_controller_port,
            proxied_port=settings.kafka_proxied_port,
            proxy_port=settings.kafka_proxy_port,
            log_dirs=home / "data",
            partitions=settings.topic_partitions,
        )
    )
    cluster_file = home / "cluster.id"
    if not cluster_file.exists():
        cluster_file.write_text(cluster_id())
    formatted = subprocess.run(
        _java(
            settings,
            "kafka.tools.StorageTool",
            "format",
            # Joined to its option: a separate argument starting with '-' would read as an option.
            f"--cluster-id={cluster_file.read_text()}",
            "-c",
            str(props),
            "--ignore-formatted",
        ),
        check=False,
        capture_output=True,
        text=True,
    )
    if formatted.returncode != 0:
        said = (formatted.stderr or formatted.stdout).strip()
        raise DevStackError(f"formatting Kafka's storage in {home / 'data'} failed: {said}")
    return str(props)


def is_running(settings: DevStackSettings) -> bool:
    return read_pid(settings.run / "kafka.pid") is not None


def start(settings: DevStackSettings) -> None:
    if not is_running(settings):
        ensure_libs(settings)
        props = _configure(settings)
        start_detached(
            _java(settings, "kafka.Kafka", props, heap=settings.kafka_heap),
            log=settings.logs / "kafka.log",
            pidfile=settings.run / "kafka.pid",
        )
    deadline = time.monotonic() + 120
    while not asyncio.run(kafka_reachable(settings.kafka_bootstrap)):
        if not is_running(settings):
            raise DevStackError(f"Kafka exited during start; see {settings.logs / 'kafka.log'}")
        if time.monotonic() > deadline:
            raise DevStackError(f"Kafka did not answer within 120 s; see {settings.logs / 'kafka.log'}")
        time.sleep(0.5)
    log.info("kafka ready", bootstrap=settings.kafka_bootstrap)


def stop(settings: DevStackSettings) -> bool:
    return stop_pidfile(settings.run / "kafka.pid", timeout=30)
