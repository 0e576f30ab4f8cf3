"""`reviewer serve`: start the Streamlit app on this machine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ..db import DB_ENV_VAR, connect
from ..llm.endpoint import ALLOW_CUSTOM_ENV_VAR
from ..paths import APP_FILE, PROJECT_DIR
from .common import CliContext, pass_cli

# Names a browser on this machine uses. A request naming any other host (a page on another
# site whose name was rebound to this machine) gets no app session.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
_HOST_NAME = re.compile(r"^(?:\*|(?:\*\.)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|"
                        r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$")


def allowed_hosts(address: str, extra: Sequence[str] = ()) -> list[str]:
    """Loopback names, the address the server listens on (unless it is every interface),
    and the names given with --allowed-host; in that order, without repeats."""
    names = [*LOOPBACK_HOSTS]
    if address not in WILDCARD_ADDRESSES:
        names.append(address.strip("[]"))
    names.extend(extra)
    return list(dict.fromkeys(name.lower() for name in names))


def streamlit_command(port: int, address: str, hosts: Sequence[str] = ()) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        f"--server.port={port}", f"--server.address={address}",
        "--server.headless=true", "--browser.gatherUsageStats=false",
        *(f"--server.allowedHosts={name}" for name in allowed_hosts(address, hosts)),
    ]


def app_env(db_path: Path, *, allow_custom_endpoint: bool) -> dict[str, str]:
    """The app's environment: this one, with the database path and the custom-URL opt-in set
    by this command alone (an inherited value does not count)."""
    env = {**os.environ, DB_ENV_VAR: str(db_path.resolve())}
    env.pop(ALLOW_CUSTOM_ENV_VAR, None)
    if allow_custom_endpoint:
        env[ALLOW_CUSTOM_ENV_VAR] = "1"
    return env


def run_app(db_path: Path, *, port: int, address: str, hosts: Sequence[str] = (),
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
    if address in WILDCARD_ADDRESSES and not hosts:
        click.echo("reviewer: listening on every interface, but only "
                   f"{', '.join(LOOPBACK_HOSTS)} are accepted as host names; add "
                   "--allowed-host NAME for the name your team opens")
    try:
        # cwd = project dir so .streamlit/config.toml (safe server defaults) applies.
        return subprocess.call(streamlit_command(port, address, hosts), env=env,
                               cwd=PROJECT_DIR)
    except KeyboardInterrupt:
        return 0


def _check_hosts(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
                 ) -> tuple[str, ...]:
    for name in value:
        if not _HOST_NAME.match(name):
            raise click.BadParameter(
                f"{name!r} is not a host name (give a name such as review.example.com or "
                "*.example.com, without scheme, port or path)", ctx=ctx, param=param)
    return value


def server_options(func):
    func = click.option(
        "--allowed-host", "hosts", multiple=True, callback=_check_hosts, metavar="NAME",
        help="Also accept this host name (repeatable; '*.example.com' for subdomains), e.g. "
             "the name colleagues open when the app runs behind a real hostname. Loopback "
             "names and --address are always accepted.")(func)
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
def command(ctx: CliContext, port: int, address: str, hosts: tuple[str, ...],
            allow_custom_endpoint: bool) -> None:
    """Start the review app (Streamlit) on the selected database."""
    sys.exit(run_app(ctx.db_path, port=port, address=address, hosts=hosts,
                     allow_custom_endpoint=allow_custom_endpoint))
