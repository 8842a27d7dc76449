"""Who writes in the workshop: the consultant's name, asked once, never the login name; and
`cxwb validate` names what `cxwb new` left as a placeholder (it reached the cover)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxlib.cli import main
from cxlib.parameters.scaffold import CONSULTANT_PLACEHOLDER, placeholders
from cxlib.workshop.server import consultant_name
from cxlib.workshop.store import DEFAULT_WRITER, WorkshopStore
from tests.conftest import MINIMAL, write_params


def new_client(tmp_path: Path) -> Path:
    args = ["new", "muster-gmbh", "--dir", str(tmp_path / "p"), "--data-dir", str(tmp_path / "d")]
    assert main(args) == 0
    return tmp_path / "p" / "muster-gmbh.yaml"


def test_the_store_never_writes_under_the_login_name(tmp_path, monkeypatch):
    """The conflict message named "root" (the OS user of the container) as writer."""
    params = write_params(tmp_path, MINIMAL)
    monkeypatch.delenv("CXWB_WRITER", raising=False)
    assert WorkshopStore(params).writer == DEFAULT_WRITER == "Workshop"
    monkeypatch.setenv("CXWB_WRITER", "  Erika   Beraterin ")
    assert WorkshopStore(params).writer == "Erika Beraterin"
    assert WorkshopStore(params, writer="Anna").writer == "Anna"


def test_the_consultant_of_the_file_writes_unless_another_name_is_given(tmp_path):
    params = write_params(tmp_path, MINIMAL)  # consultant: Erika Beraterin
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "Nie Gefragt"

    assert consultant_name(params, None, ask) == "Erika Beraterin"
    assert consultant_name(params, " Jan  Huber ", ask) == "Jan Huber"
    assert asked == [], "a named consultant is not asked"


def test_a_scaffold_placeholder_is_asked_once_and_never_used_as_name(tmp_path):
    params = new_client(tmp_path)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "  Jana Roth "

    assert consultant_name(params, None, ask) == "Jana Roth"
    assert len(asked) == 1 and "Name" in asked[0]
    assert consultant_name(params, None, None) is None  # no terminal: the store's default


def test_validate_reports_the_placeholders_of_cxwb_new(tmp_path, capsys):
    params = new_client(tmp_path)
    assert CONSULTANT_PLACEHOLDER in params.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(params)]) == 0  # a new client is valid, but not finished
    out = capsys.readouterr().out
    assert "consultant: noch der Platzhalter aus `cxwb new`" in out
    assert "workshop.journeys: noch keine Journey-Kandidaten" in out
    filled = params.read_text(encoding="utf-8").replace(CONSULTANT_PLACEHOLDER, "Jana Roth")
    params.write_text(filled, encoding="utf-8")
    main(["validate", str(params)])
    assert "Platzhalter" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("consultant", "journeys", "expected"),
    [
        ("Vorname Nachname", 0, ["consultant", "workshop.journeys"]),
        ("  ", 2, ["consultant"]),
        (None, 1, ["consultant"]),
        ("Jana Roth", 3, []),
    ],
)
def test_placeholders(consultant, journeys, expected):
    assert placeholders(consultant, journeys) == expected
