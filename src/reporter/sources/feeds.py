"""Ingest feeds: fetch them all (bounded, polite), parse, normalise and store each, one failure at a time.

Fetches run on a thread pool (bounded, at most `per_host` at a time to one host); parsing and normalising
run in worker processes when there are many feeds (feedparser holds the GIL); storing runs on the calling
thread, so the store sees one writer. Each feed's state is saved as soon as it is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx

from reporter.errors import FeedError, one_line
from reporter.models import FeedSpec, Item, RawEntry, SourceResult
from reporter.normalize import normalize, strip_controls
from reporter.sources.dedup import merge_known
from reporter.sources.fetch import (
    Fetched,
    FetchError,
    FetchPolicy,
    HostLimiter,
    Validators,
    check_url,
    fetch,
    fetch_page,
    make_client,
)
from reporter.sources.parse import ReadFeed, read_feed
from reporter.sources.parsing import parse_workers, parser_pool
from reporter.store import Store
from reporter.store.feeds import FeedState

log = logging.getLogger(__name__)

FULL_TEXT_BELOW = 1500  # characters: an entry shorter than this in a full_text feed gets its page fetched
FULL_TEXT_PER_RUN = 20  # pages per feed per run, so a new feed does not fetch its whole archive at once


def ingest_feeds(
    feeds: Sequence[FeedSpec],
    *,
    store: Store,
    user_agent: str,
    now: datetime,
    progress: Callable[[SourceResult], None] | None = None,
    policy: FetchPolicy | None = None,
    bound: float | None = None,
) -> list[SourceResult]:
    """Fetch, parse, normalise and store every feed; one that fails is a failed SourceResult, not a stop.

    `bound` (seconds) caps the whole ingest: feeds not done by then fail with a message saying so, and
    fetches still in flight end at their own deadlines (each feed's `timeout`).
    """
    policy = policy or FetchPolicy()
    until = time.monotonic() + bound if bound is not None else None
    results: dict[str, SourceResult] = {}
    states = {f.name: store.feeds.get(f.name, f.url).evolve(last_fetch=now) for f in feeds}
    hosts = HostLimiter(policy.per_host)

    def finish(feed: FeedSpec, result: SourceResult) -> None:
        results[feed.name] = result
        if progress is not None:
            progress(result)  # the caller tells how each feed went (the pipeline: progress or log)
            return
        if not result.ok:
            log.info("%s", result.error)
        for warning in result.warnings:
            log.info("%s: %s", feed.name, warning)

    def fail(feed: FeedSpec, exc: FeedError) -> None:
        states[feed.name] = _failed_state(states[feed.name], exc, now)
        _save(store, states[feed.name])
        finish(feed, _failure(feed, exc))

    workers = parse_workers(policy, len(feeds))
    with (
        make_client(user_agent, policy) as client,
        _full_text(feeds) as extractor,
        ThreadPoolExecutor(max_workers=max(1, min(policy.concurrency, len(feeds)))) as fetchers,
        parser_pool(workers) as parsers,
    ):
        shared = _Shared(store, now, extractor, client, policy, hosts, until)
        pending: dict[Future[Any], tuple[str, FeedSpec, Fetched | None]] = {}
        try:
            for feed in feeds:
                if states[feed.name].gone:
                    finish(feed, _gone(feed, states[feed.name]))
                    continue
                try:
                    check_url(feed)
                except FeedError as exc:
                    fail(feed, exc)
                    continue
                validators = Validators(states[feed.name].etag, states[feed.name].last_modified)
                job = fetchers.submit(
                    fetch, client, feed, validators, policy=policy, hosts=hosts, until=until
                )
                pending[job] = ("fetch", feed, None)
            while pending:
                left = None if until is None else max(0.0, until - time.monotonic())
                finished, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
                if not finished:  # the ingest's bound: what is not done by now is not waited for
                    for job, (_, feed, _) in list(pending.items()):
                        job.cancel()
                        pending.pop(job)
                        fail(feed, _out_of_time(feed, bound or 0.0))
                    break
                for job in finished:
                    stage, feed, fetched = pending.pop(job)
                    state = states[feed.name]
                    try:
                        if stage == "fetch":
                            fetched = job.result()
                            if fetched.not_modified:
                                states[feed.name] = state.evolve(
                                    last_success=now,
                                    last_error=None,
                                    consecutive_failures=0,
                                    moved_to=fetched.moved_to,
                                )
                                _save(store, states[feed.name])
                                warnings = _moved_warning(feed, fetched)
                                finish(
                                    feed,
                                    SourceResult(feed.name, ok=True, not_modified=True, warnings=warnings),
                                )
                                continue
                            parse = parsers.submit(
                                read_feed,
                                fetched.content,
                                feed=feed,
                                url=fetched.url,
                                headers=fetched.headers,
                                fetched_at=now,
                                max_chars=policy.max_entry_chars,
                            )
                            pending[parse] = ("parse", feed, replace(fetched, content=b""))
                            continue
                        assert fetched is not None
                        result, states[feed.name] = _store_feed(feed, fetched, job.result(), state, shared)
                        _save(store, states[feed.name])
                        finish(feed, result)
                    except FeedError as exc:
                        fail(feed, exc)
                    except Exception as exc:  # a bug or a library surprise in one feed must not stop the rest
                        log.exception("%s: unexpected error", feed.name)
                        fail(
                            feed,
                            FeedError(
                                feed.name,
                                f"unexpected error: {type(exc).__name__}: {exc}",
                                "this is a bug in reporter; please report it with the output of "
                                "`reporter ingest -vv`",
                            ),
                        )
        finally:
            for job in pending:
                job.cancel()
    return [results[f.name] for f in feeds if f.name in results]


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every feed of one ingest shares once fetched: the store, the clock, HTTP, the deadline."""

    store: Store
    now: datetime
    extract: _Extract | None  # the full-text extractor, when a feed asks for full text
    client: httpx.Client
    policy: FetchPolicy
    hosts: HostLimiter
    until: float | None = None  # time.monotonic() by which the ingest ends; None: no bound


def _store_feed(
    feed: FeedSpec, fetched: Fetched, read: ReadFeed, state: FeedState, shared: _Shared
) -> tuple[SourceResult, FeedState]:
    """One parsed feed into the store: drop empty entries, find the stories already stored, add the rest."""
    store, now = shared.store, shared.now
    if read.parsed is None:
        raise FeedError(feed.name, read.error or "could not be read", read.hint)
    # The parser's complaints quote the document (its declared encoding, say): no escapes for the terminal.
    warnings = _moved_warning(feed, fetched) + tuple(one_line(w) for w in read.parsed.warnings)
    raws = read.parsed.entries
    kept = [(raw, item) for raw, item in zip(raws, read.items, strict=True) if item.title or item.text]
    if len(kept) < len(raws):
        warnings += (f"skipped {len(raws) - len(kept)} entries with neither a title nor any text",)
    if shared.extract is not None and feed.full_text:
        kept = _with_full_text(kept, shared, timeout=feed.timeout)
    merged = merge_known([i for _, i in kept], [r.link_unique for r, _ in kept], store.items)
    guids = {
        item.id: strip_controls(raw.guid) for (raw, _), item in zip(kept, merged, strict=True) if raw.guid
    }
    added = store.items.add(merged, source=feed.name, guids=guids)
    if not raws:
        warnings += ("the feed has no entries",)
    state = state.evolve(
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        last_success=now,
        last_error=None,
        consecutive_failures=0,
        entries_seen=len(raws),
        moved_to=fetched.moved_to,
    )
    return SourceResult(
        feed.name, ok=True, new_items=added.new, seen_items=added.seen, warnings=warnings
    ), state


# --- full text ------------------------------------------------------------------------------------

_Extract = Callable[[bytes, str | None], str | None]


class _NoExtractor:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _full_text(feeds: Sequence[FeedSpec]):  # type: ignore[no-untyped-def]
    """The trafilatura child process, only when some feed asks for full text."""
    if not any(f.full_text for f in feeds):
        return _NoExtractor()
    from reporter.sources.fulltext import Extractor

    return _BoundExtractor(Extractor())


class _BoundExtractor:
    def __init__(self, extractor):  # type: ignore[no-untyped-def]
        self._extractor = extractor

    def __enter__(self) -> _Extract:
        return self._extractor.extract

    def __exit__(self, *exc: object) -> None:
        self._extractor.close()


def _with_full_text(
    kept: list[tuple[RawEntry, Item]], shared: _Shared, *, timeout: float
) -> list[tuple[RawEntry, Item]]:
    """Swap the summary for the article's text on new, short entries; any failure keeps the summary.

    Pages are fetched one after another: none starts once the ingest's bound (`until`) has passed.
    """
    assert shared.extract is not None
    extract, policy, until = shared.extract, shared.policy, shared.until
    known = shared.store.items.known_ids([i.id for _, i in kept])
    budget = FULL_TEXT_PER_RUN
    out: list[tuple[RawEntry, Item]] = []
    for raw, item in kept:
        if (
            budget > 0
            and item.id not in known
            and item.url
            and raw.link_unique
            and len(item.text) < FULL_TEXT_BELOW
        ):
            budget -= 1
            left = timeout if until is None else min(timeout, until - time.monotonic())
            if left <= 0:
                budget = 0  # the ingest is out of time: the rest keep their summaries
                out.append((raw, item))
                continue
            try:
                page = fetch_page(shared.client, item.url, timeout=left, policy=policy, hosts=shared.hosts)
            except FeedError as exc:
                log.info("%s: no full text for %s: %s", raw.source, item.url, exc.reason)
                page = b""
            text = extract(page, item.url) if page else None
            if text and len(text) > len(item.text):
                raw = replace(raw, content=text, content_type="text/plain")
                item = replace(normalize(raw, now=shared.now, max_chars=policy.max_entry_chars), id=item.id)
        out.append((raw, item))
    return out


# --- results and state ----------------------------------------------------------------------------


def _out_of_time(feed: FeedSpec, bound: float) -> FeedError:
    return FeedError(
        feed.name,
        f"not finished: the ingest reached its {bound:g}s bound (settings.ingest_timeout) first",
        "many slow feeds share the bound; raise `ingest_timeout` under `settings:`, or lower the "
        "slow feeds' `timeout`",
    )


def _moved_warning(feed: FeedSpec, fetched: Fetched) -> tuple[str, ...]:
    if fetched.moved_to and fetched.moved_to != feed.url:
        return (f"the feed moved permanently to {fetched.moved_to}; put that url in feeds.yaml",)
    return ()


def _failure(feed: FeedSpec, exc: FeedError) -> SourceResult:
    return SourceResult(feed.name, ok=False, error=str(exc), hint=exc.hint)


def _failed_state(state: FeedState, exc: FeedError, now: datetime) -> FeedState:
    return state.evolve(
        last_fetch=now,
        last_error=exc.reason,
        consecutive_failures=state.consecutive_failures + 1,
        gone=isinstance(exc, FetchError) and exc.gone,
    )


def _gone(feed: FeedSpec, state: FeedState) -> SourceResult:
    since = f" (since {state.last_fetch:%Y-%m-%d})" if state.last_fetch else ""
    return SourceResult(
        feed.name,
        ok=False,
        error=f"{feed.name}: the server said the feed is gone (HTTP 410){since}; not fetched",
        hint=f"remove '{feed.name}' from feeds.yaml, or give it a new url to try again",
    )


def _save(store: Store, state: FeedState) -> None:
    try:
        store.feeds.save(state)
    except Exception:  # the feed's items are stored; losing its validators only costs a full fetch next time
        log.exception("could not save the state of feed %s", state.name)
