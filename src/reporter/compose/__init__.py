"""Composition: analysed passages → the report an analyst would have written.

`compose(analyses, spec, period, *, now, problems=(), previous_counts=None) -> Report`

The rules, each in its own module:

- `period`: a passage counts for the date it reports on (`Attribution.date`); without one, for its
  item's day; an item dated only by month (a digest titled "March 2024") counts for the month *before*
  the one it names, since a digest issued in March reports on the weeks before it. Each passage lands
  in exactly one monthly report. Left out: "out of period", with the date that decided it.
- relevance: `Passage.relevant` false → "not relevant" (with the analyzer's reasons); a passage whose
  section the report lacks goes to the Overview section (or is left out when there is none).
- `dedup`: MinHash of word 3-shingles, MinHashLSH holding one representative per story; a story told
  by several items is one paragraph, attributed to the earliest (then the fullest), "also reported by"
  the others, which are cited as sources and listed as "duplicate".
- `paragraphs` + `salience`: an article's passages in one section make one paragraph of its most
  salient whole sentences (centrality among the passage's sentences, position, relevance to the
  section), verbatim and in source order, about 60-140 words; quotations are never split. A digest's
  report-style passage keeps all its sentences. No sentence text appears twice in the report body.
- `leads`: made only from metadata. Reported speech ("... wrote that the") only when the first word is
  a common function word, carried lowered into the lead while the sentence's offsets move past it
  (item.text[start:end] stays exact); otherwise a neutral "... wrote:". Unknown outlets are said to
  be unattributed. Report-style passages get an empty lead when their own first sentence attributes
  (names the outlet or author, or dates itself), "<digest> went on, citing <source>:" when they
  continue an article cited before, "<digest> wrote in “<title>”:" otherwise.
- `overview`: template sentences from counts, then each top story's first sentence, verbatim.
- `sources`: sources numbered by first citation, linked both ways with paragraph anchors.
"""

from reporter.compose.composer import compose

__all__ = ["compose"]
