"""The lemmas kept on disk: the same answers as simplemma, used instead of it, robust to damage."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest
import simplemma

from cxlib.voice import lemma_cache
from cxlib.voice.codebook import load_codebook
from cxlib.voice.coding import code_comments, lemmas
from cxlib.voice.lemma_cache import CACHE_ENV, LemmaStore, cache_folder, lemma_store

from .voice_labelled import parse

WORDS = ("Abschlagszahlungen", "Rechnungen", "freundlichen", "Mitarbeiterin", "ging", "unklar")


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty cache folder, no store in memory and lemmas() forgetting what it knew."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(lemma_cache, "_STORES", {})
    lemmas.cache_clear()
    yield tmp_path
    lemmas.cache_clear()


def _simplemma_forms(word: str) -> frozenset[str]:
    lower = word.lower()
    return frozenset(
        {
            lower,
            simplemma.lemmatize(word, lang="de").lower(),
            simplemma.lemmatize(lower, lang="de").lower(),
        }
    )


def test_lemmas_are_simplemmas_answers_with_and_without_the_file(fresh):
    cold = {word: lemmas(word) for word in WORDS}
    lemma_store("de").save()
    lemmas.cache_clear()
    lemma_cache._STORES.clear()  # a new process: only the file is left
    warm = {word: lemmas(word) for word in WORDS}
    assert cold == warm == {word: _simplemma_forms(word) for word in WORDS}
    assert "rechnung" in warm["Rechnungen"]  # simplemma's German base form


def test_a_stored_word_is_answered_from_the_file_without_simplemma(fresh, monkeypatch):
    store = lemma_store("de")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"Kundenservicex": ["kundenservicex", "planted"]}))
    monkeypatch.setitem(sys.modules, "simplemma", None)  # importing it now would fail
    assert lemmas("Kundenservicex") == {"kundenservicex", "planted"}


def test_coding_the_labelled_comments_is_the_same_cold_and_warm(fresh):
    codebook = load_codebook()
    comments = [text for text, _, _ in parse()]
    cold = code_comments(comments, codebook)
    assert lemma_store("de").path.exists()  # the words were written for the next run
    lemmas.cache_clear()
    lemma_cache._STORES.clear()
    warm = code_comments(comments, codebook)
    assert len(cold) > 300
    assert cold.equals(warm)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"Haus": "haus"}', ""])
def test_a_damaged_file_counts_as_empty(tmp_path, content):
    path = tmp_path / "lemmas.json"
    path.write_text(content)
    store = LemmaStore(path)
    assert store.get("Haus") is None
    store.add("Haus", ("haus",))
    store.save()
    assert json.loads(path.read_text()) == {"Haus": ["haus"]}


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path):
    if os.name != "posix" or os.geteuid() == 0:
        blocked = tmp_path / "file-not-folder"
        blocked.write_text("")
        store = LemmaStore(blocked / "lemmas.json")  # its parent is a file
    else:
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        store = LemmaStore(tmp_path / "sub" / "lemmas.json")
    store.add("Haus", ("haus",))
    store.save()  # logged, not raised
    assert store.get("Haus") == ("haus",)  # still known in this process
    tmp_path.chmod(stat.S_IRWXU)


def test_saving_keeps_what_another_process_wrote_meanwhile(tmp_path):
    path = tmp_path / "lemmas.json"
    mine, theirs = LemmaStore(path), LemmaStore(path)
    mine.get("x")  # read the (missing) file before the other process writes
    theirs.add("Baum", ("baum",))
    theirs.save()
    mine.add("Haus", ("haus",))
    mine.save()
    assert json.loads(path.read_text()) == {"Baum": ["baum"], "Haus": ["haus"]}


def test_at_most_max_words_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(lemma_cache, "MAX_WORDS", 2)
    store = LemmaStore(tmp_path / "lemmas.json")
    for word in ("a", "b", "c"):
        store.add(word, (word,))
    store.save()
    assert sorted(json.loads(store.path.read_text())) == ["a", "b"]


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform not in ("win32", "darwin"):
        assert cache_folder() == tmp_path / "xdg" / "cxwb"
    assert lemma_store("de").path.name == f"lemmas-de-simplemma-{simplemma.__version__}.json"
