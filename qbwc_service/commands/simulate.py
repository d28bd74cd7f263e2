"""``simulate``: runs of the simulated Web Connector against a service URL, posting to the
simulated QuickBooks."""

from __future__ import annotations

import json
from typing import Any

import click

from qbwc_service.commands.sandbox import RELEASE, company_db_option, xsd_dir_option
from qbwc_service.sandbox.exceptions import WebConnectorError
from qbwc_service.sandbox.quickbooks import QbFaults, QuickBooksSimulator, report
from qbwc_service.sandbox.webconnector import WebConnector

__all__ = ["register"]


@click.command("simulate")
@click.option("--url", required=True,
              help="The service's Web Connector URL, e.g. http://localhost:8000/qbwc.")
@click.option("--username", required=True, help="Web Connector user (`qbwc-service user add`).")
@click.option("--password", required=True, help="That user's password.")
@click.option("--company-db", default=None, show_default="DATA_DIR/sandbox/company.sqlite3",
              help="Simulated company file (SQLite).")
@click.option("--qb-release", type=RELEASE, default="enterprise-2023", show_default=True,
              help="QuickBooks release the simulator behaves as.")
@click.option("--latency-ms", type=int, default=0, show_default=True,
              help="Delay QuickBooks adds to each message set.")
@click.option("--faults", default="", help='Injected faults, e.g. "lose_response=0.1,busy=0.05".')
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the faults.")
@click.option("--sessions", type=click.IntRange(1), default=1, show_default=True,
              help="Web Connector runs to make.")
@click.option("--every-seconds", type=float, default=0.0, show_default=True,
              help="Pause between runs (the server's minimum interval wins when longer).")
@click.option("--noop-pause", type=float, default=5.0, show_default=True,
              help="Seconds the Web Connector waits after a NoOp.")
@click.option("--wsdl", default=None, show_default="URL?wsdl", help="WSDL file.")
@click.option("--xsd-dir", default=None, show_default="qbxml_xsd_dir of the config",
              help="qbXML XSD folder (13.0/, 16.0/).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def simulate(ctx: click.Context, url: str, username: str, password: str,
             company_db: str | None, qb_release: str, latency_ms: int, faults: str, seed: int,
             sessions: int, every_seconds: float, noop_pause: float, wsdl: str | None,
             xsd_dir: str | None, as_json: bool) -> None:
    """Run the simulated Web Connector against URL with the simulated QuickBooks.

    Exits 1 when any run could not connect, log in, or ended in an error.
    """
    try:
        fault_spec = QbFaults.parse(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from exc
    path = company_db_option(ctx, company_db)
    simulator = QuickBooksSimulator(path, release=qb_release, xsd_dir=xsd_dir_option(ctx, xsd_dir),
                                    latency_ms=latency_ms, faults=fault_spec, seed=seed)
    connector = WebConnector(url, username, password, simulator, wsdl=wsdl,
                             noop_pause_seconds=noop_pause)
    try:
        summary = connector.run(sessions=sessions, every_seconds=every_seconds)
    except WebConnectorError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        simulator.close()
    counts = report(path)
    result = summary.as_dict({"lists": counts["lists"], "transactions": counts["transactions"]})
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        _print_sessions(summary.sessions, result)
    failed = [(n, s.problem) for n, s in enumerate(summary.sessions, start=1) if s.problem]
    for number, problem in failed:
        click.echo(f"Error: session {number}: {problem}", err=True)
    if failed:
        ctx.exit(1)


def _print_sessions(sessions: list[Any], result: dict[str, Any]) -> None:
    for number, session in enumerate(sessions, start=1):
        click.echo(f"session {number}: {session.outcome}; {session.message_sets} message sets, "
                   f"{session.requests} requests; calls: {' '.join(session.calls)}")
        if session.last_error and not session.problem:
            click.echo(f"  last error: {session.last_error}")
    click.echo(f"requests {result['requests']}, succeeded {result['succeeded']}, failed "
               f"{result['failed_by_status'] or 0} in {result['seconds']} s")


def register(cli: click.Group) -> None:
    cli.add_command(simulate)
