"""The deliver stage's entry points: `deliver` (one build, any store), `send_built` (with the project's
settings, recorded), and `send_report` (`reporter send`: a build made earlier, read back from JSON)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path

from reporter.config import Config, SmtpSettings
from reporter.deliver.dkim import DkimSigner
from reporter.deliver.load import load_report
from reporter.deliver.message import EmailBuilder, Recipient
from reporter.deliver.outbox import DeliveryResult, RetryPolicy, run_outbox
from reporter.deliver.tokens import check_secret
from reporter.deliver.transport import (
    DirectoryTransport,
    PermanentFailure,
    SmtpTransport,
    TemporaryFailure,
    Transport,
    TransportError,
)
from reporter.errors import DeliveryError
from reporter.models import Period, Report
from reporter.progress import NO_PROGRESS, Progress
from reporter.store import Store
from reporter.store.builds import DONE, RUNNING
from reporter.store.deliveries import SENT, DeliveryRepo
from reporter.store.subscribers import SubscriberRepo

log = logging.getLogger(__name__)


def policy_for(smtp: SmtpSettings) -> RetryPolicy:
    """The retry policy the SMTP settings ask for."""
    return RetryPolicy(
        max_attempts=smtp.max_attempts,
        first_backoff=smtp.retry_after,
        patience=smtp.retry_within,
        per_second=smtp.per_second,
    )


def recipients_for(subscribers: SubscriberRepo, report: str) -> list[Recipient]:
    """The active subscribers of a report, as message recipients."""
    return [Recipient(s.subscriber_id, s.email, s.name, s.format) for s in subscribers.active(report)]


def deliver(
    report: Report,
    files: Mapping[str, Path],
    *,
    build_id: int,
    subscribers: SubscriberRepo,
    outbox: DeliveryRepo,
    smtp: SmtpSettings,
    secret: str,
    now: datetime,
    templates_dir: Path | None = None,
    dry_run_dir: Path | None = None,
    retry_unknown: bool = False,
    transport: Transport | None = None,
    policy: RetryPolicy | None = None,
    only: Collection[int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> DeliveryResult:
    """Mail one build of a report to each active subscriber who has not had it.

    `files` maps format → path of the built report ("pdf" is attached, "html"/"pdf" are linked when
    smtp.base_url is set). `build_id` is the `builds` row: the outbox is keyed by (build, subscriber),
    so calling this again, after a crash or from a second scheduler, sends only what was not sent.
    `secret` signs unsubscribe links (smtp.secret, from REPORTER_SECRET). `now` dates the
    messages. With `dry_run_dir`, messages are written there as .eml files and the store is not
    changed. `transport` and `policy` default to SMTP and the retry settings in `smtp`. `only`
    limits the run to these subscribers (one batch; other batches' rows are left to their senders).
    """
    builder = EmailBuilder(
        report,
        files,
        build_id=build_id,
        smtp=smtp,
        secret=secret,
        now=now,
        templates_dir=templates_dir,
        signer=DkimSigner.from_settings(smtp),
    )
    recipients = recipients_for(subscribers, report.spec.slug)
    if only is not None:
        wanted = set(only)
        recipients = [r for r in recipients if r.subscriber_id in wanted]
    if dry_run_dir is not None:
        return _dry_run(build_id, recipients, builder, outbox, DirectoryTransport(dry_run_dir))
    if not recipients:
        log.info("%s has no subscribers", report.spec.slug)
    done = outbox.subscribers_with(build_id, [SENT])
    progress.begin("sending", sum(r.subscriber_id not in done for r in recipients), "messages")
    try:
        return run_outbox(
            build_id=build_id,
            recipients=recipients,
            builder=builder,
            transport=_Told(transport or SmtpTransport(smtp), progress),
            outbox=outbox,
            policy=policy or policy_for(smtp),
            retry_unknown=retry_unknown,
            only=None if only is None else set(only),
        )
    finally:
        progress.end("sending")


class _Told:
    """A transport that tells `progress` of each message: sent, deferred (to retry) or failed."""

    def __init__(self, inner: Transport, progress: Progress) -> None:
        self.inner, self.progress = inner, progress

    def connect(self) -> None:
        self.inner.connect()

    def send(self, sender: str, recipient: str, data: bytes, *, label: str = "") -> None:
        try:
            self.inner.send(sender, recipient, data, label=label)
        except (TemporaryFailure, TransportError) as exc:
            later = isinstance(exc, TemporaryFailure) or exc.retryable
            self.progress.step("sending", "deferred" if later else "failed", f"{recipient}: {exc}")
            raise
        except PermanentFailure as exc:
            self.progress.step("sending", "failed", f"{recipient}: {exc}")
            raise
        self.progress.step("sending", "sent", f"{recipient}: sent")

    def close(self) -> None:
        self.inner.close()


def _dry_run(
    build_id: int,
    recipients: list[Recipient],
    builder: EmailBuilder,
    outbox: DeliveryRepo,
    folder: DirectoryTransport,
) -> DeliveryResult:
    """Write what a real run would send now, touching nothing in the store."""
    done = outbox.subscribers_with(build_id, [SENT])
    folder.connect()
    for recipient in recipients:
        if recipient.subscriber_id in done:
            continue
        data = builder.render(recipient)
        folder.send(builder.envelope_from, recipient.email, data, label=f"{recipient.subscriber_id:06d}")
    return DeliveryResult(
        build_id=build_id, already_sent=len(done), written=tuple(str(p) for p in folder.written)
    )


def finished_build(store: Store, report: str, period: Period) -> tuple[int, dict[str, Path]]:
    """The id and files of the finished build of (report, period), or a DeliveryError saying why not."""
    build = store.builds.get(report, period.key)
    if build is None or build.status != DONE:
        state = {None: "has not been built", RUNNING: "is still running"}.get(
            build.status if build else None, "failed"
        )
        raise DeliveryError(
            f"{report} {period.key} {state}; there is nothing to send",
            hint=f"build it first: reporter build {report} --period {period.key}",
        )
    return build.id, {fmt: Path(p) for fmt, p in build.files.items()}


def send_built(
    store: Store,
    config: Config,
    report: Report,
    files: Mapping[str, Path],
    build_id: int,
    *,
    now: datetime,
    dry_run_dir: Path | None = None,
    retry_unknown: bool = False,
    only: Collection[int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> DeliveryResult:
    """Deliver one build with the project's SMTP settings, recorded in the run history as a `send`.

    `only` limits the run to these subscribers (a delivery batch of the task queue).
    """
    secret = check_secret(config.smtp.secret)

    def send() -> DeliveryResult:
        return deliver(
            report,
            {k: v for k, v in files.items() if v.exists()},
            build_id=build_id,
            subscribers=store.subscribers,
            outbox=store.deliveries,
            smtp=config.smtp,
            secret=secret,
            now=now,
            templates_dir=config.settings.templates_dir,
            dry_run_dir=dry_run_dir,
            retry_unknown=retry_unknown,
            only=only,
            progress=progress,
        )

    if dry_run_dir is not None:  # a dry run changes nothing, the run history included
        return send()
    with store.runs.record("send", report=report.spec.slug, period=report.period.key) as run:
        result = send()
        run.end("ok" if result.ok else "failed", detail=result.detail(), error=result.error)
    return result


def send_report(
    config: Config,
    slug: str,
    period_key: str,
    *,
    dry_run_dir: Path | None = None,
    retry_unknown: bool = False,
    now: datetime | None = None,
    store: Store | None = None,
    only: Collection[int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> DeliveryResult:
    """`reporter send`: mail the finished build of a period built earlier, read back from its JSON file.

    The pipeline sends the report it has just built directly; this is for a build made by another
    run or process. Pass the caller's open `store` to reuse it; otherwise one is opened here.
    """
    spec = config.report(slug)
    try:
        period = Period.parse(period_key, spec.period_months)
    except ValueError as exc:
        raise DeliveryError(str(exc), hint="give the period as YYYY-MM, e.g. --period 2025-11") from None
    check_secret(config.smtp.secret)  # before anything is read: the commonest mistake, said first
    owned = store is None
    store = store or Store.open(config.settings.database_url)
    try:
        build_id, files = finished_build(store, spec.slug, period)
        if "json" not in files:
            raise DeliveryError(
                f"the build of {slug} {period.key} has no JSON file to read the report from",
                hint=f"rebuild with JSON: reporter build {slug} --period {period.key} --force",
            )
        report = load_report(spec, period, files["json"])
        return send_built(
            store,
            config,
            report,
            files,
            build_id,
            now=now or datetime.now(UTC),
            dry_run_dir=dry_run_dir,
            retry_unknown=retry_unknown,
            only=only,
            progress=progress,
        )
    finally:
        if owned:
            store.close()
