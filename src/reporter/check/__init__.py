"""`reporter check`: what the configuration implies, the machine, mail identity, and (online) servers."""

from reporter.check.environment import check_environment
from reporter.check.finding import Finding
from reporter.check.mail import mail_findings
from reporter.check.reports import report_findings

__all__ = ["Finding", "check_environment", "mail_findings", "report_findings"]
