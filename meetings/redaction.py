"""Masking of personal data in transcript text: CPR numbers, phone numbers and e-mail addresses.

A citizen often says their CPR number, phone number or e-mail address out loud during a
meeting, and Whisper writes it down faithfully. The transcript is shown in the dashboard and
exported for feedback sessions, where nobody needs these details, so they are not shown or
exported by default: each one is replaced by a Danish placeholder saying what was there.

Pure functions, no I/O. The rules lean towards masking only what looks like personal data, so
that years, amounts, times and dates in the conversation stay readable (see the patterns).
"""

import re
from collections.abc import Iterable
from dataclasses import replace

from meetings.records import Flag, Segment, Speaker, Word

CPR_PLACEHOLDER = "[CPR-nummer]"
PHONE_PLACEHOLDER = "[telefonnummer]"
EMAIL_PLACEHOLDER = "[e-mail]"

# Between digit groups Whisper writes a space, a hyphen (sometimes a typographic dash), or a
# hyphen with spaces around it ("010203 - 1234"). Dots are left out on purpose: they are how
# amounts ("12.500") and times ("kl. 10.30") are written.
_GAP = r"(?:[ \u00a0]?[-\u2010-\u2013][ \u00a0]?|[ \u00a0])"
_SEP = _GAP + "?"

# CPR: DDMMYY followed by four digits. The first six digits must look like a date (day 01-31,
# month 01-12), so an arbitrary ten-digit number (an account or case number, "9999991234") is
# not taken for a CPR number. The modulus 11 check is deliberately not used: CPR numbers issued
# since 2007 need not pass it. The date part is either written in one ("010203") or in pairs
# with gaps ("01 02 03", as Whisper may write it); the last four digits may also come in pairs.
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
# Typed (a note, a label) rather than heard, the date part may also be dotted ("01.02.03-1234");
# a dotted date alone ("den 12.03.2024") is not followed by four more digits and stays.
_DATE = (rf"(?:{_DAY}{_MONTH}[0-9]{{2}}|{_DAY}{_GAP}{_MONTH}{_GAP}[0-9]{{2}}"
         rf"|{_DAY}\.{_MONTH}\.[0-9]{{2}}(?={_GAP}))")
_CPR = rf"(?<![0-9]){_DATE}{_SEP}(?:[0-9]{{4}}|[0-9]{{2}}{_GAP}[0-9]{{2}})(?![0-9])"

# Phone: a Danish subscriber number is eight digits, written in one, in pairs ("12 34 56 78")
# or in fours ("1234 5678"), optionally after the country code (+45 or 0045; "45" alone only
# before pairs, where it cannot be mistaken for anything else). Fours take only a space: with a
# hyphen "1000-2000" is a range, and two years in a row ("2023 2024") are left alone. The
# digit guards keep eight digits inside a longer digit run (an account number) unmasked.
_PAIRS = rf"[0-9]{{2}}(?:{_GAP}[0-9]{{2}}){{3}}"
_FOURS = r"(?!(?:19|20)[0-9]{2}[ \u00a0](?:19|20)[0-9]{2}(?![0-9]))[0-9]{4}[ \u00a0][0-9]{4}"
# Fours with a hyphen ("1234-5678", as people type a number in a note) are a phone number too,
# unless they read as a range: two years ("2023-2024") or two round hundreds ("1000-2000 kr",
# "1500-2500"). No Danish address holds such a pair: postcodes and house numbers stand alone.
_DASH = r"[-\u2010-\u2013]"
_FOURS_DASHED = (rf"(?!(?:19|20)[0-9]{{2}}{_DASH}(?:19|20)[0-9]{{2}}(?![0-9]))"
                 rf"(?![0-9]{{2}}00{_DASH}[0-9]{{2}}00(?![0-9]))[0-9]{{4}}{_DASH}[0-9]{{4}}")
# Two, three and three ("12 345 678"), as some people say and type a number.
_TWO_THREE_THREE = r"[0-9]{2}[ \u00a0][0-9]{3}[ \u00a0][0-9]{3}"
_EIGHT = rf"(?:[0-9]{{8}}|{_PAIRS}|{_FOURS}|{_FOURS_DASHED}|{_TWO_THREE_THREE})"
_PHONE = (rf"(?:(?:\+|(?<![0-9])00)45{_SEP}{_EIGHT}|(?<![0-9])45{_GAP}{_PAIRS}|(?<![0-9]){_EIGHT})"
          r"(?![0-9])")

# E-mail: \w is Unicode, so Danish letters ("søren.ø@kommune.dk") and international domain
# names match. The top-level domain is letters only, so a full stop after the address stays.
# The local part is at most 64 characters (as in RFC 5321), which also keeps the search linear:
# unbounded, every position of a long run of letters would be scanned to its end.
_EMAIL = r"[\w.%+-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}"

CPR_PATTERN = re.compile(_CPR)
PHONE_PATTERN = re.compile(_PHONE)
EMAIL_PATTERN = re.compile(_EMAIL)

# One pass over the text with all three, so overlapping candidates are settled once, left to
# right. At the same position the e-mail comes first ("12345678@firma.dk" is an address, not a
# phone number with a domain left over), then CPR before phone (ten digits in pairs are a CPR
# number, not a phone number with two digits left over).
_ANY = re.compile(rf"(?P<email>{_EMAIL})|(?P<cpr>{_CPR})|(?P<phone>{_PHONE})")
_PLACEHOLDERS = {"email": EMAIL_PLACEHOLDER, "cpr": CPR_PLACEHOLDER, "phone": PHONE_PLACEHOLDER}


def _placeholder(match: re.Match) -> str:
    return _PLACEHOLDERS[match.lastgroup]


def redact(text: str) -> str:
    """The text with every CPR number, phone number and e-mail address replaced by its
    placeholder. Idempotent: redacting redacted text changes nothing."""
    return _ANY.sub(_placeholder, text)


def redact_segment(segment: Segment) -> Segment:
    """A copy of the segment with its text and its words redacted; the input is not changed.

    A number is often spread over several words ("12", "34", "56", "78"), so the words are
    redacted together: joined with spaces, matched as one text, and each word keeps the
    characters of its own that no match covers. The word where a match starts gets the
    placeholder; the rest of the match's words lose those characters, which usually leaves
    them empty (""). Such words are kept, not dropped, so the number of words and every start
    and end time stay as they were and anything aligned on them (loudness, flags) still lines
    up; whoever renders words should skip the empty ones.
    """
    return replace(segment, text=redact(segment.text), words=_redact_words(segment.words))


def redact_segments(segments: Iterable[Segment]) -> list[Segment]:
    return [redact_segment(s) for s in segments]


def redact_speakers(speakers: Iterable[Speaker]) -> list[Speaker]:
    """The speakers with their labels masked: a label is typed by a person, and may be a name
    with a phone number ("Borger 12 34 56 78")."""
    return [replace(s, label=redact(s.label)) for s in speakers]


def redact_value(value):
    """Every string inside a JSON-like value (dicts, lists, tuples) redacted; keys, numbers and
    everything else as they were. For a flag's evidence, which quotes what was said."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item) for item in value)
    return value


def redact_flag(flag: Flag) -> Flag:
    """A copy of the flag with its message and evidence redacted (a closed question streak, an
    open question or an observer's note can quote a number or an address); kind, times,
    speaker and tone, and so the flag's review key, stay as they were."""
    return replace(flag, message=redact(flag.message), evidence=redact_value(flag.evidence))


def _redact_words(words: list[Word]) -> list[Word]:
    # Where each word's stripped text lies in the joined text. Words without text are left out
    # of the join, so they cannot put two spaces between the digit groups of a number.
    spans: list[tuple[int, int] | None] = []
    parts: list[str] = []
    offset = 0
    for word in words:
        core = word.text.strip()
        if not core:
            spans.append(None)
            continue
        if parts:
            offset += 1  # the joining space
        spans.append((offset, offset + len(core)))
        parts.append(core)
        offset += len(core)
    joined = " ".join(parts)
    matches = list(_ANY.finditer(joined))
    if not matches:
        return list(words)
    result = []
    for word, span in zip(words, spans):
        if span is None or not any(m.start() < span[1] and span[0] < m.end() for m in matches):
            result.append(word)
            continue
        core = _redact_span(joined, span, matches)
        # Keep the word's own spacing around what is left ("Whisper style" words start with a
        # space); a word with nothing left becomes "" so it adds no stray space when joined.
        lead = word.text[:len(word.text) - len(word.text.lstrip())]
        trail = word.text[len(word.text.rstrip()):]
        result.append(replace(word, text=f"{lead}{core}{trail}" if core else ""))
    return result


def _redact_span(joined: str, span: tuple[int, int], matches: list[re.Match]) -> str:
    """One word's share of the redacted joined text: its own characters outside the matches,
    and the placeholder of each match that starts inside it."""
    first, last = span
    pieces = []
    at = first
    for m in matches:
        if m.end() <= first or m.start() >= last:
            continue
        pieces.append(joined[at:max(m.start(), first)])
        if m.start() >= first:
            pieces.append(_placeholder(m))
        at = min(m.end(), last)
    pieces.append(joined[at:last])
    return "".join(pieces)
