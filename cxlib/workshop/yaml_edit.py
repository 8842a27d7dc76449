"""Round-trip edits of a client's parameter YAML (ruamel.yaml): only the saved keys change.

:class:`ParameterDocument` reads the file so that writing it back unchanged
gives the same bytes: comments, key order, quoting, flow style, blank lines,
a BOM, Windows line ends and every section the workshop does not touch stay
as they are. ruamel does not keep the indentation, so it is detected (the
indentations of :data:`INDENTS` are tried until one reproduces the text).

The edit functions change one unit of the document in place: one
participant's rating (:func:`set_rating`), the list of pain points or
measures (:func:`update_seq`, entry by entry), the maturity file
(:func:`point_maturity_at`). Validation and the write itself are the
store's business (:mod:`cxlib.workshop.store`, :mod:`cxlib.workshop.atomic`).
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from cxlib.parameters.files import read_yaml
from cxlib.texts import t

__all__ = [
    "INDENTS",
    "RATING_KEYS",
    "Edit",
    "ParameterDocument",
    "point_maturity_at",
    "round_trip",
    "set_candidates",
    "set_plan",
    "set_rating",
    "update_seq",
]

#: Indentations tried (mapping, sequence, offset); the project's files use the first.
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 2), (2, 4, 0))
Indent = tuple[int, int, int]
#: Rating fields → the YAML keys they may have (German alias first, then the model name).
RATING_KEYS = {
    "frequency": ("haeufigkeit", "frequency"),
    "damage": ("schaden", "damage"),
    "feasibility": ("machbarkeit", "feasibility"),
}
_UNCERTAIN_KEYS = ("unsicher", "uncertain")


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def round_trip(
    text: str, known: Indent | None = None, verified: bool = False
) -> tuple[Indent, YAML, Any]:
    """The indentation and a YAML instance that reproduce ``text``, and its document.

    ruamel does not keep the indentation, so candidates (``known`` first) are
    tried until dumping the unchanged document gives the text back; with
    ``verified`` (the text was written with ``known``) the check is skipped.
    Failing all, ruamel's guess is used.
    """
    if known is not None and verified:
        yaml = _yaml(*known)
        return known, yaml, yaml.load(text)
    candidates = [known] if known else []
    candidates += [c for c in INDENTS if c != known]
    for indent in candidates:
        yaml = _yaml(*indent)
        document = yaml.load(text)
        if _dump(yaml, document) == text:
            return indent, yaml, document
    _, guessed, block_indent = load_yaml_guess_indent(text)
    indent = (guessed or 2, guessed or 2, block_indent or 0)
    yaml = _yaml(*indent)
    return indent, yaml, yaml.load(text)


@dataclass(frozen=True)
class Edit:
    """One loaded parameter file: its text (``\\n`` line ends), the YAML that
    reproduces it, and the round-trip document to edit in place."""

    text: str
    yaml: YAML
    document: Any

    def dump(self) -> str:
        """The edited document as text."""
        return _dump(self.yaml, self.document)


class ParameterDocument:
    """The parameter file for round-trip edits: load, edit, then :meth:`render` the bytes.

    Remembers the file's BOM, line ends and indentation between calls, so a
    file the store wrote itself is loaded without trying indentations again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: tuple[str, Indent] | None = None  # hash of the text written, its indent
        self._bom = False
        self._crlf = False

    def load(self) -> Edit:
        """The file as an :class:`Edit` (raises ParameterError when it cannot be read)."""
        try:
            raw = self.path.read_bytes()
            self._bom = raw.startswith(codecs.BOM_UTF8)
            text = raw.decode("utf-8-sig")
            self._crlf = "\r\n" in text
            text = text.replace("\r\n", "\n")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            written, known = self._state or (None, None)
            indent, yaml, document = round_trip(text, known, verified=digest == written)
        except (OSError, UnicodeDecodeError, YAMLError):
            read_yaml(self.path)  # raises ParameterError with a plain message
            raise
        self._state = (digest, indent)
        return Edit(text, yaml, document)

    def render(self, edit: Edit) -> tuple[str, bytes] | None:
        """The edited text and the bytes to write (BOM and line ends as read); None if unchanged."""
        new_text = edit.dump()
        if new_text == edit.text:
            return None
        data = (new_text.replace("\n", "\r\n") if self._crlf else new_text).encode("utf-8")
        if self._bom:  # keep what the editor wrote: BOM and Windows line ends
            data = codecs.BOM_UTF8 + data
        return new_text, data

    def written(self, new_text: str) -> None:
        """Note that ``new_text`` is now the file (it round-trips with the known indentation)."""
        if self._state is not None:
            self._state = (hashlib.sha256(new_text.encode("utf-8")).hexdigest(), self._state[1])


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def set_rating(
    journey: CommentedMap, participant: str, values: Mapping[str, int], uncertain: bool
) -> None:
    """Set ``participant``'s ratings (``values`` by field of :data:`RATING_KEYS`) in ``journey``.

    An existing rating is updated in place (only the changed values, under
    the keys it already uses); a new one is appended in the style of its
    siblings (flow style when the last one is).
    """
    ratings = journey.get("ratings")
    if ratings is None:
        ratings = CommentedSeq()
        journey["ratings"] = ratings
    entry = next((r for r in ratings if _clean(r.get("participant")) == participant), None)
    if entry is None:
        entry = CommentedMap()
        entry["participant"] = participant
        for field, (alias, _name) in RATING_KEYS.items():
            entry[alias] = values[field]
        if uncertain:
            entry["unsicher"] = True
        flow = [r for r in ratings if isinstance(r, CommentedMap)]
        if not flow or flow[-1].fa.flow_style():
            entry.fa.set_flow_style()
        ratings.append(entry)
        return
    for field, names in RATING_KEYS.items():
        name = next((n for n in names if n in entry), names[0])
        if entry.get(name) != values[field]:
            entry[name] = values[field]
    flag = next((n for n in _UNCERTAIN_KEYS if n in entry), None)
    if flag is not None:
        if bool(entry[flag]) != bool(uncertain):
            entry[flag] = bool(uncertain)
    elif uncertain:
        entry["unsicher"] = True


def update_seq(seq: CommentedSeq, new: list[dict[str, Any]]) -> None:
    """Make ``seq`` equal ``new`` with as few changed entries as possible."""

    def frozen(item: Any) -> str:
        return json.dumps(dict(item), sort_keys=True, default=str)

    old_keys = [frozen(item) for item in seq]
    new_keys = [frozen(item) for item in new]
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(common):  # update in place: only changed keys
            entry, values = seq[i1 + offset], new[j1 + offset]
            if not isinstance(entry, CommentedMap):
                seq[i1 + offset] = CommentedMap(values)
                continue
            for key in [k for k in entry if k not in values]:
                del entry[key]
            for key, value in values.items():
                if key not in entry or entry[key] != value:
                    entry[key] = value
        for index in range(i2 - 1, i1 + common - 1, -1):
            del seq[index]
        for offset, values in enumerate(new[j1 + common : j2]):
            seq.insert(i1 + common + offset, CommentedMap(values))


def set_plan(document: Any, plan: Mapping[str, list[dict[str, Any]]]) -> None:
    """Make ``workshop.<name>`` equal each list of ``plan`` (pain_points, measures).

    Unchanged entries keep their lines and comments; an empty list that is
    not in the file yet is not added.
    """
    workshop = document.get("workshop")
    if workshop is None:
        workshop = CommentedMap()
        document["workshop"] = workshop
    for name, new in plan.items():
        seq = workshop.get(name)
        if seq is None:
            if not new:
                continue
            seq = CommentedSeq()
            workshop[name] = seq
        update_seq(seq, new)


def _trailing_lines(mapping: CommentedMap) -> str:
    """The blank lines after a mapping's last key (ruamel keeps them in its comment)."""
    if not mapping:
        return ""
    items = mapping.ca.items.get(list(mapping)[-1])
    token = items[2] if items and len(items) > 2 else None
    value = getattr(token, "value", "") or ""
    return value[value.index("\n") + 1 :] if "\n" in value else ""


def point_maturity_at(document: Any, relative: str, lang: str) -> None:
    """Set ``data.maturity`` to the file ``relative`` (its other options are dropped).

    When there was a previous file, a comment in ``lang`` at the end of the
    ``file`` line names it; a missing ``data`` section is added before
    ``workshop``.
    """
    data = document.get("data")
    if data is None:
        data = CommentedMap()
        keys = list(document)
        where = keys.index("workshop") if "workshop" in keys else len(keys)
        document.insert(where, "data", data)
    old = data.get("maturity")
    if not isinstance(old, CommentedMap):
        entry = CommentedMap()
        entry["file"] = relative
        data["maturity"] = entry
        return
    previous = old.get("file")
    trailing = _trailing_lines(old)
    for name in [k for k in old if k != "file"]:
        del old[name]
    old["file"] = relative
    if previous:
        comment = t("workshop_store.yaml_comment", lang, file=previous)
        old.yaml_add_eol_comment(f"# {comment}", "file")
        token = old.ca.items["file"][2]
        token.value = token.value.rstrip("\n") + "\n" + trailing


def set_candidates(document: Any, candidates: list[tuple[str, str]]) -> None:
    """Make ``workshop.journeys`` the ``(id, name)`` candidates, in this order.

    A kept candidate keeps its entry (phases, ratings, comments) and only gets
    its new name; a new one is ``{id, name}``; one not listed is removed.
    """
    workshop = document.get("workshop")
    if workshop is None:
        workshop = CommentedMap()
        document["workshop"] = workshop
    journeys = workshop.get("journeys")
    existing: dict[str, Any] = {
        str(j.get("id")): j for j in journeys or [] if isinstance(j, Mapping)
    }
    entries = CommentedSeq()
    for journey_id, name in candidates:
        entry = existing.get(journey_id)
        if entry is None:
            entry = CommentedMap()
            entry["id"] = journey_id
            entry["name"] = name
        elif _clean(entry.get("name")) != name:
            entry["name"] = name
        entries.append(entry)
    if isinstance(journeys, CommentedSeq):
        journeys[:] = list(entries)
        if not journeys:
            journeys.fa.set_flow_style()
        else:
            journeys.fa.set_block_style()
    else:
        workshop["journeys"] = entries
