"""Email built reports to their subscribers, through an outbox that never sends anything twice.

`deliver()` is the pipeline's entry point and `send_report()` the CLI's; `verify_token()` checks
the signed unsubscribe links the messages carry.
"""

from reporter.deliver.message import Composer, Recipient, unsubscribe_url
from reporter.deliver.outbox import DeliveryResult, Failure, RetryPolicy
from reporter.deliver.service import deliver, send_report
from reporter.deliver.tokens import Unsubscribe, make_token, secret_from_env, verify_token

__all__ = [
    "Composer",
    "DeliveryResult",
    "Failure",
    "Recipient",
    "RetryPolicy",
    "Unsubscribe",
    "deliver",
    "make_token",
    "secret_from_env",
    "send_report",
    "unsubscribe_url",
    "verify_token",
]
