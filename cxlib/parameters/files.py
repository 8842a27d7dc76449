"""Reading a client's parameter file: YAML with line numbers, validation, every problem at once.

The file is read with ``ruamel.yaml`` (YAML 1.2: ``no`` stays text, comments
survive round trips) and validated against :class:`ClientParameters`. Every
problem is reported at once with the file, the dotted key and, where known,
the line; configured data files and the logo must exist.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from cxlib.exceptions import ClientNotFoundError, ParameterError
from cxlib.parameters.problems import MISSING_FILE, ParameterProblem
from cxlib.parameters.schema import ClientParameters
from cxlib.resources import parameter_dirs


def _line_of(document: object, loc: tuple[str | int, ...]) -> int | None:
    """Best-effort 1-based line of ``loc`` in a ruamel round-trip document."""
    node: Any = document  # ruamel's nodes are untyped: probed with hasattr below
    line = None
    for part in loc:
        try:
            if isinstance(part, str) and hasattr(node, "lc") and part in node:
                line = node.lc.key(part)[0] + 1
            elif isinstance(part, int) and hasattr(node, "lc") and part < len(node):
                line = node.lc.item(part)[0] + 1
            else:
                break
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


_FRIENDLY = {
    "extra_forbidden": "unbekannter Schlüssel (Tippfehler?)",
    "missing": "Pflichtangabe fehlt",
    "string_type": "muss Text sein; Zahlen mit führender Null oder rein numerische Namen "
    "bitte in Anführungszeichen setzen, z. B. '01067'",
}


def _problems_from(error: ValidationError, document: CommentedMap) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function")))
        key = ".".join(str(p) for p in loc)
        line = _line_of(document, loc)
        if line:
            key = f"{key} (Zeile {line})" if key else f"Zeile {line}"
        message = _FRIENDLY.get(item["type"], item["msg"])
        if item["type"] == "literal_error":
            message = f"ungültiger Wert „{item.get('input')}“; {item['msg']}"
        elif item["type"] == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(ParameterProblem(key, message, item["type"]))
    return problems


def _check_files(params: ClientParameters) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, path in params.data_paths().items():
        if not path.is_file():
            message = f"Datei nicht gefunden: {path}"
            problems.append(ParameterProblem(f"data.{name}.file", message, MISSING_FILE))
        elif path.suffix.lower() not in {".csv", ".txt", ".xlsx", ".xlsm"}:
            problems.append(
                (f"data.{name}.file", f"Dateityp {path.suffix} wird nicht unterstützt (CSV, XLSX)")
            )
    if params.branding.logo:
        logo = params.resolve(params.branding.logo)
        if not logo.is_file():
            message = f"Datei nicht gefunden: {logo}"
            problems.append(ParameterProblem("branding.logo", message, MISSING_FILE))
        elif logo.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg"}:
            problems.append(("branding.logo", "Logo muss PNG, JPG oder SVG sein"))
    return problems


def read_yaml(path: Path) -> CommentedMap:
    """Read a YAML mapping as a round-trip document (comments and order kept)."""
    yaml = YAML()
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.load(handle)
    except FileNotFoundError:
        raise ParameterError(path, [("", "Datei nicht gefunden")]) from None
    except UnicodeDecodeError:
        raise ParameterError(path, [("", "Datei ist nicht UTF-8-kodiert")]) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(path, [(where, f"YAML-Syntaxfehler: {problem}")]) from None
    if not isinstance(document, CommentedMap):
        raise ParameterError(path, [("", "Die Datei muss eine YAML-Zuordnung (key: value) sein")])
    return document


def load_parameters(path: str | Path) -> ClientParameters:
    """Read and validate one client's parameter file.

    Raises :class:`ParameterError` listing every problem (unknown keys, wrong
    types, values out of range, missing data files) with file, key and line.
    """
    path = Path(path).expanduser().resolve()
    document = read_yaml(path)
    try:
        params = ClientParameters.model_validate({**document, "source": path})
    except ValidationError as exc:
        raise ParameterError(path, _problems_from(exc, document)) from None
    problems = _check_files(params)
    if problems:
        raise ParameterError(path, problems)
    return params


def find_parameters(client: str | Path, search_dirs: list[Path] | None = None) -> Path:
    """Find a client's parameter file from a path or a client id.

    A client id is looked up as ``<id>.yaml`` in ``search_dirs`` (default: the
    ``CXWB_PARAMETERS`` folder if set, then ``parameters/`` in the working
    directory and in the project).
    """
    candidate = Path(client).expanduser()
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
        if not candidate.is_file():
            raise ClientNotFoundError(f"Parameterdatei nicht gefunden: {candidate}")
        return candidate.resolve()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", str(client)):
        raise ClientNotFoundError(f"„{client}“ ist weder eine Parameterdatei noch eine Kunden-ID")
    dirs = search_dirs if search_dirs is not None else parameter_dirs()
    for folder in dirs:
        for suffix in (".yaml", ".yml"):
            path = folder / f"{client}{suffix}"
            if path.is_file():
                return path.resolve()
    searched = ", ".join(str(d) for d in dirs)
    raise ClientNotFoundError(
        f"Kein Kunde „{client}“: keine Datei {client}.yaml in {searched}. "
        f"Mit `cxwb new {client}` anlegen."
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the parameter files, for editors (YAML language server)."""
    schema = ClientParameters.model_json_schema(by_alias=True)
    schema["properties"].pop("source", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "CX-Workbook Kundenparameter"
    return schema


def json_schema_text() -> str:
    """The JSON Schema as pretty-printed text."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
