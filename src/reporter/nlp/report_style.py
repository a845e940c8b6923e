"""Report style: a digest whose paragraphs each cite an outlet ("The Yomiuri reported on March 3 that ...").

Such an item is cut one passage per paragraph, and each paragraph is credited to the outlet it cites, or
to the one of the paragraph before when it continues or refers back to it.
"""

from __future__ import annotations

from collections.abc import Mapping

from reporter.models import Attribution, DateMention, Item
from reporter.nlp.attribution import Citation
from reporter.nlp.passages import Block, Group

# At least this many paragraphs open by citing a named outlet, and this share of them.
REPORT_MIN_CITES = 3
REPORT_MIN_SHARE = 0.25


def is_report_style(citations: Mapping[Block, Citation | None], paragraphs: int) -> bool:
    """Whether enough paragraphs open by citing a named outlet for the item to be a digest."""
    cites = sum(1 for c in citations.values() if c is not None and c.outlet is not None and c.at_start)
    return cites >= REPORT_MIN_CITES and cites >= REPORT_MIN_SHARE * paragraphs


def groups_per_paragraph(blocks: list[Block]) -> list[Group]:
    """Each paragraph is a passage; lists and tables stay with the paragraph before."""
    groups: list[Group] = []
    heading: Block | None = None
    for block in blocks:
        if block.kind == "heading":
            heading = block
        elif block.kind == "paragraph" or (block.kind in ("list", "table") and not groups):
            groups.append(Group((block,), heading))
        elif block.kind in ("list", "table"):
            last = groups[-1]
            groups[-1] = Group((*last.blocks, block), last.heading)
    return groups


def report_attribution(
    citation: Citation | None,
    dates: tuple[DateMention, ...],
    previous: Attribution | None,
    item: Item,
) -> tuple[Attribution, str]:
    """One digest paragraph's attribution, from its citation, its dates and the paragraph before; and why."""
    day = next((d for d in dates if d.precision == "day"), None)
    prev = previous
    if citation is not None and citation.outlet is not None:
        journal = citation.kind == "journal" or citation.issue is not None
        issue = citation.issue
        if issue == "same issue" and prev is not None and prev.outlet == citation.outlet.name:
            issue = prev.issue
        attribution = Attribution(
            outlet=citation.outlet.name,
            authors=citation.authors,
            date=None if journal or day is None else day.value,
            date_precision="issue" if journal else ("day" if day else None),
            url=item.url,
            kind="journal" if journal and citation.kind != "editorial" else citation.kind,
            issue=issue,
            source_text=citation.source_text,
        )
        who = " and ".join(citation.authors) or "no author named"
        return attribution, f"cites {citation.outlet.name} ({who}): “{citation.source_text}”"
    refers_back = citation is not None and citation.generic
    if prev is not None and prev.outlet is not None and (refers_back or day is None):
        own_date = day.value if day is not None else prev.date
        attribution = Attribution(
            outlet=prev.outlet,
            authors=prev.authors,
            date=own_date,
            date_precision="day" if day is not None else prev.date_precision,
            url=prev.url,
            kind=citation.kind if refers_back and citation else prev.kind,
            issue=prev.issue,
            inherited=True,
            source_text=citation.source_text if refers_back and citation else None,
        )
        why = "refers back to" if refers_back else "continues"
        return attribution, f"{why} the source of the passage before ({prev.outlet})"
    kind = citation.kind if citation is not None else "report"
    attribution = Attribution(
        outlet=None,
        date=day.value if day else None,
        date_precision="day" if day else None,
        url=item.url,
        kind=kind,
    )
    return (
        attribution,
        "names no outlet: the report's own words" if kind == "report" else f"a {kind}, no outlet",
    )
