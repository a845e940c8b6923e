"""`reporter serve`: the web app (archive, unsubscribe links, on-demand builds) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from reporter.cli.common import DEFAULT_CONFIG, ConfigOption, console, handle_errors


@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Serve the archive, the unsubscribe links and on-demand builds over HTTP.

    Example: reporter serve --host 127.0.0.1 --port 8000
    """
    import uvicorn

    from reporter.config import load_config
    from reporter.web import create_app

    # Check the configuration here, so a mistake is a message and a hint, not a server traceback.
    load_config(config)
    console().print(f"serving {config} on http://{host}:{port}/ (Ctrl-C to stop)", markup=False)
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
