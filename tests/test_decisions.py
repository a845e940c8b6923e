"""The report's JSON accounts for every item of the period: one decision row each, for evaluation.

Readers never see these rows; `devset`'s evaluation and `reporter analyze` read them. An item is
relevant when any of its passages is; `story` is shared by every item that tells the same event;
`placement` says whether the item is cited by a paragraph, listed under "Also this month", or left out.
"""

from __future__ import annotations

import json
from datetime import date

from reporter.compose import compose
from reporter.models import Period
from reporter.render import render_json
from tests.compose_support import NOW, item, japan_spec, whole
from tests.test_compose import STORY

NOV = Period.month(2025, 11)


def _rows() -> dict[str, dict]:
    first = item(STORY, item_id="kyodo", outlet="Kyodo News", published=date(2025, 11, 12))
    retold = item(STORY, item_id="nhk", outlet="NHK", published=date(2025, 11, 13))
    off_topic = item(
        "The Nikkei rose two percent on strong earnings from exporters and banks.",
        item_id="markets",
        title="Markets",
        outlet=None,
    )
    october = item(STORY, item_id="old", published=date(2025, 10, 2))
    analyses = [
        whole(first),
        whole(retold),
        whole(off_topic, relevant=False, reasons=("no foreign partner",)),
        whole(october),
    ]
    report = compose(analyses, japan_spec(), NOV, now=NOW)
    data = json.loads(render_json(report))
    return {row["item_id"]: row for row in data["decisions"]}


def test_every_item_of_the_period_has_one_row_and_items_of_other_months_none() -> None:
    rows = _rows()
    assert set(rows) == {"kyodo", "nhk", "markets"}
    assert set(rows["kyodo"]) == {
        "item_id",
        "url",
        "title",
        "outlet",
        "published",
        "relevant",
        "section",
        "story",
        "placement",
        "reason",
        "text_cut",  # None: the item's text is whole (not cut to settings.max_entry_chars)
    }
    assert rows["kyodo"]["text_cut"] is None


def test_the_items_of_one_story_share_its_id_and_are_both_cited_by_its_paragraph() -> None:
    rows = _rows()
    assert rows["kyodo"]["story"] == rows["nhk"]["story"] is not None
    assert rows["kyodo"]["placement"] == rows["nhk"]["placement"] == "paragraph"
    assert rows["kyodo"]["section"] == "Russia and Ukraine"
    assert rows["kyodo"]["relevant"] is True


def test_an_irrelevant_item_has_no_section_but_a_story_of_its_own_and_says_why() -> None:
    rows = _rows()
    row = rows["markets"]
    assert (row["relevant"], row["section"]) == (False, None)
    # Every item of the period is clustered, so the story labels can be scored over all of them.
    assert row["story"] is not None and row["story"] != rows["kyodo"]["story"]
    assert row["placement"] == "left out"
    assert row["reason"] == "no foreign partner"
    assert row["outlet"] is None  # an unknown outlet is null, not a made-up name
