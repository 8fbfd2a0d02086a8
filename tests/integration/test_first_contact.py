"""What a new user meets first: the README's shell examples run as written against the running
platform, and the API explorer renders in a real browser with no network beyond this machine."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, Topics
from tests.integration.processes import service_env, wait_ready
from tests.integration.receivers import free_port

FENCE = re.compile(r"(?P<before>[^\n]*)\n+```sh\n(?P<body>.*?)\n```", re.DOTALL)
SKIP = "<!-- not run by the README test"
VENV_BIN = str(Path(sys.executable).parent)


def readme_scripts() -> list[str]:
    """The README's `sh` blocks in order, but those marked as not runnable here (they start the
    stack themselves, or point at another machine)."""
    text = (ROOT / "README.md").read_text()
    return [m["body"] for m in FENCE.finditer(text) if not m["before"].startswith(SKIP)]


def test_the_readme_marks_only_what_cannot_run_here() -> None:
    text = (ROOT / "README.md").read_text()
    blocks = text.count("```sh\n")
    scripts = readme_scripts()
    assert len(scripts) >= 2, "the walk-through and the credence commands"
    assert text.count(SKIP) == blocks - len(scripts)
    assert any("curl" in s and "/v1/credit-checks" in s for s in scripts)


@asynccontextmanager
async def running_platform(
    database_url: str, topics: Topics, home: Path, log: Path
) -> AsyncIterator[dict[str, str]]:
    """`credence dev env` then `credence run`, as `make run` does, on free ports, its output in
    `log`; the environment a user's shell would have."""
    ports = {"api": free_port(), "risk-worker": free_port(), "notifier": free_port()}
    env = {
        **service_env(database_url, topics, ports),
        "CREDENCE_DEV_HOME": str(home),
        "CREDENCE_DEV_API_PORT": str(ports["api"]),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    made = await asyncio.to_thread(
        subprocess.run, ["credence", "dev", "env"], env=env, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    with log.open("wb") as output:
        platform = subprocess.Popen(
            ["credence", "run"], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        await wait_ready(ports)
        yield env
    finally:
        platform.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(platform.wait, 60)
        except subprocess.TimeoutExpired:
            os.killpg(platform.pid, signal.SIGKILL)
            platform.wait()


async def test_every_shell_example_of_the_readme_runs_against_the_platform(
    database_url: str, topics: Topics, tmp_path: Path
) -> None:
    log = tmp_path / "platform.log"
    async with running_platform(database_url, topics, tmp_path / ".devstack", log) as env:
        # curl answers an HTTP error with a non-zero exit (and prints the problem), so a failing
        # example stops the script; each command is echoed to say which one it was.
        script = "\n".join(
            [
                "set -euo pipefail",
                'curl() { command curl --fail-with-body --show-error "$@"; }',
                "set -x",
                *readme_scripts(),
            ]
        )
        result = await asyncio.to_thread(
            subprocess.run,
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, f"{result.stderr}\n{result.stdout}"
    assert '"decision":"approved"' in result.stdout

    # The platform's logs of that run hold no secret and no personal data: not a key (of the
    # development ones, nor the one `credence keys create` made), not an email address, not the
    # name of a person.
    logged = log.read_text()
    assert '"route": "/v1/credit-checks"' in logged, "the requests were logged"
    secret = re.compile(r"cred_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")
    dev_env = (tmp_path / ".devstack" / "dev.env").read_text()
    keys = set(secret.findall(dev_env)) | set(secret.findall(result.stdout))
    assert len(keys) >= 6
    leaked = [key for key in keys if key.split("_", 2)[2] in logged]
    leaked += re.findall(r"[\w.+-]+@[\w-]+\.[\w.-]+", logged)
    leaked += [name for name in ("Maria Rossi", "Li Wei", "alice") if name in logged]
    assert not leaked


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    return path


async def test_the_api_explorer_renders_offline_in_a_real_browser(
    database_url: str, topics: Topics, tmp_path: Path, chromium: str
) -> None:
    port = free_port()
    env = service_env(database_url, topics, {"api": port, "risk-worker": 0, "notifier": 0})
    api = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_ready({"api": port})
        pages = {}
        for page in ("docs", "redoc"):
            # Every host but 127.0.0.1 fails to resolve: a page that needs a CDN stays blank.
            shown = await asyncio.to_thread(
                subprocess.run,
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    f"--user-data-dir={tmp_path / page}",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    "--virtual-time-budget=15000",
                    "--dump-dom",
                    f"http://127.0.0.1:{port}/{page}",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            pages[page] = shown.stdout
    finally:
        api.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(api.wait, 30)
        if api.poll() is None:
            api.kill()
            api.wait()
    swagger = pages["docs"]
    assert 'class="swagger-ui' in swagger, swagger[:2000]
    assert "opblock-summary-path" in swagger
    for path in ("/v1/credit-checks", "/v1/customers/{customer_code}/credit-limit", "/v1/events"):
        assert f'data-path="{path}"' in swagger
    assert "Decide whether an order may go ahead on credit" in swagger
    assert "Decide whether an order may go ahead on credit" in pages["redoc"]
