"""Email built reports to their subscribers, through an outbox that never sends anything twice.

The pipeline hands the report it has just built to `send_built()` (which calls `deliver()`);
`send_report()` is `reporter send` of a build made earlier; `verify_token()` checks the signed
unsubscribe links the messages carry.
"""

from reporter.deliver.message import EmailBuilder, Recipient, unsubscribe_url
from reporter.deliver.outbox import DeliveryResult, Failure, RetryPolicy
from reporter.deliver.service import deliver, send_built, send_report
from reporter.deliver.tokens import Unsubscribe, make_token, secret_from_env, verify_token

__all__ = [
    "DeliveryResult",
    "EmailBuilder",
    "Failure",
    "Recipient",
    "RetryPolicy",
    "Unsubscribe",
    "deliver",
    "make_token",
    "secret_from_env",
    "send_built",
    "send_report",
    "unsubscribe_url",
    "verify_token",
]
