"""feeds.yaml and the REPORTER_* environment, validated with every problem reported at once.

`schema` declares the keys, `lines` finds their lines, `messages` and `checks` say what is wrong,
`resolve` applies paths and the environment, `load` puts them together.
"""

from reporter.config.load import load_config, parse_config
from reporter.config.schema import DEFAULT_CONFIG, DEFAULT_USER_AGENT, ENVIRONMENT_ONLY, OVERVIEW
from reporter.config.settings import Config, Settings, SmtpSettings, TasksConfig

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_USER_AGENT",
    "ENVIRONMENT_ONLY",
    "OVERVIEW",
    "Config",
    "Settings",
    "SmtpSettings",
    "TasksConfig",
    "load_config",
    "parse_config",
]
