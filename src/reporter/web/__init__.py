"""The web app: the archive, unsubscribe links and on-demand builds, a thin adapter over `pipeline`."""

from __future__ import annotations

from reporter.web.app import create_app

__all__ = ["create_app"]
