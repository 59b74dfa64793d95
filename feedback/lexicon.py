"""Configured Danish word lists matched against a transcript segment's words: pure, no I/O.

Tokens are Whisper's words (" Du", " får", " sanktion,") or `text.split()`: the whitespace and
the punctuation around each token are dropped and the rest lower-cased before matching.

A term word matches a token when both have the same Danish Snowball stem, so "sanktion" finds
"sanktionen" and "sanktioner", and "ressourceforløb" finds "ressourceforløbet". Snowball's
stems can be much shorter than the word, and then unrelated words collide: "rådighed" stems to
"råd" (advice), "klaret" to "klar" (ready), "afgørelse" to "afgør" (to decide). So:

  DESIGN (the guard): when the stemmer cut two or more letters off the term word or off the
  token, the stems alone are not enough. The token must also be spelt as the term word, or the
  term word less its last letter, or with its last letter doubled, followed by a Danish
  inflection ending (INFLECTIONS: -e, -en, -er, -et, -ene, -erne, -s, -t, -de, -te, -ende, ...;
  the part before the ending at least as long as the stem). "rådighed" then finds "rådigheden"
  and "rådighedens" but not "råd", "rådet" or "rådgiver"; "klaret" finds "klare" but not
  "klar"; a term "råd" would not find "rådighed" either ("-ighed" is no inflection).

Snowball is not always consistent ("konsekvens" -> "konsekv", but "konsekvenser" ->
"konsekvens") and does not know past tenses ("klagede", "råbte"). So that same spelling rule
also matches on its own, without equal stems, when the part before the ending has at least
FALLBACK_MIN letters: "konsekvens" finds "konsekvenser", "klage" finds "klagede", "true" finds
"truer" and "truede". Irregular forms, and past tenses of words too short for the rule, are
terms of their own ("trusler", "råbte").

A compound term matches its own inflected forms, but a word is never looked for inside a
compound ("sanktion" does not find "sanktionsvejledning"; no compound splitting). A phrase
("ked af det") matches consecutive tokens, each compared as above. A token holding a digit
never matches a term (numbers, CPR-like digits); numbers are for `patterns`, regular
expressions searched in the normalised (lower-case) tokens joined by single spaces ("§ 17",
"paragraf 13"). PERF: a pattern that begins with literal text ("paragraf", not "\\bparagraf"
or a case-insensitive flag) is found by a fast scan; the others cost some 20 ms per 150,000 words.

Within one category a token belongs to at most one match: the leftmost match wins; of matches
starting at the same token the one spanning most tokens, then the term whose words the tokens
start with ("sanktioner" is "sanktion", not "sanktionere"), then the longest term.
"""

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress

import snowballstemmer

from feedback.config import ConfigError
from meetings.records import FLAG_TONES, ROLES

# Endings that turn a Danish base form into an inflected one (nouns, adjectives, verbs).
INFLECTIONS = frozenset((
    "", "e", "n", "r", "s", "t",
    "en", "er", "et", "es", "ne", "re", "de", "te", "st", "ns", "rs", "ts",
    "ene", "ere", "ede", "ens", "ers", "ets", "est", "nes", "rne", "tes", "des", "ste",
    "ende", "erne", "enes", "este", "edes", "rnes", "ernes", "endes",
))
GUARD_CUT = 2  # DESIGN: the stemmer cutting this many letters or more off a word triggers the guard
FALLBACK_MIN = 4  # DESIGN: spelling alone matches (stems differ) only on a base this long

_EDGE = re.compile(r"^[^\w§]+|[^\w§]+$")  # punctuation around a token (§ is kept: "§17")
_DIGIT = re.compile(r"\d")
_STEMMER = snowballstemmer.stemmer("danish")
_FIELDS = {"label", "tone", "speakers", "terms", "patterns"}


@dataclass(frozen=True)
class Category:
    name: str  # "konflikt"
    label: str  # Danish, for the user: "konflikt og vrede"
    tone: str  # "concern" | "strength" | "info"
    speakers: tuple[str, ...]  # roles whose words count; () = anyone
    terms: tuple[str, ...]  # words or phrases, base forms
    patterns: tuple[str, ...] = ()  # regular expressions on the normalised text


@dataclass(frozen=True)
class LexiconMatch:
    category: str  # Category.name
    term: str  # the configured term or pattern that matched
    first: int  # token index of the first matched token
    end: int  # one past the last matched token
    matched: str  # the matched tokens as spoken, joined by spaces, without surrounding punctuation


@lru_cache(maxsize=1 << 16)
def _clean(token: str) -> str:
    """The token as spoken, without whitespace and punctuation around it."""
    return _EDGE.sub("", token.strip())


def _normalise(token: str) -> str:
    return _EDGE.sub("", token.strip()).lower()


# PERF: plain dicts read through map() keep the pass over every token in C (faster than
# lru_cache); cleared when they grow past _CACHE_MAX entries.
_CACHE_MAX = 1 << 17
_WORDS: dict[str, str] = {}  # token -> normalised word


def _cached_map(function, keys: list[str], cache: dict) -> list:
    """[function(key) for key in keys], each distinct key computed once and kept in cache."""
    values = list(map(cache.get, keys))
    if None in values:
        if len(cache) > _CACHE_MAX:
            cache.clear()
        cache.update({key: function(key) for key in set(keys).difference(cache)})
        values = list(map(cache.get, keys))
        if None in values:  # another thread cleared the cache meanwhile
            values = [function(key) if value is None else value for key, value in zip(keys, values)]
    return values


def _normalise_all(tokens: list[str]) -> list[str]:
    return _cached_map(_normalise, tokens, _WORDS)


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str | None:
    """The Snowball stem of a normalised word, or None where it can match no term."""
    if not word or _DIGIT.search(word):
        return None
    return _STEMMER.stemWord(word)


@lru_cache(maxsize=1 << 16)
def _inflects(form: str, word: str, min_base: int) -> bool:
    """Whether `word` is `form` (or it less its last letter, or with that letter doubled)
    followed by an inflection ending, the part before the ending at least `min_base` long."""
    for base in (form, form[:-1], form + form[-1:]):
        if len(base) >= min_base and word.startswith(base) and word[len(base):] in INFLECTIONS:
            return True
    return False


def _bases(word: str) -> set[str]:
    """The parts before an inflection ending `word` may be split into (fallback look-up)."""
    return {word[:len(word) - cut] for cut in range(6)
            if len(word) - cut >= FALLBACK_MIN and word[len(word) - cut:] in INFLECTIONS}


@dataclass(frozen=True)
class _Word:
    form: str  # normalised term word
    stem: str
    guarded: bool  # the stemmer cut GUARD_CUT letters or more off it

    def matches(self, word: str, stem: str) -> bool:
        if word == self.form:
            return True
        if stem != self.stem:
            return _inflects(self.form, word, FALLBACK_MIN)
        if not self.guarded and len(word) - len(stem) < GUARD_CUT:
            return True
        return _inflects(self.form, word, len(stem))


@dataclass(frozen=True)
class _Term:
    category: int  # index into Lexicon.categories
    term: str
    words: tuple[_Word, ...]
    anchor: int  # the word looked up in the index: the longest, not a common little word


# PERF: a phrase is looked up by its longest word that is not one of these, so that the tokens
# "det", "jeg", "i" do not each start a look at "det er løgn", "jeg gider ikke", "i gider ikke".
_COMMON = frozenset({
    "af", "at", "de", "dem", "den", "der", "det", "du", "efter", "en", "er", "et", "for", "fra",
    "har", "hun", "han", "i", "ikke", "jeg", "kan", "man", "med", "mig", "min", "mit", "nu", "og",
    "om", "op", "på", "sig", "selv", "som", "så", "til", "ud", "var", "vi", "vil",
})


def _anchor(words: tuple[_Word, ...]) -> int:
    return max(range(len(words)), key=lambda i: (words[i].form not in _COMMON, len(words[i].form), i))


def _term_words(term: str) -> tuple[_Word, ...]:
    """The term's words; none where a word holds a digit (such a term could never match)."""
    words = []
    for part in term.split():
        form = _normalise(part)
        if not form:
            continue
        stem = _stem(form)
        if stem is None:
            return ()
        words.append(_Word(form, stem, len(form) - len(stem) >= GUARD_CUT))
    return tuple(words)


class Lexicon:
    """Word lists by category; `find` says where in a list of tokens their terms occur."""

    categories: tuple[Category, ...]

    def __init__(self, categories: tuple[Category, ...] | list[Category]):
        self.categories = tuple(categories)
        # The anchor word's stem, and the bases its spelling-rule forms start with -> terms.
        self._index: dict[str, list[_Term]] = {}
        self._candidates: dict[str, tuple[_Term, ...]] = {}  # per distinct word, filled by find
        self._patterns: list[tuple[int, str, re.Pattern]] = []
        for number, category in enumerate(self.categories):
            for term in category.terms:
                words = _term_words(term)
                if not words:
                    continue
                anchor = _anchor(words)
                entry = _Term(number, term, words, anchor)
                form = words[anchor].form
                keys = {words[anchor].stem} | {base for base in (form, form[:-1], form + form[-1:])
                                               if len(base) >= FALLBACK_MIN}
                for key in keys:
                    self._index.setdefault(key, []).append(entry)
            for pattern in category.patterns:
                self._patterns.append((number, pattern, re.compile(pattern)))
        self._key_lengths = sorted({len(key) for key in self._index})

    @classmethod
    def from_config(cls, table: dict) -> "Lexicon":
        """From the [lexicon] table: {name: {label, tone, speakers, terms, patterns}}."""
        return cls([_category(name, spec) for name, spec in table.items()])

    def _terms_for(self, word: str) -> tuple[_Term, ...]:
        """The terms whose anchor word matches this normalised word."""
        # PERF: Snowball stems are prefixes of the word, and so are the spelling rule's bases:
        # a word none of whose prefixes is an index key matches nothing, and is not stemmed.
        if not any(word[:length] in self._index for length in self._key_lengths if length <= len(word)):
            return ()
        stem = _stem(word)
        if stem is None:
            return ()
        seen: dict[int, _Term] = {}
        for index_key in (stem, *sorted(_bases(word))):
            for term in self._index.get(index_key, ()):
                if id(term) not in seen and term.words[term.anchor].matches(word, stem):
                    seen[id(term)] = term
        return tuple(seen.values())

    def find(self, tokens: list[str], role: str | None = None) -> list[LexiconMatch]:
        """The matches in `tokens`, in token order. `role` is the speaker's role; with None the
        categories' speaker restrictions are ignored."""
        active = [role is None or not c.speakers or role in c.speakers for c in self.categories]
        if not tokens or not any(active):
            return []
        words = _normalise_all(tokens)
        # PERF: candidate terms per distinct word, cached; map() and compress() keep the pass
        # over every token in C, and only the few tokens with candidates reach Python code.
        starting = _cached_map(self._terms_for, words, self._candidates)
        found: list[tuple[int, int, int, int, str]] = []  # (category, first, end, prefix words, term)
        count = len(tokens)
        for at in compress(range(count), starting):
            for term in starting[at]:
                first = at - term.anchor
                end = first + len(term.words)
                if not active[term.category] or first < 0 or end > count:
                    continue
                prefixed = 0
                for term_word, word in zip(term.words, words[first:end]):
                    stem = _stem(word)
                    if stem is None or not term_word.matches(word, stem):
                        break
                    prefixed += word.startswith(term_word.form)
                else:
                    found.append((term.category, first, end, prefixed, term.term))
        if any(active[number] for number, _, _ in self._patterns):
            found.extend(self._pattern_matches(words, active))
        return self._select(found, tokens)

    def _pattern_matches(self, words: list[str], active: list[bool]) -> list[tuple[int, int, int, int, str]]:
        """Pattern hits as (category, first, end, 0, pattern); a hit covers every token it touches."""
        text = " ".join(words)  # a punctuation-only token is "", kept so offsets stay simple
        letters: list[int] = []  # letters before each token, made on the first hit

        def start(index: int) -> int:  # where token `index` begins in text
            return letters[index] + index

        tokens = range(len(words))
        found = []
        for number, pattern, regex in self._patterns:
            if not active[number]:
                continue
            for hit in regex.finditer(text):
                if hit.end() <= hit.start():
                    continue
                if not letters:
                    letters.extend(accumulate(map(len, words), initial=0))
                first = bisect_right(tokens, hit.start(), key=start) - 1
                last = bisect_left(tokens, hit.end(), key=start) - 1
                found.append((number, first, last + 1, 0, pattern))
        return found

    def _select(self, found: list[tuple[int, int, int, int, str]], tokens: list[str]) -> list[LexiconMatch]:
        """Per category: leftmost, then most tokens, then the tokens start with the term's
        words, then the longest term; no token in two matches."""
        found.sort(key=lambda f: (f[0], f[1], f[1] - f[2], -f[3], -len(f[4])))
        chosen, category, reach = [], -1, 0
        for number, first, end, _, term in found:
            if number != category:
                category, reach = number, 0
            if first < reach:
                continue
            reach = end
            chosen.append((first, number, end, term))
        chosen.sort()
        return [
            LexiconMatch(self.categories[number].name, term, first, end,
                         " ".join(word for word in (_clean(t) for t in tokens[first:end]) if word))
            for first, number, end, term in chosen
        ]


def _category(name: str, spec) -> Category:
    where = f"lexicon.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(f"'{where}' skal være en tabel med label, tone, speakers, terms og patterns.")
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise ConfigError(f"Ukendt indstilling '{where}.{unknown[0]}'.")
    label = spec.get("label", name)
    tone = spec.get("tone")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"'{where}.label' skal være en tekst.")
    if tone not in FLAG_TONES:
        raise ConfigError(f"'{where}.tone' skal være en af {', '.join(FLAG_TONES)}, ikke {tone!r}.")
    speakers = _strings(spec.get("speakers", []), f"{where}.speakers")
    for speaker in speakers:
        if speaker not in ROLES:
            raise ConfigError(f"'{where}.speakers' nævner en ukendt rolle '{speaker}' "
                              f"(kendte: {', '.join(ROLES)}).")
    terms = _strings(spec.get("terms", []), f"{where}.terms")
    for term in terms:
        if _DIGIT.search(term):
            raise ConfigError(f"'{where}.terms' har et tal i {term!r}; tal kan kun findes med patterns.")
        if not _term_words(term):
            raise ConfigError(f"'{where}.terms' har et tomt ord: {term!r}.")
    patterns = _strings(spec.get("patterns", []), f"{where}.patterns")
    for pattern in patterns:
        try:
            regex = re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"'{where}.patterns' har et ugyldigt regulært udtryk {pattern!r}: {error}.") from None
        if regex.match(""):
            raise ConfigError(f"'{where}.patterns': {pattern!r} finder også den tomme tekst.")
    return Category(name, label, tone, speakers, terms, patterns)


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"'{where}' skal være en liste af tekster.")
    return tuple(value)
