"""Open question, closed question or no question: rules for Danish utterances. Pure, no I/O.

Tokens are Whisper's words (" Okay,", " hvad", " tænker", " du", " om", " det?") or
`text.split()`. Each token is stripped of whitespace and of the punctuation around it and
lower-cased; the punctuation is kept only as hints: a comma after a word, and the utterance's
final mark ('?', '!' or '.'). Whisper often drops the '?', so no rule needs it, but it decides
the cases the word order leaves open. Every word list comes from the [questions] table of the
configuration (see `QuestionRules`); the code holds only the word-order rules and a few
inflection endings (verbs -er/-ede/-te, adjectives -ig/-som/-ende/-isk/-t).

`classify` tries these in order and the first that applies wins:

 1. Nothing but discourse markers ("Ja.", "Okay?", "Øh") -> None: a backchannel.
 2. An invitation to tell -> "open", even with '!':
    - an imperative or a fixed invitation phrase first, after the markers: "Fortæl lidt om ...",
      "Prøv at beskrive ...", "Giv et eksempel", "Jeg vil gerne høre ...", "Jeg kunne godt
      tænke mig at høre ..." (`invite_words`);
    - a yes/no question whose main verb is an invitation infinitive within four words of the
      subject: "Kan du fortælle mig om ...", "Vil du prøve at beskrive ...".
    Phrases match with at most one filler word between their words ("Prøv lige at beskrive",
    "Giv mig et eksempel", "Jeg vil gerne lige høre").
 3. Anything else ending in '!' -> None: an exclamation ("Hvor er det godt!", "Er det ikke
    flot!").
 4. An hv-word first, after the markers (also after "så": "Så hvad tænker du?") -> "open",
    "Hvor meget/mange/længe ...", "Hvad med ..." included. "hvis" is no hv-word. Without a
    final '?' (or with one that ends a tag) two look-alikes are not open, and fall through to
    the tag rule:
    - hv-word + subject + more: an embedded clause or pseudo-cleft, a statement ("Hvad du skal
      gøre nu, er at ...", "Hvor jeg bor, er der ..."). "Hvorfor det?" stays a question.
    - an exclamation with an `exclamation_words` word ("hvor", "hvilken"): hv + adjective with
      no verb-subject inversion after it ("Hvor dejligt", "Hvor godt du har klaret det",
      "Hvilken dejlig dag") or hv + verb + subject + adjective ("Hvor er det godt", "Hvor er du
      dygtig"). "Hvor gammel er du", "Hvor godt kender du ..." have inversion; "Hvor meget",
      "Hvor mange" are no adjectives. An adjective is told by its ending (-ig, -som, -ende,
      -isk; and -t, the neuter form, only after a neuter subject "det", since after "du" a -t
      word is usually a participle: "Hvor er du født"); -et (participles: "Hvor er det
      placeret") and superlatives (-st: "Hvor er det nemmest") are no adjectives.
 5. A finite verb first, followed by a subject within the next 1-2 words -> "closed": "Har du",
    "Kunne du", "Er det", "Har I", "Er der nogen". A verb is a `closed_verbs` word or a word of
    4+ letters ending like a present or past tense (-er, -ede, -te), which then needs the
    subject right after it ("Arbejder du", "Søgte du"); `non_verbs` lists look-alikes ("Efter
    det ...", "Næste gang du ..."). Markers are skipped first ("Og har du ...", "Okay, har
    du ..."), except an `inverting_leads` adverb without a comma after it: "Så har du fået
    brevet" is ordinary V2 word order, a statement. Not questions despite the order:
    - topic-drop answers: a `first_person` subject, at most two words after it and no '?'
      ("Ved jeg ikke", "Tror jeg nok", "Kan jeg godt");
    - a conditional clause: a comma and an `inverting_leads` adverb later ("Har du spørgsmål,
      så ring bare").
 6. A tag at the end, after some content -> "closed" ("..., ikke?", "... vel", "... ikke
    også", "... eller hvad", "..., eller?"). A tag written with a leading comma in the
    configuration counts only when set off by a comma or followed by '?', because a bare
    final "ikke" is the negation of a statement ("Det ved jeg ikke").
 7. A final '?' on anything else -> "closed", a declarative question ("Du har fået brevet?"),
    or "open" when the last word is an hv-word ("Og du kom fra hvor?").
 8. Otherwise None: statements, answers, embedded questions ("Jeg ved ikke, hvad jeg skal"),
    imperatives that invite no story ("Skriv under her", "Husk lønsedlerne"), "ikke" inside a
    statement.

"eller"-choice questions are closed by rules 5-7 ("Vil du have fuldtid eller deltid",
"Fuldtid eller deltid?", "Kan du mandag, eller?"); a bare "Mandag eller tirsdag" without '?'
stays None, since an answer looks the same.

The pronoun "I" (you, plural) and the preposition "i" differ only in case. Whisper writes "I",
so where an utterance has both upper- and lower-case letters, only "I" is the pronoun; where
case carries no information (all lower or all upper case) "i" may be either and is read as the
pronoun.

Known limits (rules on word order, no parser, no prosody):
 - Without '?', short yes/no questions with "jeg"/"vi" read as answers ("Skal jeg hjælpe dig",
   "Skal vi sige mandag"), and topic-drop answers without "jeg" read as questions ("Tror det",
   "Sender det i morgen"): the dropped subject is invisible.
 - Verbs that double as other words: "ved" (knows / at: "Ved det møde ...") and imperatives
   with a subject-like object ("Gør det færdigt") read as questions; "Så du brevet" (saw) does
   not, as "så" is taken as the adverb.
 - A fronted subordinate clause hides the question after it unless '?' is there ("Hvis du har
   tid, kan du så komme på mandag").
 - "Jeg vil gerne høre, om du har søgt ..." is counted open, though it asks yes or no;
   "Har du prøvet at forklare det ..." is counted open (the infinitive window is blind to
   "prøvet"); "Så kan du fortælle mig om ..." (V2, a statement) is not counted open.
 - "Hvad angår ...", "Hvad?" (a repair) are counted open; "Hvor synd" (no adjective ending) is
   counted open; "Hvor tit" or "Hvor langt" alone without '?' count as exclamations.
 - Phrases (invitations, tags) are matched on exact words; a lead word must be one word.
 - "f.eks." does not end an utterance (a dot inside the word), but "ca." and "kl." do.
"""

import functools
from dataclasses import dataclass

SEPARATORS = ",;:–—"  # punctuation that sets a word off as a comma does
CLOSING = "\"'»«”“’)]"  # may follow a sentence's final mark ('det?"')
SENTENCE_END = ".?!"
VERB_ENDINGS = ("er", "ede", "te")  # present tense (arbejder), past tense (arbejdede, søgte)
ADJECTIVE_ENDINGS = ("ig", "igt", "ige", "som", "somt", "ende", "isk", "iske")
INFINITIVE_WINDOW = 4  # "Kunne du måske prøve at fortælle": the infinitive 4 words after "du"
TOPIC_DROP_MAX_AFTER = 2  # "Ved jeg ikke rigtig": at most this many words after the subject


@dataclass(frozen=True)
class QuestionRules:
    open_words: frozenset[str]
    invite_words: frozenset[str]
    invite_infinitives: frozenset[str]
    closed_verbs: frozenset[str]
    subject_words: frozenset[str]
    tag_endings: tuple[str, ...]
    lead_words: frozenset[str]
    # Optional refinements (empty = the rule is off); see the configuration's comments.
    exclamation_words: frozenset[str] = frozenset()
    inverting_leads: frozenset[str] = frozenset()
    non_verbs: frozenset[str] = frozenset()
    first_person: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, table: dict) -> "QuestionRules":
        """The [questions] table: lists of strings. Entries are normalised as tokens are, so
        the file may use any case, except that the pronoun "I" must be written "I"."""
        required = ("open_words", "invite_words", "invite_infinitives", "closed_verbs",
                    "subject_words", "tag_endings", "lead_words")
        optional = ("exclamation_words", "inverting_leads", "non_verbs", "first_person")
        missing = [key for key in required if key not in table]
        if missing:
            raise ValueError(f"[questions] mangler '{missing[0]}'.")
        values = {}
        for key in required + optional:
            entries = table.get(key, [])
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                raise ValueError(f"[questions] '{key}' skal være en liste af tekster.")
            normalised = [e for e in map(normalise_entry, entries) if e]
            values[key] = tuple(normalised) if key == "tag_endings" else frozenset(normalised)
        return cls(**values)


def normalise_entry(entry: str) -> str:
    """A configured word or phrase as tokens are normalised; a leading comma (tags) is kept."""
    text = " ".join(word for word in (fold(core_of(w)[0]) for w in entry.split()) if word)
    if text and entry.strip().startswith(","):
        return "," + text
    return text


def fold(word: str) -> str:
    # "I" (you, plural) must stay apart from the preposition "i"; everything else lower-cased.
    return word if word == "I" else word.lower()


@functools.lru_cache(maxsize=65536)  # a meeting's vocabulary is small; its tokens are many
def core_of(token: str) -> tuple[str, str]:
    """The token without surrounding whitespace and punctuation, and the punctuation after it."""
    token = token.strip()
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[start:end], token[end:]


def split_utterances(tokens: list[str]) -> list[tuple[int, int]]:
    """Half-open token index spans [i, j): a new utterance after a token ending in . ? or !"""
    spans, start = [], 0
    for i, token in enumerate(tokens):
        if ends_sentence(token):
            spans.append((start, i + 1))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans


@functools.lru_cache(maxsize=65536)
def ends_sentence(token: str) -> bool:
    text = token.strip().rstrip(CLOSING)
    if not text or text[-1] not in SENTENCE_END:
        return False
    core, _ = core_of(text)
    # An abbreviation has a dot inside the word ("f.eks.", "bl.a."); its last dot ends nothing.
    is_abbreviation = text[-1] == "." and "." in core and any(c.isalpha() for c in core)
    return not is_abbreviation


@dataclass(frozen=True)
class Parsed:
    words: tuple[str, ...]  # normalised, punctuation-only tokens dropped
    set_off: tuple[bool, ...]  # a comma (or the like) after the word
    end: str  # the final mark: "?", "!", "." or ""


def parse(tokens: list[str]) -> Parsed:
    joined = "".join(tokens)
    # Both cases present: then a lower-case "i" is the preposition, not the pronoun "I".
    case_informative = joined != joined.lower() and joined != joined.upper()
    words: list[str] = []
    set_off: list[bool] = []
    for token in tokens:
        core, after = core_of(token)
        if not core:  # a lone "," or "?" token belongs to the word before it
            if words and any(c in SEPARATORS for c in token):
                set_off[-1] = True
            continue
        word = fold(core)
        if word == "i" and not case_informative:
            word = "I"
        words.append(word)
        set_off.append(any(c in SEPARATORS for c in after))
    return Parsed(tuple(words), tuple(set_off), final_mark(tokens))


def final_mark(tokens: list[str]) -> str:
    text = "".join(tokens).rstrip()
    i = len(text)
    while i > 0 and not text[i - 1].isalnum():
        i -= 1
    tail = text[i:]
    # "?!" is a surprised question, so '?' wins.
    return next((mark for mark in "?!." if mark in tail), "")


def classify_text(text: str, rules: QuestionRules) -> str | None:
    return classify(text.split(), rules)


def classify(tokens: list[str], rules: QuestionRules) -> str | None:
    """'open', 'closed' or None for one utterance's tokens."""
    p = parse(tokens)
    words = p.words
    content = skip_leads(p, rules, stop_at_inverting=False)
    if content == len(words):  # empty, punctuation only, or markers only: a backchannel
        return None
    verb_start = skip_leads(p, rules, stop_at_inverting=True)
    if is_invitation(words, content, verb_start, rules):
        return "open"
    if p.end == "!":
        return None
    if words[content] in rules.open_words:
        result = classify_hv(p, content, rules)
        if result:
            return result
    elif is_yes_no(p, verb_start, rules):
        return "closed"
    if has_tag(p, content, rules):
        return "closed"
    if p.end == "?":
        return "open" if words[-1] in rules.open_words else "closed"
    return None


def skip_leads(p: Parsed, rules: QuestionRules, stop_at_inverting: bool) -> int:
    """Index of the first word after the discourse markers. With stop_at_inverting, an adverb
    such as "så" without a comma stays: it holds the first place, so a verb after it is V2."""
    i = 0
    while i < len(p.words) and p.words[i] in rules.lead_words:
        if stop_at_inverting and p.words[i] in rules.inverting_leads and not p.set_off[i]:
            break
        i += 1
    return i


def is_verb(word: str, rules: QuestionRules) -> bool:
    return word in rules.closed_verbs or looks_finite(word, rules)


def looks_finite(word: str, rules: QuestionRules) -> bool:
    return len(word) >= 4 and word.endswith(VERB_ENDINGS) and word not in rules.non_verbs


def subject_after_verb(words: tuple[str, ...], v: int, rules: QuestionRules) -> int | None:
    """Index of the subject when words[v] is a finite verb with a subject right after it (or
    one word later for a listed verb: "Er der nogen"), else None."""
    if v >= len(words) or not is_verb(words[v], rules):
        return None
    if v + 1 < len(words) and words[v + 1] in rules.subject_words:
        return v + 1
    # A guessed verb ("Næste gang du ...") gets no second chance: too many false hits.
    listed = words[v] in rules.closed_verbs
    if listed and v + 2 < len(words) and words[v + 2] in rules.subject_words:
        return v + 2
    return None


def phrase_at(words: tuple[str, ...], start: int, phrase: str) -> bool:
    """The phrase's words from `start`, with at most one filler word between two of them."""
    parts = phrase.split()
    if start >= len(words) or not same_word(words[start], parts[0]):
        return False
    at = start
    for part in parts[1:]:
        if at + 1 < len(words) and same_word(words[at + 1], part):
            at += 1
        elif at + 2 < len(words) and same_word(words[at + 2], part):
            at += 2
        else:
            return False
    return True


def same_word(word: str, entry: str) -> bool:
    # Where case told nothing, a preposition "i" was read as the pronoun "I"; an entry's "i"
    # (the preposition: "interesseret i at høre") still matches it.
    return word == entry or (word == "I" and entry == "i")


def starts_with_any(words: tuple[str, ...], start: int, phrases: frozenset[str]) -> bool:
    if start >= len(words):
        return False
    index = phrases_by_first_word(phrases)
    candidates = index.get(words[start], ()) + (index.get("i", ()) if words[start] == "I" else ())
    return any(phrase_at(words, start, phrase) for phrase in candidates)


@functools.lru_cache(maxsize=16)
def phrases_by_first_word(phrases: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Only phrases that can start at a word need checking there: a long meeting classifies
    thousands of utterances."""
    index: dict[str, tuple[str, ...]] = {}
    for phrase in phrases:
        first = phrase.split()[0]
        index[first] = index.get(first, ()) + (phrase,)
    return index


def is_invitation(words: tuple[str, ...], content: int, verb_start: int,
                  rules: QuestionRules) -> bool:
    if starts_with_any(words, content, rules.invite_words):
        return True
    subject = subject_after_verb(words, verb_start, rules)
    # "Kan jeg fortælle dig ..." offers, it does not invite the citizen to tell.
    if subject is None or words[subject] in rules.first_person:
        return False
    window = range(subject + 1, min(subject + 1 + INFINITIVE_WINDOW, len(words)))
    return any(starts_with_any(words, k, rules.invite_infinitives) for k in window)


@functools.lru_cache(maxsize=16)
def tags_by_last_word(tags: tuple[str, ...]) -> dict[str, tuple[tuple[bool, tuple[str, ...]], ...]]:
    index: dict[str, tuple] = {}
    for tag in tags:
        parts = tuple(tag.lstrip(",").split())
        entry = (tag.startswith(","), parts)
        index[parts[-1]] = index.get(parts[-1], ()) + (entry,)
        if parts[-1] == "i":  # a final "i" may have been read as the pronoun "I"
            index["I"] = index.get("I", ()) + (entry,)
    return index


def classify_hv(p: Parsed, h: int, rules: QuestionRules) -> str | None:
    words = p.words
    # A '?' settles it, unless it belongs to a tag ("Hvad du skal gøre, er at ringe, ikke?").
    if p.end == "?" and not has_tag(p, h, rules):
        return "open"
    # hv + subject + more is an embedded clause ("Hvad du skal gøre nu, er ..."); a question
    # inverts ("Hvad skal du ..."). "Hvorfor det" (nothing more) is still a question.
    if h + 2 < len(words) and words[h + 1] in rules.subject_words:
        return None
    if is_exclamation(words, h, rules):
        return None
    return "open"


def is_exclamation(words: tuple[str, ...], h: int, rules: QuestionRules) -> bool:
    if words[h] not in rules.exclamation_words or h + 1 >= len(words):
        return False
    after = words[h + 1]
    if is_verb(after, rules) and h + 3 < len(words) and words[h + 2] in rules.subject_words:
        # "Hvor er det godt": the -t adjective agrees with a neuter subject ("det", "dit").
        return looks_adjective(words[h + 3], neuter=words[h + 2].endswith("t"))
    # "Hvor dejligt (at du kom)": an adjective with no inverted verb and subject after it.
    return looks_adjective(after, neuter=True) and not has_inversion(words, h + 2, rules)


def looks_adjective(word: str, neuter: bool) -> bool:
    if word.endswith(ADJECTIVE_ENDINGS):
        return True
    # -t is the neuter adjective ("godt", "dejligt"), but -et is a participle ("placeret",
    # "meget") and -st a superlative ("nemmest", "bedst"), except -ist ("trist").
    superlative = word.endswith("st") and not word.endswith("ist")
    return neuter and len(word) >= 3 and word.endswith("t") and not word.endswith("et") \
        and not superlative


def has_inversion(words: tuple[str, ...], start: int, rules: QuestionRules) -> bool:
    return any(is_verb(words[i], rules) and words[i + 1] in rules.subject_words
               for i in range(start, len(words) - 1))


def is_yes_no(p: Parsed, verb_start: int, rules: QuestionRules) -> bool:
    subject = subject_after_verb(p.words, verb_start, rules)
    if subject is None:
        return False
    # "(Det) ved jeg ikke": the object dropped from the first place, an answer.
    topic_drop = (p.words[subject] in rules.first_person and p.end != "?"
                  and len(p.words) - subject - 1 <= TOPIC_DROP_MAX_AFTER)
    return not topic_drop and not is_conditional(p, subject, rules)


def is_conditional(p: Parsed, subject: int, rules: QuestionRules) -> bool:
    """"Har du spørgsmål, så ring": the verb-first clause is a condition for what follows."""
    return any(p.set_off[k - 1] and p.words[k] in rules.inverting_leads
               for k in range(subject + 1, len(p.words)))


def has_tag(p: Parsed, content: int, rules: QuestionRules) -> bool:
    if not p.words:
        return False
    for needs_comma, parts in tags_by_last_word(rules.tag_endings).get(p.words[-1], ()):
        k = len(p.words) - len(parts)
        if k <= content:  # a tag needs something to tag
            continue
        if not all(same_word(word, part) for word, part in zip(p.words[k:], parts)):
            continue
        if needs_comma and not (p.set_off[k - 1] or p.end == "?"):
            continue
        return True
    return False
