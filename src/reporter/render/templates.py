"""The Jinja2 environment: project templates override the packaged ones file by file."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from reporter.errors import RenderError
from reporter.models import FORMAT_LABELS

PACKAGE = "reporter"
PACKAGED_DIR = "templates"


def packaged_templates_dir() -> Path:
    """The folder of the packaged default templates and stylesheets."""
    return Path(__file__).resolve().parent.parent / PACKAGED_DIR


def template_dirs(templates_dir: Path | None) -> list[Path]:
    """The folders searched for a template or asset, project first, packaged last."""
    dirs = [Path(templates_dir)] if templates_dir is not None else []
    return [*(d for d in dirs if d.is_dir()), packaged_templates_dir()]


def environment(templates_dir: Path | None = None, *, typographic: bool = False) -> jinja2.Environment:
    """A Jinja2 environment with autoescape on for every template, however it is named.

    `typographic`: text output gets typographic quotes and apostrophes (reports and mail; not the web
    app's forms, whose values must round-trip as typed).
    """
    from reporter.render.typography import finalize, keep_parenthesis_together

    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in template_dirs(templates_dir)])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,  # .j2 names defeat select_autoescape, so escape everything
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize if typographic else None,
    )
    env.filters["keep_parenthesis_together"] = keep_parenthesis_together
    from reporter.render.bounds import bounded

    env.filters["bounded"] = bounded  # printed lists are cut to their first rows, the rest counted
    env.globals["format_labels"] = FORMAT_LABELS  # every page lists the formats the same way
    return env


def stylesheet(env: jinja2.Environment, name: str) -> Markup:
    """A stylesheet's text, looked up like a template, ready to inline in a <style> element."""
    try:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"stylesheet {name} not found", hint="restore it in templates/ or delete the override"
        ) from exc
    if "</" in source:
        raise RenderError(
            f"stylesheet {name} contains '</', which would end the <style> element",
            hint=f"remove the markup from templates/{name}",
        )
    return Markup(source)
