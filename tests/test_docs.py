"""Generated documentation stays in sync with the code."""

from __future__ import annotations

import json
from pathlib import Path

from cxlib.io.tables import markdown_reference
from cxlib.parameters.files import json_schema


def test_committed_json_schema_is_current(project: Path):
    committed = json.loads((project / "docs" / "parameters.schema.json").read_text("utf-8"))
    assert committed == json_schema(), "regenerate with `make schema`"


def test_readme_documents_every_table_as_the_code_defines_it(project: Path):
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert markdown_reference() in readme, "paste cxlib.io.tables.markdown_reference() into README"


def test_readme_names_the_two_commands_and_ci_runs_the_test_command(project: Path):
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "\nmake demo\n" in readme and "\nmake test\n" in readme
    assert "make test" in (project / ".ci" / "run").read_text(encoding="utf-8")
