"""Configuration is documented from one source: the schema. These fail when the docs fall behind.

As datasette's tests/test_docs.py does for its settings: every key has a description, the generated
pages are current, and every REPORTER_* variable the code reads is in them.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from reporter.config.docs import configuration_markdown, environment_variables, readme_with_table
from reporter.config.schema import MODELS

REPO = Path(__file__).resolve().parents[1]
# A variable named in the code; `REPORTER_*` and `REPORTER_SMTP_*` are families, not names.
VARIABLE = re.compile(r"\bREPORTER_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_]*\*)")


def test_every_key_of_the_schema_is_described() -> None:
    missing = [
        f"{model.__name__}.{name}"
        for model in MODELS.values()
        for name, info in model.model_fields.items()
        if len((info.description or "").strip()) < 8
    ]
    assert missing == []


def test_docs_configuration_md_is_generated_from_the_schema() -> None:
    written = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert written == configuration_markdown(), "run scripts/docs"


def test_the_readme_environment_table_is_generated_from_the_schema() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_table(readme), "run scripts/docs"


def test_every_reporter_variable_read_in_src_is_documented() -> None:
    read = {
        name
        for path in (REPO / "src").rglob("*.py")
        for name in VARIABLE.findall(path.read_text(encoding="utf-8"))
    }
    documented = set(environment_variables())
    assert sorted(read - documented) == []
    assert sorted(documented - read) == []  # nothing documented that the code no longer reads


def test_every_key_and_variable_appears_on_the_configuration_page() -> None:
    page = configuration_markdown()
    for model in MODELS.values():
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in page
    for variable in environment_variables():
        assert f"`{variable}`" in page


def test_check_schema_prints_the_configuration_page() -> None:
    from reporter.cli import create_app

    result = CliRunner().invoke(create_app(), ["check", "--schema"])
    assert result.exit_code == 0 and result.stdout == configuration_markdown()


def test_the_contributor_guide_names_every_module_and_the_readme_every_package() -> None:
    """docs/development.md's "Where things are" names each module; the README's layout each package."""
    guide = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    source = REPO / "src" / "reporter"
    modules = [p for p in source.rglob("*.py") if p.name != "__init__.py" and "versions" not in p.parts]
    unnamed = sorted(str(p.relative_to(source)) for p in modules if f"`{p.name}`" not in guide)
    assert not unnamed, f"docs/development.md does not name: {', '.join(unnamed)}"
    packages = [p for p in source.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"]
    top = sorted(p.name if p.suffix == ".py" else f"{p.name}/" for p in packages if p.name != "__init__.py")
    missing = [name for name in top if name not in layout and name not in ("__main__.py",)]
    assert not missing, f"the README's layout does not list: {', '.join(missing)}"
