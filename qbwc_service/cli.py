"""``qbwc-service``: the command line. Settings are built here, once, and passed down.

Exit status: 0 done, 1 the operation failed, 2 bad usage (an unknown option, a wrong
value, a configuration mistake); a command may define others (``sandbox exec``: 3).
A user's mistake is one ``Error:`` line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from qbwc_service import __version__
from qbwc_service.commands import register_all
from qbwc_service.context import AppContext
from qbwc_service.settings import ConfigError, load_settings

__all__ = ["ConfigurationError", "cli", "main"]

class ConfigurationError(click.ClickException):
    """The configuration cannot be used: bad usage, so exit status 2."""

    exit_code = 2


def _default_config(data_dir: str | None) -> Path | None:
    if os.environ.get("QBWC_SERVICE_CONFIG"):
        return Path(os.environ["QBWC_SERVICE_CONFIG"])
    candidate = Path(data_dir or os.environ.get("QBWC_SERVICE_DATA_DIR", "data")) / "config.toml"
    return candidate if candidate.is_file() else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="qbwc-service",
                      message="%(prog)s %(version)s")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: $QBWC_SERVICE_CONFIG, else DATA_DIR/config.toml "
                   "when it exists).")
@click.option("--data-dir", default=None,
              help="Data folder (default: $QBWC_SERVICE_DATA_DIR, else ./data).")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, data_dir: str | None) -> None:
    """Magento ⇄ QuickBooks Desktop through the QuickBooks Web Connector."""
    path = Path(config_file) if config_file else _default_config(data_dir)
    environ = dict(os.environ)
    if ctx.invoked_subcommand == "init":
        # init creates the file it is pointed at, then reads it.
        ctx.meta["init_config"] = path or Path(data_dir or os.environ.get(
            "QBWC_SERVICE_DATA_DIR", "data")) / "config.toml"
        ctx.meta["init_data_dir"] = data_dir
        if path is not None and not path.exists():
            path = None
            environ.pop("QBWC_SERVICE_CONFIG", None)
    try:
        settings = load_settings(path, environ=environ,
                                 data_dir=Path(data_dir) if data_dir else None)
    except ConfigError as exc:
        raise ConfigurationError(str(exc)) from exc
    ctx.obj = AppContext(settings)


register_all(cli)


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click hands back ``ctx.exit(code)`` as the return value.
        returned = cli.main(args=argv, prog_name="qbwc-service", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:
        # A fault of ours, not of the user: one line; the traceback only when asked for.
        if os.environ.get("QBWC_SERVICE_LOG_LEVEL", "").upper() == "DEBUG":
            traceback.print_exc()
        click.echo(f"Error: unexpected {type(exc).__name__}; run again with "
                   "QBWC_SERVICE_LOG_LEVEL=DEBUG for details", err=True)
        return 1
    return returned if isinstance(returned, int) and not isinstance(returned, bool) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
