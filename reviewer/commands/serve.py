"""`reviewer serve`: start the Streamlit app on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..db import DB_ENV_VAR, connect
from ..llm.endpoint import ALLOW_CUSTOM_ENV_VAR
from ..paths import APP_FILE, PROJECT_DIR
from .common import CliContext, pass_cli


def streamlit_command(port: int, address: str) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        f"--server.port={port}", f"--server.address={address}",
        "--server.headless=true", "--browser.gatherUsageStats=false",
    ]


def app_env(db_path: Path, *, allow_custom_endpoint: bool) -> dict[str, str]:
    """The app's environment: this one, with the database path and the custom-URL opt-in set
    by this command alone (an inherited value does not count)."""
    env = {**os.environ, DB_ENV_VAR: str(db_path.resolve())}
    env.pop(ALLOW_CUSTOM_ENV_VAR, None)
    if allow_custom_endpoint:
        env[ALLOW_CUSTOM_ENV_VAR] = "1"
    return env


def run_app(db_path: Path, *, port: int, address: str,
            allow_custom_endpoint: bool = False) -> int:
    """Run the app in the foreground until interrupted; returns streamlit's exit code.

    Only with `allow_custom_endpoint` does the Import page offer a free base URL (which
    still never gets a key); an inherited environment variable does not turn it on.
    """
    if not APP_FILE.exists():
        raise click.ClickException(
            f"app.py not found next to the package ({APP_FILE}); run from a source checkout"
        )
    connect(db_path).close()  # create/migrate before the first page asks for it
    env = app_env(db_path, allow_custom_endpoint=allow_custom_endpoint)
    click.echo(f"reviewer: database {db_path}")
    click.echo(f"reviewer: open http://{address}:{port} in your browser (Ctrl+C stops)")
    try:
        # cwd = project dir so .streamlit/config.toml (safe server defaults) applies.
        return subprocess.call(streamlit_command(port, address), env=env, cwd=PROJECT_DIR)
    except KeyboardInterrupt:
        return 0


def server_options(func):
    func = click.option("--address", default="127.0.0.1", show_default=True,
                        help="Interface to listen on.")(func)
    func = click.option("--port", default=8501, show_default=True, type=int)(func)
    return func


@click.command("serve")
@server_options
@click.option("--allow-custom-endpoint", is_flag=True,
              help="Let the Import page split with a model at any URL typed there. Such a URL "
                   "never gets an API key; configured providers keep theirs.")
@pass_cli
def command(ctx: CliContext, port: int, address: str, allow_custom_endpoint: bool) -> None:
    """Start the review app (Streamlit) on the selected database."""
    sys.exit(run_app(ctx.db_path, port=port, address=address,
                     allow_custom_endpoint=allow_custom_endpoint))
