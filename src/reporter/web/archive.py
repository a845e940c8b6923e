"""The readers' archive: the home page, a page per report with its past issues, an Atom feed each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reporter.archive_index import IndexEntry, scan
from reporter.store.subscription import DELIVERY_FORMATS
from reporter.web.files import SLUG_RE, output_dir
from reporter.web.state import message, page, state

SUMMARY_SENTENCES = 2  # the overview's first lines shown under each issue


@dataclass(frozen=True, slots=True)
class ReportArchive:
    """One report as the archive shows it: its name and its issues, latest first."""

    slug: str
    name: str
    issues: list[IndexEntry]
    configured: bool

    @property
    def latest(self) -> IndexEntry | None:
        """The newest issue, if any."""
        return self.issues[0] if self.issues else None


def summary(entry: IndexEntry) -> str:
    """The first lines of an issue's overview."""
    return " ".join(entry.overview[:SUMMARY_SENTENCES])


def href(entry: IndexEntry, fmt: str) -> str | None:
    """The address of one format of an issue, if it was built."""
    link = entry.links.get(fmt)
    return f"/reports/{link}" if link else None


async def archives(request: Request) -> list[ReportArchive]:
    """Every configured report (and any other found on disk), each with its issues, latest first."""
    entries = await run_in_threadpool(scan, output_dir(request))
    web = state(request)
    by_slug: dict[str, list[IndexEntry]] = {}
    for entry in entries:  # scan gives newest period first
        by_slug.setdefault(entry.slug, []).append(entry)
    found = [
        ReportArchive(r.slug, f"{r.subject_name} report", by_slug.pop(r.slug, []), True)
        for r in web.ctx.config.reports
    ]
    # A report removed from feeds.yaml keeps its published issues readable.
    found += [ReportArchive(slug, issues[0].title.split("(")[0].strip(), issues, False)
              for slug, issues in sorted(by_slug.items())]  # fmt: skip
    return found


async def home(request: Request) -> Response:
    """GET /: each report with its latest issue, the overview's first lines, and the PDF and HTML links."""
    found = await archives(request)
    return page(request, "home.html.j2", title="Report archive", archives=found, summary=summary, href=href)


async def _archive_of(request: Request) -> ReportArchive | None:
    slug = request.path_params["slug"]
    if not SLUG_RE.match(slug):
        return None
    return next((a for a in await archives(request) if a.slug == slug), None)


async def report_page(request: Request) -> Response:
    """GET /reports/<slug>/: the report's past issues and its subscribe form."""
    found = await _archive_of(request)
    if found is None:
        return message(request, "Not found", "There is no report of that name.", status=404, private=False)
    return page(
        request,
        "report.html.j2",
        title=found.name,
        archive=found,
        summary=summary,
        href=href,
        formats=tuple(DELIVERY_FORMATS.items()),
    )


def _base_url(request: Request) -> str:
    configured = state(request).ctx.config.smtp.base_url
    return (configured or str(request.base_url)).rstrip("/")


def _updated(entry: IndexEntry) -> str:
    try:
        day = datetime.fromisoformat(entry.generated)
    except ValueError:
        day = datetime.now(UTC)
    return day.replace(tzinfo=day.tzinfo or UTC).isoformat()


async def atom(request: Request) -> Response:
    """GET /reports/<slug>/feed.atom: the report's issues as an Atom feed, latest first."""
    found = await _archive_of(request)
    if found is None:
        return message(request, "Not found", "There is no report of that name.", status=404, private=False)
    base = _base_url(request)
    xml = (
        state(request)
        .templates.get_template("web/feed.atom.j2")
        .render(
            archive=found,
            base=base,
            updated=_updated(found.latest) if found.latest else datetime.now(UTC).isoformat(),
            entry_updated=_updated,
            summary=summary,
            href=href,
        )
    )
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def routes() -> list[Route]:
    """The archive routes."""
    return [
        Route("/", home, methods=["GET"]),
        Route("/reports/{slug}/", report_page, methods=["GET"]),
        Route("/reports/{slug}/feed.atom", atom, methods=["GET"]),
    ]
