"""The string catalogue: every user-facing text in German and English.

Texts live in ``cxlib/texts/<lang>/<namespace>.yaml``; a key is
``<namespace>.<path.inside.the.file>``. Both languages must have the same keys
(a test checks it). Placeholders use ``str.format`` syntax and receive values
that are already formatted (see :mod:`cxlib.formatting`).

Texts per business model: a client without contracts must never read contract
words (Kündigung, Vertrag), and "Karten" only where its customers are loyalty
cards. The files ``<lang>/non_contractual.yaml`` and ``<lang>/loyalty_cards.yaml``
hold variants: a key there (``non_contractual.survival.driver_more`` …) replaces
the same key without the prefix when the language is a :class:`Wording` of such a
client (:func:`wording`: the report's language with the client's vocabulary,
still the plain language code for every other use); the loyalty-card variant
comes first. A variant has the same placeholders as its base text (a test checks it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from cxlib.resources import load_packaged

LANGUAGES = ("de", "en")
#: Variant namespaces, the first that has a key wins (see the module docstring).
VARIANTS = ("loyalty_cards", "non_contractual")
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


class Wording(str):
    """A report language (``"de"``, ``"en"``) with the variants of a client's vocabulary.

    Equal to the plain language code everywhere (formatting, comparisons,
    caches); :func:`t` looks up the :attr:`variants` first.
    """

    variants: tuple[str, ...]

    def __new__(cls, lang: str, variants: tuple[str, ...] = ()) -> Wording:
        """The language ``lang`` with ``variants`` (names of :data:`VARIANTS`)."""
        unknown = set(variants) - set(VARIANTS)
        if unknown:
            raise ValueError(f"unknown text variants {sorted(unknown)}; known: {VARIANTS}")
        made = super().__new__(cls, lang)
        made.variants = tuple(v for v in VARIANTS if v in variants)
        return made

    def __reduce__(self) -> tuple[type[Wording], tuple[str, tuple[str, ...]]]:
        return (Wording, (str(self), self.variants))


def wording(lang: str, business_model: str, loyalty_cards: bool = False) -> str:
    """The language ``lang`` with the vocabulary of a client's business model.

    Without contracts the ``non_contractual`` texts, with loyalty cards the
    ``loyalty_cards`` texts; a contractual client without cards gets ``lang``.
    """
    variants = (("loyalty_cards",) if loyalty_cards else ()) + (
        ("non_contractual",) if business_model == "non_contractual" else ()
    )
    return Wording(str(lang), variants) if variants else str(lang)


def t(key: str, lang: str = "de", /, **values: Any) -> str:
    """The text for ``key`` in ``lang``, with ``values`` filled in.

    For a :class:`Wording` the text of its first variant that has ``key``. A
    missing key is a bug and raises ``KeyError`` naming the key.
    """
    texts = catalogue(lang)
    text = next(
        (
            texts[f"{variant}.{key}"]
            for variant in getattr(lang, "variants", ())
            if f"{variant}.{key}" in texts
        ),
        None,
    )
    if text is None:
        try:
            text = texts[key]
        except KeyError:
            raise KeyError(f"text {key!r} is missing from the {lang!r} catalogue") from None
    return text.format(**values) if values else text
