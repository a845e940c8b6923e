"""Composition: analysed passages → the report an analyst would have written.

`compose(analyses, spec, period, *, now, problems=(), previous_counts=None) -> Report`

The steps, each in its own module:

- `period`: a passage counts for the date it reports on (`Attribution.date`); without one, for its
  item's day; an item dated only by month (a digest titled "March 2024") counts for the month *before*
  the one it names, since a digest issued in March reports on the weeks before it. Each passage lands
  in exactly one monthly report. Left out: "out of period", with the date that decided it.
- relevance: `Passage.relevant` false → "not relevant" (with the analyzer's reasons); a passage whose
  section the report lacks goes to the Overview section (or is left out when there is none).
- `paragraphs.pieces`: an article's passages in one section are one telling; a digest's each alone.
- `stories` (with `nearcopies`): tellings of one event across outlets and days are one story: MinHash
  near-copies, then TF-IDF + WordLlama similarity within a few days' window.
- `ranking`: stories ranked by breadth, persistence and prominence; the best get paragraphs within the
  budget (`max_paragraphs`, per-section caps); the next are "Also this month" headlines per section.
- `paragraphs` + `salience`: one paragraph per story, from its best-attributed, richest telling: its
  most salient whole sentences, verbatim, in source order, about 60-140 words; a sentence the feed cut
  off ("…") is never quoted; with none whole, the headline is. No sentence appears twice in a report.
- `leads`: made only from the passage's attribution (`Passage.attribution`). Reported speech ("...
  wrote that the") only when the first word is a common function word, carried lowered into the lead
  while the sentence's offsets move past it; otherwise a neutral "... wrote:".
- `overview`: the top stories by rank (headline, section, who told it and how widely), the subject's
  own context, then counts.
- `citations`: sources numbered by first citation, linked both ways with paragraph anchors.
- `decisions`: one row per item of the period for the JSON (relevant, section, story, placement, why).
"""

from reporter.compose.composer import compose

__all__ = ["compose"]
