"""``qbwc-service``: the command line. Settings are built here, once, and passed down."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from qbwc_service.commands import register_all
from qbwc_service.context import AppContext
from qbwc_service.settings import ConfigError, load_settings

__all__ = ["cli", "main"]


def _default_config(data_dir: str | None) -> Path | None:
    if os.environ.get("QBWC_SERVICE_CONFIG"):
        return Path(os.environ["QBWC_SERVICE_CONFIG"])
    candidate = Path(data_dir or os.environ.get("QBWC_SERVICE_DATA_DIR", "data")) / "config.toml"
    return candidate if candidate.is_file() else None


@click.group()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: $QBWC_SERVICE_CONFIG, else DATA_DIR/config.toml).")
@click.option("--data-dir", default=None, help="Data folder (default: ./data).")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, data_dir: str | None) -> None:
    """Magento ⇄ QuickBooks Desktop through the QuickBooks Web Connector."""
    path = Path(config_file) if config_file else _default_config(data_dir)
    try:
        settings = load_settings(path, data_dir=Path(data_dir) if data_dir else None)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
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
    return returned if isinstance(returned, int) and not isinstance(returned, bool) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
