"""The pinyin candidate engine behind the form's free-text keyboard.

A resident types letters (full pinyin ``dibao``, initials ``db``, or a mix
``dib``); the candidate bar offers words and characters, best first, and
choosing one consumes the letters it stands for (``低`` from ``dibao``
leaves ``bao``).  Pure: strings in, candidates out, no I/O once built.

The dictionaries:
* readings from pypinyin (``pinyin_dict``: every reading of every character;
  ``phrases_dict``: the words whose reading differs from their characters'
  first readings, e.g. 银行 yinhang);
* the vocabulary and its ranking from jieba's dictionary (``dict.txt``:
  349,046 words with frequencies from a large corpus).  pypinyin alone has no
  frequencies and its phrase dictionary holds only the exceptions (no 申请,
  no 医院), so it cannot rank or even propose common words; jieba's word list
  is the standard open Chinese vocabulary with counts, and only the file is
  used (no segmentation).

The index maps the letters' initials (``db`` for 低保) to the words sorted
by frequency; a query splits the letters into syllables, full or initial or
(last) partial, looks up the initials and keeps the words whose syllables
fit.  ``bench/bench_pinyin.py`` measures the latency per key press.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from pypinyin import phrases_dict, pinyin_dict

INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z",
            "c", "s", "y", "w")
MAX_WORD = 6              # longer entries are names of things nobody types at a hut
VOCABULARY = 150_000      # the most frequent words kept (a few MB of memory)
MAX_SPLITS = 12
_HANZI_WORD = re.compile(f"[\u4e00-\u9fff]{{1,{MAX_WORD}}}")


def jieba_dictionary() -> Path:
    """jieba's dict.txt, found without importing jieba (its import alone
    takes half a second and the segmenter is not used)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is not installed (pip install jieba): its dictionary ranks the candidates")
    return Path(list(spec.submodule_search_locations)[0]) / "dict.txt"


@dataclass(frozen=True)
class Candidate:
    """A word or character for the candidate bar; ``consumed`` letters of the
    input are replaced by ``text`` when it is chosen."""

    text: str
    consumed: int


@lru_cache(maxsize=4096)
def _plain(syllable: str) -> str:
    """``lǚ`` -> ``lv``: toneless, ü typed as v (as on every pinyin keyboard)."""
    out = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch == "\u0308":       # the diaeresis of ü
            out.append(":")
        elif not unicodedata.combining(ch):
            out.append(ch)
    return "".join(out).replace("u:", "v").replace("ü", "v").lower()


class PinyinEngine:
    """Candidates for typed letters.  ``PinyinEngine.build()`` reads the
    dictionaries (about a second; do it once, off the UI thread, at start)."""

    def __init__(self, words: Iterable[tuple[str, int]]):
        """``words``: (word or character, frequency)."""
        self._readings: dict[str, tuple[str, ...]] = {}
        for code, readings in pinyin_dict.pinyin_dict.items():
            self._readings[chr(code)] = tuple(dict.fromkeys(_plain(r) for r in readings.split(",")))
        self.syllables = frozenset(s for rs in self._readings.values() for s in rs
                                   if any(v in s for v in "aeiouv") and s.isalpha())
        self._prefixes = frozenset(s[:i] for s in self.syllables for i in range(1, len(s) + 1))
        self._phrases = {w: tuple(_plain(r[0]) for r in rs) for w, rs in phrases_dict.phrases_dict.items()}
        by_key: dict[str, list[tuple[int, str]]] = {}
        self._freq: dict[str, int] = {}
        for word, freq in words:
            self._freq[word] = freq
            if len(word) == 1:
                for syllable in self._readings.get(word, ()):
                    by_key.setdefault(syllable[0], []).append((freq, word))
                continue
            syllables = self.reading(word)
            if syllables is not None:
                by_key.setdefault("".join(s[0] for s in syllables), []).append((freq, word))
        self._index = {key: tuple(w for _, w in sorted(entries, key=lambda e: -e[0]))
                       for key, entries in by_key.items()}

    @classmethod
    def build(cls, vocabulary: int = VOCABULARY) -> "PinyinEngine":
        """From pypinyin's readings and jieba's word frequencies."""
        words: dict[str, int] = {}
        with open(jieba_dictionary(), encoding="utf-8") as f:
            for line in f:
                word, count, _ = line.split(" ", 2)
                if _HANZI_WORD.fullmatch(word):
                    words[word] = int(count)
        kept = sorted(((w, c) for w, c in words.items() if len(w) > 1), key=lambda e: -e[1])[:vocabulary]
        # Every common character, so any name can be typed, even one jieba never counted.
        chars = {chr(code): words.get(chr(code), 0) for code in pinyin_dict.pinyin_dict
                 if 0x4E00 <= code <= 0x9FFF}
        return cls([*kept, *chars.items()])

    def reading(self, word: str) -> tuple[str, ...] | None:
        """A word's syllables (the phrase dictionary's where it has one)."""
        if word in self._phrases and len(self._phrases[word]) == len(word):
            return self._phrases[word]
        out = []
        for ch in word:
            readings = self._readings.get(ch)
            if not readings:
                return None
            out.append(readings[0])
        return tuple(out)

    # -- the query -------------------------------------------------------------------
    def splits(self, letters: str) -> list[tuple[str, ...]]:
        """Ways to read ``letters`` as syllables: each one full or an initial,
        the last one possibly unfinished.  Fewest pieces first."""
        found: list[tuple[str, ...]] = []

        def walk(rest: str, done: tuple[str, ...]) -> None:
            if len(found) >= MAX_SPLITS * 4:
                return
            if not rest:
                found.append(done)
                return
            for end in range(min(len(rest), 6), 0, -1):
                piece = rest[:end]
                last = end == len(rest)
                if piece in self.syllables or piece in INITIALS or (last and piece in self._prefixes):
                    walk(rest[end:], (*done, piece))

        walk(letters, ())
        found.sort(key=len)
        return found[:MAX_SPLITS]

    def _fits(self, word: str, pieces: tuple[str, ...]) -> bool:
        """Does ``word`` read as ``pieces`` (full syllables equal, others as prefixes)?"""
        if len(word) == 1:
            return any(self._fits_one(r, pieces[0]) for r in self._readings.get(word, ()))
        reading = self.reading(word)
        return reading is not None and all(self._fits_one(s, p) for s, p in zip(reading, pieces))

    def _fits_one(self, syllable: str, piece: str) -> bool:
        return syllable == piece if piece in self.syllables else syllable.startswith(piece)

    def _matching(self, pieces: tuple[str, ...], limit: int) -> list[str]:
        key = "".join(p[0] for p in pieces)
        out = []
        for word in self._index.get(key, ()):
            if len(word) == len(pieces) and self._fits(word, pieces):
                out.append(word)
                if len(out) >= limit:
                    break
        return out

    def candidates(self, letters: str, limit: int = 24) -> list[Candidate]:
        """Words that use more of the letters first (all of them, then fewer,
        down to a character for the first syllable); by frequency among equals."""
        letters = "".join(ch for ch in letters.lower() if "a" <= ch <= "z")
        if not letters:
            return []
        best: dict[str, tuple[int, int]] = {}
        looked: set[tuple[str, ...]] = set()
        splits = self.splits(letters)
        fewest = len(splits[0]) if splits else 0
        # A word must end where a syllable of the plainest reading ends (or at
        # the end): "qurenmin" offers 去 and 去人, never 屈辱 (qu-r-en…).
        boundaries = {len(letters)}
        for pieces in splits:
            if len(pieces) == fewest:
                boundaries.update(sum(len(p) for p in pieces[:i]) for i in range(1, len(pieces)))
        for pieces in splits:
            if len(pieces) > fewest + 2:  # "shenqing" as s-h-e-n-… only adds noise and time
                break
            for size in range(min(len(pieces), MAX_WORD), 0, -1):
                head = pieces[:size]
                consumed = sum(len(p) for p in head)
                if head in looked or consumed not in boundaries:
                    continue
                looked.add(head)
                for word in self._matching(head, limit):
                    rank = (consumed, self._score(word, head))
                    best[word] = max(best.get(word, rank), rank)
        ranked = sorted(best.items(), key=lambda e: (-e[1][0], -e[1][1]))
        return [Candidate(word, rank[0]) for word, rank in ranked[:limit]]

    def _score(self, word: str, pieces: tuple[str, ...]) -> int:
        """A character's frequency counts fully under its main reading only:
        见 is common, but not as xian."""
        freq = self._freq.get(word, 0)
        if len(word) == 1 and not self._fits_one(self._readings.get(word, ("",))[0], pieces[0]):
            return freq // 100
        return freq


class Composer:
    """The text of one free-text field while the resident types: ``text``
    (chosen already) plus ``letters`` (typed, not yet chosen), and the
    candidates for them.  What the pinyin keyboard widget drives."""

    def __init__(self, engine: PinyinEngine, text: str = "", max_length: int | None = None, limit: int = 24):
        self.engine, self.text, self.letters = engine, text, ""
        self.max_length, self.limit = max_length, limit
        self.candidates: list[Candidate] = []

    def _refresh(self) -> None:
        self.candidates = self.engine.candidates(self.letters, self.limit) if self.letters else []

    def type(self, letter: str) -> None:
        if len(letter) == 1 and "a" <= letter.lower() <= "z" and len(self.letters) < 32:
            self.letters += letter.lower()
            self._refresh()

    def backspace(self) -> None:
        if self.letters:
            self.letters = self.letters[:-1]
            self._refresh()
        else:
            self.text = self.text[:-1]

    def pick(self, index: int) -> None:
        """Choose candidate ``index``: its text is added, its letters consumed."""
        if not 0 <= index < len(self.candidates):
            return
        chosen = self.candidates[index]
        self.append(chosen.text)
        self.letters = self.letters[chosen.consumed:]
        self._refresh()

    def append(self, text: str) -> None:
        """Add text directly (a common phrase, a digit, punctuation)."""
        room = None if self.max_length is None else max(0, self.max_length - len(self.text))
        self.text += text if room is None else text[:room]

    def clear(self) -> None:
        self.text, self.letters, self.candidates = "", "", []
