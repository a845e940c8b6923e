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

    # Check the configuration here, so a mistake is a message and a hint, not a server traceback.
    load_config(config)
    console().print(f"serving {config} on http://{host}:{port}/ (Ctrl-C to stop)", markup=False)
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
