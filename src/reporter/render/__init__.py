"""Render a composed Report: HTML page, PDF (WeasyPrint, sandboxed), JSON, Markdown, email bodies."""

from reporter.render.data import render_json
from reporter.render.html import render_html
from reporter.render.mail import render_email
from reporter.render.pdf import render_pdf
from reporter.render.text import render_markdown

__all__ = ["render_email", "render_html", "render_json", "render_markdown", "render_pdf"]
