"""Generated documentation stays in sync with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cxlib.io.tables import markdown_reference
from cxlib.parameters.files import json_schema
from cxlib.resources import PACKAGE_DIR

#: Top-level folders that are local output or tool caches, not part of the project.
LOCAL_FOLDERS = {"build", "dist", "workshops", "__pycache__"}


def test_committed_json_schema_is_current(project: Path):
    committed = json.loads((project / "docs" / "parameters.schema.json").read_text("utf-8"))
    assert committed == json_schema(), "regenerate with `make schema`"


def test_readme_documents_every_table_as_the_code_defines_it(project: Path):
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert markdown_reference() in readme, "paste cxlib.io.tables.markdown_reference() into README"


def test_readme_names_the_two_commands_and_ci_runs_the_test_command(project: Path):
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "\nmake demo\n" in readme and "\nmake test\n" in readme
    ci = (project / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert {"make lint", "make typecheck", "make test"} <= {line.strip() for line in ci}


@pytest.mark.parametrize("target", ["test", "test-fast", "lint", "typecheck", "hooks"])
def test_the_readmes_make_targets_exist(project: Path, target: str):
    readme = (project / "README.md").read_text(encoding="utf-8")
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert f"`make {target}`" in readme
    assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE)


def folder_map(project: Path) -> str:
    """The code block of the README's section "Ordner"."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Ordner\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def map_entries(text: str) -> dict[str, str]:
    """The entries of cxlib's subfolders in the folder map (``  name/`` and its continuation)."""
    entries: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        start = re.match(r"^  (\w+)/\s", line)
        if start:
            current = start.group(1)
            entries[current] = line
        elif current and line.startswith("    "):
            entries[current] += "\n" + line
        else:
            current = None
    return entries


def names(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w-])", text) is not None


def test_the_folder_map_names_every_module_and_notebook_where_it_is(project: Path):
    text = folder_map(project)
    entries = map_entries(text)
    missing = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR)
        if path.name == "__init__.py" or "__pycache__" in relative.parts:
            continue
        if len(relative.parts) == 1:
            found = re.search(rf"^  {re.escape(path.name)}\s", text, re.MULTILINE) is not None
        else:
            found = names(entries.get(relative.parts[0], ""), path.name)
        if not found:
            missing.append(str(relative))
    for path in sorted((PACKAGE_DIR / "notebooks").glob("*.ipynb")):
        if not names(entries.get("notebooks", ""), path.name):
            missing.append(f"notebooks/{path.name}")
    assert not missing, f"README, section Ordner: add {missing}"


def test_the_folder_map_names_every_top_level_folder(project: Path):
    text = folder_map(project)
    folders = {
        p.name
        for p in project.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith(".egg-info")
    } - LOCAL_FOLDERS
    missing = {f for f in folders if not re.search(rf"^{re.escape(f)}/\s", text, re.MULTILINE)}
    assert not missing, f"README, section Ordner: add {sorted(missing)}"


def test_every_file_the_readme_names_exists(project: Path):
    readme = (project / "README.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:cxlib|tests|docs|benchmarks|scripts)/[^`\s]+)`", readme))
    # placeholders of the recipes (cxlib/xyz/, <thema>, NN-*); {de,en} stands for both
    examples = re.compile(r"xyz|<|NN|\*")
    stale = []
    for path in sorted(paths):
        if examples.search(path):
            continue
        for variant in sorted({path.replace("{de,en}", lang) for lang in ("de", "en")}):
            if not (project / variant).exists():
                stale.append(variant)
    assert len(paths) > 20
    assert not stale, f"the README names files that do not exist: {stale}"
