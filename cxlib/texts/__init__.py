"""The string catalogue: every user-facing text in German and English.

Texts live in ``cxlib/texts/<lang>/<namespace>.yaml``; a key is
``<namespace>.<path.inside.the.file>``. Both languages must have the same keys
(a test checks it). Placeholders use ``str.format`` syntax and receive values
that are already formatted (see :mod:`cxlib.formatting`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from cxlib.resources import load_packaged

LANGUAGES = ("de", "en")
_DIR = Path(__file__).resolve().parent


def _flatten(prefix: str, node: object, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = str(node)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of one language as a flat ``{key: text}`` mapping."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    out: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.yaml")):
        _flatten(path.stem, load_packaged(path) or {}, out)
    return out


def t(key: str, lang: str = "de", /, **values: Any) -> str:
    """The text for ``key`` in ``lang``, with ``values`` filled in.

    A missing key is a bug and raises ``KeyError`` naming the key.
    """
    try:
        text = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"text {key!r} is missing from the {lang!r} catalogue") from None
    return text.format(**values) if values else text
