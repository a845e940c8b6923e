"""Reading feeds.yaml: parse, validate, check, resolve, and raise one ConfigError listing every problem."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from reporter.config.checks import check_semantics
from reporter.config.lines import LineIndex
from reporter.config.messages import describe
from reporter.config.resolve import environment_problems, resolve
from reporter.config.schema import DEFAULT_CONFIG, FileModel
from reporter.config.settings import Config
from reporter.errors import ConfigError


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve feeds.yaml; raise one ConfigError listing every problem."""
    env = os.environ if env is None else env
    config_path = Path(path or env.get("REPORTER_CONFIG") or DEFAULT_CONFIG)
    shown = str(config_path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            shown, ["file not found"], hint="run reporter from the project folder, or pass --config PATH"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            shown,
            ["is a folder, not a file"],
            hint=f"pass the file itself: --config {config_path / DEFAULT_CONFIG}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, [f"cannot read it: {exc}"], hint="save feeds.yaml as UTF-8 text") from None
    return parse_config(text, config_path=config_path, env=env)


def parse_config(text: str, *, config_path: Path, env: Mapping[str, str]) -> Config:
    """Validate the text of a feeds.yaml; raise one ConfigError listing every problem."""
    shown = str(config_path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        hint = "check the indentation and quoting there"
        if "'\\t'" in problem:  # PyYAML's words for a tab where indentation goes
            hint = "YAML indents with spaces, never tabs: replace the tab on that line with spaces"
        raise ConfigError(shown, [f"{where}not valid YAML: {problem}"], hint=hint) from None
    if not isinstance(data, dict):
        raise ConfigError(shown, ["line 1: the file must be a mapping with a `reports:` list"])
    index = LineIndex(node)

    # One pass: duplicate keys, type errors and the checks beyond types, together and in line order.
    problems: list[str] = list(index.duplicates)
    parsed: FileModel | None = None
    try:
        parsed = FileModel.model_validate(data)
    except ValidationError as exc:
        problems.extend(describe(err, index) for err in exc.errors())
    problems.extend(check_semantics(data, index))
    if problems:  # the environment's problems too, after the file's, so one run lists them all
        env_problems = [f"environment: {p}" for p in environment_problems(env)]
        raise ConfigError(shown, sorted(problems, key=_line_number) + env_problems)
    assert parsed is not None
    return resolve(parsed, config_path, env)


def _line_number(problem: str) -> int:
    """The N of a problem that starts 'line N:' (sorted is stable, so one line keeps its order)."""
    head = problem.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0
