"""The `credence` command line: local stack, migrations, API keys and the services themselves."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.devstack.settings import PROJECT_ROOT, DevStackSettings, get_devstack_settings, read_dev_env
from shared.roles import Role


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credence", description=__doc__)
    sub = parser.add_subparsers(title="commands")

    dev = sub.add_parser("dev", help="the local stack under .devstack/").add_subparsers(title="actions")
    dev.add_parser("up", help="start PostgreSQL, Kafka and the mail sink").set_defaults(handler=_dev_up)
    dev.add_parser("down", help="stop everything the local stack started").set_defaults(handler=_dev_down)
    dev.add_parser("status", help="what is running").set_defaults(handler=_dev_status)
    dev.add_parser("env", help="write .devstack/dev.env with one API key per role").set_defaults(
        handler=_dev_env
    )

    db = sub.add_parser("db", help="database schema").add_subparsers(title="actions")
    db.add_parser("upgrade", help="alembic upgrade head").set_defaults(handler=_db_upgrade)

    topics = sub.add_parser("topics", help="Kafka topics").add_subparsers(title="actions")
    create_topics = topics.add_parser("create", help="create the platform's topics where missing")
    create_topics.add_argument("--partitions", type=int, default=6)
    create_topics.set_defaults(handler=_topics_create)

    docs = sub.add_parser("docs", help="published contracts").add_subparsers(title="actions")
    docs.add_parser("events", help="write docs/events/*.schema.json and docs/asyncapi.yaml").set_defaults(
        handler=_docs_events
    )

    ledger = sub.add_parser("ledger", help="the receivables ledger").add_subparsers(title="actions")
    ledger.add_parser("rebuild", help="replay the event store into fresh projections").set_defaults(
        handler=_ledger_rebuild
    )

    assess = sub.add_parser("assessments", help="credit assessments").add_subparsers(title="actions")
    reassess = assess.add_parser("run", help="reassess every customer as of a date (default today)")
    reassess.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    reassess.set_defaults(handler=_assessments_run)

    collections = sub.add_parser("collections", help="dunning").add_subparsers(title="actions")
    dun = collections.add_parser(
        "run",
        help="run dunning for every day from --from (default: the day after the last run; the first "
        "run ever, --as-of alone) through --as-of (default: today); a day already run changes nothing",
    )
    dun.add_argument("--as-of", type=date.fromisoformat, default=None, help="the last day, YYYY-MM-DD")
    dun.add_argument(
        "--from", dest="first", type=date.fromisoformat, default=None, help="the first day, YYYY-MM-DD"
    )
    dun.set_defaults(handler=_collections_run)

    statements = sub.add_parser("statements", help="statements of account").add_subparsers(title="actions")
    mail = statements.add_parser(
        "run",
        help="e-mail the statements due by the dunning policy's schedule for every day from --from "
        "(default: the day after the last run; the first run ever, --as-of alone) through --as-of "
        "(default: today); a day already run changes nothing, and no statement is sent twice",
    )
    mail.add_argument("--as-of", type=date.fromisoformat, default=None, help="the last day, YYYY-MM-DD")
    mail.add_argument(
        "--from", dest="first", type=date.fromisoformat, default=None, help="the first day, YYYY-MM-DD"
    )
    mail.set_defaults(handler=_statements_run)

    forecast = sub.add_parser("forecast", help="payment predictions").add_subparsers(title="actions")
    backtest = forecast.add_parser(
        "backtest",
        help="predict from what was known on --as-of and score against the payments of the --weeks "
        "after it, beside two naive baselines (the due date; the due date plus the average days late)",
    )
    backtest.add_argument("--as-of", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    backtest.add_argument("--weeks", type=int, default=13, help="the weeks scored (default 13)")
    backtest.set_defaults(handler=_forecast_backtest)

    groups = sub.add_parser("credit-groups", help="credit groups").add_subparsers(title="actions")
    warn = groups.add_parser(
        "warnings",
        help="evaluate every credit group's utilisation for a date (default today); "
        "a day run again changes nothing",
    )
    warn.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    warn.set_defaults(handler=_group_warnings)

    dlq = sub.add_parser("dlq", help="dead letters").add_subparsers(title="actions")
    replay = dlq.add_parser("replay", help="send dead letters back to their topic (all pending, or --id)")
    replay.add_argument(
        "--id", type=int, action="append", dest="ids", help="only this dead letter; repeatable"
    )
    replay.set_defaults(handler=_dlq_replay)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(title="actions")
    create = keys.add_parser("create", help="create a key; it is printed once, only its hash is kept")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True)
    create.set_defaults(handler=_keys_create)

    users = sub.add_parser("users", help="people who sign in to the console").add_subparsers(title="actions")
    user = users.add_parser("create", help="create a user; the password is asked for, or read from stdin")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--name", required=True)
    user.add_argument("--email", required=True)
    user.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user.set_defaults(handler=_users_create)

    sub.add_parser("api", help="run credit_api").set_defaults(handler=_run_api)
    sub.add_parser("risk-worker", help="run risk_worker").set_defaults(handler=_run_risk_worker)
    sub.add_parser("notifier", help="run notifier").set_defaults(handler=_run_notifier)
    sub.add_parser("run", help="run the three services until Ctrl-C").set_defaults(handler=_run_all)
    return parser


def _dev_up(_: argparse.Namespace) -> int:
    from services.devstack import stack
    from services.devstack.errors import DevStackError
    from shared.logging import configure_logging
    from shared.settings import PlatformSettings

    configure_logging("devstack", json=False)
    try:
        stack.up(
            get_devstack_settings(),
            PlatformSettings(),
            own_database="DATABASE_URL" not in os.environ,
            own_kafka="KAFKA_BOOTSTRAP_SERVERS" not in os.environ,
        )
    except DevStackError as error:
        print(f"credence dev up: {error}", file=sys.stderr)
        return 1
    return 0


def _dev_down(_: argparse.Namespace) -> int:
    from services.devstack import stack

    stack.down(get_devstack_settings())
    return 0


def _dev_status(_: argparse.Namespace) -> int:
    from services.devstack import stack

    for name, running in stack.status(get_devstack_settings()).items():
        print(f"{name:12} {'running' if running else 'stopped'}")
    return 0


def _dev_platform() -> dict[str, str]:
    """The local stack's addresses, unless the environment points elsewhere."""
    settings = get_devstack_settings()
    return {
        "database_url": os.environ.get("DATABASE_URL", settings.database_url),
        "kafka_bootstrap_servers": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap),
    }


def _dev_env(_: argparse.Namespace) -> int:
    from services.credit_api.access.api_keys.dev_env import write_dev_env

    settings = get_devstack_settings()
    path = asyncio.run(write_dev_env(settings, **_dev_platform()))
    print(f"wrote {path}")
    return 0


def _db_upgrade(_: argparse.Namespace) -> int:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = _dev_platform()["database_url"]
    command.upgrade(config, "head")
    return 0


def _topics_create(args: argparse.Namespace) -> int:
    from shared.kafka import ensure_topics, platform_topics
    from shared.settings import PlatformSettings

    settings = PlatformSettings()
    asyncio.run(ensure_topics(settings.kafka_bootstrap_servers, platform_topics(settings, args.partitions)))
    return 0


def _docs_events(_: argparse.Namespace) -> int:
    from shared.contracts import write

    for path in write(PROJECT_ROOT / "docs"):
        print(path.relative_to(PROJECT_ROOT))
    return 0


def _ledger_rebuild(_: argparse.Namespace) -> int:
    from services.risk_worker.ledger.rebuild import rebuild
    from shared.db import one_transaction

    async def run() -> int:
        async with one_transaction(_dev_platform()["database_url"]) as session:
            return await rebuild(session)

    print(f"replayed {asyncio.run(run())} events")
    return 0


def _assessments_run(args: argparse.Namespace) -> int:
    from services.risk_worker.assessments.service import Policies, Publish, exclusively, reassess_everyone
    from services.risk_worker.settings import WorkerSettings
    from shared.db import make_engine, make_sessionmaker

    settings = WorkerSettings.model_validate(_dev_platform())
    as_of = args.as_of or datetime.now(UTC).date()

    async def run() -> tuple[str, int, int] | None:
        engine = make_engine(settings.database_url, pool_size=2)
        sessions = make_sessionmaker(engine)
        try:
            async with exclusively(sessions) as mine:
                if not mine:
                    return None
                return await reassess_everyone(
                    sessions,
                    as_of=as_of,
                    trigger="manual",
                    publish=Publish(settings.source, settings.risk_events_topic),
                    policies=Policies(),
                    progress=True,
                )
        finally:
            await engine.dispose()

    result = asyncio.run(run())
    if result is None:
        print("a risk worker is reassessing everyone right now; try again in a minute", file=sys.stderr)
        return 1
    version, assessed, changed = result
    print(f"reassessed {assessed} customers as of {as_of} with scorecard {version}: {changed} changed")
    return 0


def _group_warnings(args: argparse.Namespace) -> int:
    from services.credit_api import handlers
    from services.credit_api.background import SYSTEM
    from services.credit_api.kernel.settings import ApiSettings
    from services.credit_api.warnings.group_alerts.service import evaluate
    from shared.db import make_engine, make_sessionmaker

    settings = ApiSettings.model_validate(_dev_platform())
    handlers.register()
    as_of = args.as_of or datetime.now(UTC).date()

    async def run() -> None:
        engine = make_engine(settings.database_url, pool_size=2)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                done = await evaluate(session, SYSTEM, settings, as_of, datetime.now(UTC))
        finally:
            await engine.dispose()
        print(
            f"credit groups as of {as_of} (policy {done.policy_version}): {done.evaluated} evaluated, "
            f"{done.opened} alerts opened, {done.changed} changed, {done.resolved} resolved"
        )

    asyncio.run(run())
    return 0


def _forecast_backtest(args: argparse.Namespace) -> int:
    from services.credit_api.credit.payment_predictions.service import backtest
    from services.credit_api.kernel.settings import ApiSettings
    from shared.db import make_engine, make_sessionmaker

    settings = ApiSettings.model_validate(_dev_platform())
    if args.as_of + timedelta(weeks=args.weeks) > datetime.now(UTC).date():
        print(
            f"--as-of {args.as_of} + {args.weeks} weeks is after today: not all of it happened yet",
            file=sys.stderr,
        )
        return 2

    async def run() -> None:
        engine = make_engine(settings.database_url, pool_size=2)
        try:
            async with make_sessionmaker(engine)() as session:
                result = await backtest(session, args.as_of, args.weeks)
        finally:
            await engine.dispose()
        print("\n".join(result.lines()))

    asyncio.run(run())
    return 0


def _collections_run(args: argparse.Namespace) -> int:
    from services.credit_api.collections.dunning.service import RunResult, catch_up

    def done(r: RunResult, n: int, of: int) -> None:
        did = "already done" if r.already_done else f"{r.notices} notices, {r.tasks} tasks"
        if r.missing_rates:
            did += f"; no exchange rate for {', '.join(r.missing_rates)}: those items' steps wait"
        print(f"[{n}/{of}] dunning {r.as_of}: {r.customers} customers, {did} (policy {r.policy_version})")

    return _daily("dunning", args, catch_up, done)


def _statements_run(args: argparse.Namespace) -> int:
    from services.credit_api.finance.statements.service import RunResult, catch_up

    def done(r: RunResult, n: int, of: int) -> None:
        did = "already done" if r.already_done else f"{r.sent} statements e-mailed"
        if r.without_address:
            did += f", {r.without_address} customers without an accounts-payable address"
        print(f"[{n}/{of}] statements {r.as_of}: {did} (policy {r.policy_version})")

    return _daily("statements", args, catch_up, done)


def _daily(name: str, args: argparse.Namespace, catch_up: Any, done: Any) -> int:
    """A daily run of credit_api for every day through --as-of, each day's line as it is done."""
    from services.credit_api import handlers
    from services.credit_api.kernel.settings import ApiSettings
    from shared.db import make_engine, make_sessionmaker

    settings = ApiSettings.model_validate(_dev_platform())
    handlers.register()
    last = args.as_of or datetime.now(UTC).date()
    if args.first is not None and args.first > last:
        print(f"--from {args.first} is after --as-of {last}", file=sys.stderr)
        return 2

    async def days() -> None:
        engine = make_engine(settings.database_url, pool_size=2)
        sessions = make_sessionmaker(engine)
        try:
            results = await catch_up(sessions, last, settings, first=args.first, done=done)
            if not results:
                print(f"nothing to do: {name} has run through {last}")
        finally:
            await engine.dispose()

    asyncio.run(days())
    return 0


def _dlq_replay(args: argparse.Namespace) -> int:
    from services.risk_worker.dead_letters.service import replay
    from shared.db import one_transaction
    from shared.kafka import make_producer

    platform = _dev_platform()

    async def run() -> int:
        producer = make_producer(platform["kafka_bootstrap_servers"], client_id="credence-dlq-replay")
        await producer.start()
        try:
            async with one_transaction(platform["database_url"]) as session:
                return await replay(session, producer, args.ids)
        finally:
            await producer.stop()

    print(f"replayed {asyncio.run(run())} dead letters")
    return 0


def _users_create(args: argparse.Namespace) -> int:
    import getpass

    from services.credit_api.access.users.service import create
    from shared.db import one_transaction
    from shared.domain.errors import CredenceError

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")

    async def run() -> None:
        async with one_transaction(_dev_platform()["database_url"]) as session:
            await create(session, Role(args.role), args.name, args.email, password)

    try:
        asyncio.run(run())
    except CredenceError as exc:
        print(f"not created: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.name} <{args.email}>; sign in at /console")
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from services.credit_api.access.api_keys.service import create_key_standalone
    from services.credit_api.kernel.settings import get_settings

    key = asyncio.run(create_key_standalone(get_settings().database_url, Role(args.role), args.name))
    print(key)
    return 0


def _run_api(_: argparse.Namespace) -> int:
    from services.credit_api.main import run

    return run()


def _run_risk_worker(_: argparse.Namespace) -> int:
    from services.risk_worker.main import run

    return run()


def _run_notifier(_: argparse.Namespace) -> int:
    from services.notifier.main import run

    return run()


def _run_all(_: argparse.Namespace) -> int:
    """Supervise the three services: Ctrl-C or SIGTERM stops them cleanly; one dying stops all."""
    settings = get_devstack_settings()
    env = {**os.environ, **read_dev_env(settings.home / "dev.env")}
    env.setdefault("CREDENCE_API_PORT", str(settings.api_port))
    env.setdefault("CREDENCE_WORKER_HTTP_PORT", str(settings.worker_port))
    env.setdefault("CREDENCE_NOTIFIER_HTTP_PORT", str(settings.notifier_port))
    env.setdefault("CREDENCE_NOTIFIER_SMTP_PORT", str(settings.smtp_port))
    children = _spawn_services(settings, env)
    _print_urls(env)
    stopping = False

    def stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None:
                print(f"{name} exited with {proc.returncode}; stopping the others", file=sys.stderr)
                exit_code = 1
                stopping = True
        time.sleep(0.3)
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in children.items():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        (settings.run / f"{name}.pid").unlink(missing_ok=True)
    return exit_code


def _spawn_services(settings: DevStackSettings, env: dict[str, str]) -> dict[str, subprocess.Popen[bytes]]:
    settings.run.mkdir(parents=True, exist_ok=True)
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name in ("credit-api", "risk-worker", "notifier"):
        command = "api" if name == "credit-api" else name
        # Each service gets its own process group so that Ctrl-C reaches it only through us.
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", command], env=env, start_new_session=True
        )
        (settings.run / f"{name}.pid").write_text(str(proc.pid))
        children[name] = proc
    return children


def _print_urls(env: dict[str, str]) -> None:
    api = f"http://127.0.0.1:{env['CREDENCE_API_PORT']}"
    print(
        f"""
Credence is starting.
  credit_api     {api}   (OpenAPI docs: {api}/docs, schema: {api}/openapi.json)
  console        {api}/console/   (create a user first: credence users create --role credit_manager ...)
  risk_worker    http://127.0.0.1:{env["CREDENCE_WORKER_HTTP_PORT"]}/readyz
  notifier       http://127.0.0.1:{env["CREDENCE_NOTIFIER_HTTP_PORT"]}/readyz
  API keys and addresses: .devstack/dev.env   (source it: set -a; . .devstack/dev.env; set +a)
Press Ctrl-C to stop the services.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
