"""`reporter serve`: the web app (archive, subscriptions, the operator's pages) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from reporter.cli.common import DEFAULT_CONFIG, ConfigOption, console, handle_errors


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    config: ConfigOption = DEFAULT_CONFIG,
    hash_password: Annotated[
        bool,
        typer.Option(
            "--hash-password",
            help="Ask for the operator's password and print its hash for REPORTER_ADMIN_PASSWORD_HASH.",
        ),
    ] = False,
) -> None:
    """Serve the archive, subscriptions and the operator's pages over HTTP.

    Example: reporter serve --host 127.0.0.1 --port 8000
    """
    if hash_password:
        from reporter.web.auth import hash_password as make_hash

        password = typer.prompt("Operator password", hide_input=True, confirmation_prompt=True)
        typer.echo(make_hash(password))
        return
    import uvicorn

    from reporter.config import load_config
    from reporter.web import create_app

    # Check the configuration and the port here, so a mistake is a message and a hint, not a traceback.
    load_config(config)
    _check_port(host, port)
    console().print(f"serving {config} on http://{host}:{port}/ (Ctrl-C to stop)", markup=False)
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")


def _check_port(host: str, port: int) -> None:
    """A ReporterError (exit 1, one line and a hint) for a port out of range or already taken."""
    import errno
    import socket

    from reporter.errors import ReporterError

    if not 1 <= port <= 65535:
        raise ReporterError(f"port {port} is out of range", hint="use --port with a number from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ReporterError(f"cannot listen on {host}: {exc.strerror}", hint="use --host 127.0.0.1") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            raise ReporterError(
                f"cannot listen on {host}:{port}: "
                + ("the port is already in use" if taken else (exc.strerror or str(exc))),
                hint="stop what is using it (`ss -ltnp`), or choose another --port"
                if taken
                else "ports below 1024 need root; choose another --port or --host",
            ) from None
