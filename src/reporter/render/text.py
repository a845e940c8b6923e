"""Report → Markdown: the same content as the HTML, readable as plain text too."""

from __future__ import annotations

import re

from reporter.models import Report
from reporter.render.bounds import bounded
from reporter.render.clean import plain, safe_url
from reporter.render.view import build_view, outlet_label

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Escape the characters Markdown would read as markup or raw HTML."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^([#>+\-=]|\d+\.)", r"\\\1", text)


def render_markdown(report: Report) -> str:
    """The report as Markdown: title block, overview, sections, numbered sources, notes."""
    view = build_view(report)
    out: list[str] = [f"# {md_escape(view.title)}", ""]
    meta = [view.period_label, f"Issued {view.issued}"]
    if view.publisher:
        meta.insert(0, view.publisher)
    out += [" · ".join(md_escape(m) for m in meta), ""]
    if view.overview:
        out += ["## Overview", "", md_escape(" ".join(view.overview)), ""]
    if view.empty:
        out += ["No items this period.", ""]
    for section in view.sections:
        out += [f"## {md_escape(section.name)}", ""]
        if section.overview:
            out += [md_escape(" ".join(section.overview)), ""]
            if section.paragraphs:  # the catch-all's own stories, apart from the summary (see overview.py)
                out += ["### Multilateral and general", ""]
        for p in section.paragraphs:
            cites = "".join(f" [{c.number}](#{c.href})" for c in p.citations)
            out += [f"{md_escape(p.lead)} {md_escape(p.body)}{cites}", ""]
            if p.also_reported_by:
                out += [f"*Also reported by {md_escape(p.also_reported_by)}.*", ""]
        if section.also:
            out += ["### Also this month", ""]
            for h in section.also:
                title = f"[{md_escape(h.title)}](<{h.url}>)" if h.url else md_escape(h.title)
                out.append(f"- {title} ({md_escape(h.credit)})")
            out.append("")
    if view.coverage:
        out += ["## Coverage at a glance", "", "| Section | Items | Change |", "|---|---:|---:|"]
        out += [f"| {md_escape(name)} | {items} | {change} |" for name, items, change in view.coverage]
        out.append("")
    if view.sources:
        out += ["## Sources", ""]
        printed = bounded(report.sources)
        for s in printed.shown:
            parts = [outlet_label(s.outlet), plain(s.author), f"“{plain(s.title)}”" if s.title else "", ""]
            text = ", ".join(p for p in parts[:3] if p)
            if s.date:
                text += f", {s.date:%B} {s.date.day}, {s.date.year}"
            url = safe_url(s.url)
            link = f" <{url.replace('<', '%3C').replace('>', '%3E')}>" if url else ""
            out += [f'{s.number}. <a id="source-{s.number}"></a>{md_escape(text)}.{link}']
        if printed.more:
            out += ["", f"…{printed.more_text}."]
        out.append("")
    if view.unread:
        out += ["## About this report", "", md_escape(view.unread), ""]
    return "\n".join(out).rstrip() + "\n"
