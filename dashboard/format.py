"""Small Danish formatting shared by the pages."""

import functools
import importlib.util
import re
from pathlib import Path

from feedback.labels import DATE_FORMAT, clock, count, day, day_time, percent  # noqa: F401  here for the pages; the CLI shares them


# Steps a reader counts in on a clock: a time axis ticks at whole multiples of one of them.
CLOCK_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def clock_ticks(duration_s: float, intervals: int = 6) -> list[float]:
    """Round clock times from 0 to `duration_s` for a time axis, at most `intervals` + 1 of them:
    0, 10, 20, 30 s for a 37 s meeting and whole quarters of an hour for one of an hour, not the
    decimal steps a chart picks by itself (00:50, 16:40)."""
    step = next((s for s in CLOCK_STEPS_S if duration_s / s <= intervals), None)
    if step is None:
        step = 3600 * -(-duration_s // (3600 * intervals))
    return [float(i * step) for i in range(int(duration_s // step) + 1)]


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters on one line, with "…" where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def decimal(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",") + (f" {unit}" if unit else "")


# Everything that could make transcript text into markup: emphasis, code, links, HTML, maths,
# Streamlit's :colour[...] directives and :emoji: codes, tables, strikethrough, and a number with
# a full stop at the very start (a numbered list). A colon only starts a directive or code when
# something follows it at once, so "Sparring: Anne" stays as is. A bare address (www.…, https://…)
# still becomes a link: GFM finds those in the text after escapes are undone; such a link opens
# only when clicked, in a new tab without referrer, and nothing is fetched by itself.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~$&=^]|:(?=\S)|(?<=^\d)\.|(?<=^\d\d)\.)")


def escape(text: str) -> str:
    """Plain text as markdown that shows exactly that text."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


BASE_MODEL_NOTE = ("Teksten er lavet af Whisper base, den lille flersprogede standardmodel: på dansk er omkring "
                   "hvert andet ord forkert (WER 0,45 på oplæst tale, mere i samtale). Lyt til lyden, før du "
                   "citerer nogen.")


def model_note(model: str | None) -> str | None:
    """What a reader should know about the model that made the text: said plainly for base, the
    published Danish figure for a model medlyt recommends, nothing for one it does not know."""
    from models.registry import DOWNLOADABLE, RECOMMENDED_DANISH

    if model == "base":
        return BASE_MODEL_NOTE
    downloaded = DOWNLOADABLE.get(model or "")
    if downloaded is not None and downloaded.published:
        return (f"Teksten er lavet af {downloaded.name}: offentliggjort {downloaded.published} ({downloaded.source}). "
                "Lyt til lyden, før du citerer nogen.")
    known = next((m for m in RECOMMENDED_DANISH if m.name == model and m.coral_wer is not None), None)
    if known is None:
        return None
    return (f"Teksten er lavet af {known.name}: offentliggjort WER {decimal(known.coral_wer)} % på CoRals oplæste "
            f"danske tale ({known.source}); i samtale er tallet højere. Lyt til lyden, før du citerer nogen.")


# Colours of text a reader must be able to read: WCAG 2.1 AA asks 4.5:1 against white and against
# the search highlight. Streamlit's own :gray[...] and :orange[...] are lighter than that.
UNSURE_COLOUR = "#64625e"  # words Whisper was unsure of (with italics): 6.1:1 on white
WARNING_COLOUR = "#9a4f00"  # "Kladde: ikke gemt", the model's note: 6.0:1 on white
# Buttons, chips and focus rings (Streamlit's theme, the upload widget, the login form). Streamlit's
# own accent is a red (#ff4b4b): white on it is 3.3:1, and red chips reading "Styrke" contradict
# the overview, where red marks a point of attention. White on this blue is 6.9:1.
ACCENT_COLOUR = "#2f5d8a"


def text_font_face(base: str) -> str:
    """A CSS @font-face for Streamlit's own text font (Source Sans, a file in its package), at
    `base` + the file's name, where Streamlit's server gives it; for our own HTML (the login
    page, the upload frame), which does not inherit the app's fonts. Empty where this Streamlit
    ships none by that name: the page then writes in the system's letters."""
    name = streamlit_font_file()
    if name is None:
        return ""
    return (f'@font-face {{ font-family: "Source Sans"; font-weight: 100 900; '
            f'src: url("{base}{name}") format("woff2"); }}')


@functools.cache  # looked for once: the installed Streamlit does not change while the server runs
def streamlit_font_file() -> str | None:
    spec = importlib.util.find_spec("streamlit")  # found, not imported: the CLI imports this module too
    if spec is None or not spec.submodule_search_locations:
        return None
    media = Path(spec.submodule_search_locations[0]) / "static" / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright*.woff2"))
    return found[0].name if found else None


def coloured(markdown: str, colour: str) -> str:
    """Markdown in a colour of its own (Streamlit's :color[...] directive)."""
    return f':color[{markdown}]{{foreground="{colour}"}}'


def channel_list(meeting) -> str:
    """Which speaker is on which channel: "kanal 1 sagsbehandler, kanal 2 borger"."""
    placed = sorted((p for p in meeting.speaking_participants if p.channel), key=lambda p: p.channel)
    return ", ".join(f"kanal {p.channel} {p.label.lower()}" for p in placed)
