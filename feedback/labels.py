"""What the user reads about metrics and flags: Danish names and one-line explanations, shared
by `medlyt show` and the dashboard so both say the same thing."""

from datetime import datetime

from meetings.records import voices_heard

DATE_FORMAT = "%d.%m.%Y"  # the one date format users read everywhere: dd.mm.åååå

CONSENT_METHOD_LABELS = {"verbal": "mundtligt", "written": "skriftligt"}
MEETING_STATUS_LABELS = {"created": "oprettet", "recorded": "optaget", "processed": "transskriberet"}


def day(iso: str | None) -> str:
    """An ISO date or timestamp as dd.mm.åååå ("–" when there is none)."""
    return datetime.fromisoformat(iso).strftime(DATE_FORMAT) if iso else "–"


def day_time(iso: str | None) -> str:
    """An ISO timestamp as dd.mm.åååå tt:mm, in UTC as stored."""
    return datetime.fromisoformat(iso).strftime(f"{DATE_FORMAT} %H:%M") if iso else "–"


def count(n: int, one: str, many: str) -> str:
    """"1 styrke", "2 styrker", "0 styrker": the noun agrees with the number."""
    return f"{n} {one if n == 1 else many}"


def number(value: float, digits: int = 0) -> str:
    """Danish decimal comma: number(2.25, 1) is "2,2"."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(share: float | None) -> str:
    """A share as whole percent ("38 %"), "–" when there is none."""
    return "–" if share is None else f"{round(share * 100)} %"


def clock(seconds: float) -> str:
    """A time in a meeting as mm:ss, or t:mm:ss from an hour on."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def minutes(seconds: float) -> str:
    """A configured window in minutes: "1 minut", "5 minutter", and "1,5 minutter" for 90 s
    rather than a rounded "2 minutter"."""
    value = seconds / 60
    return f"{number(value, 0 if value.is_integer() else 1)} {'minut' if value == 1 else 'minutter'}"


# Talk shares on one microphone, measured on the built dialogues (README, "Hvem talte hvornår"):
# 1.6 points off on average, up to 3.1 where many short turns overlap and 4.4 on a built dialogue
# not used to choose any setting, where the quieter voice is only ~6 dB over the room's noise;
# always the quieter voice too low. With a microphone each, overlap is measured, and the balance
# needs no note.
ONE_MICROPHONE_NOTE = ("Taletiden er målt på stemmerne i én mikrofon. Taler to på én gang, tæller det for "
                       "begge, men et kort »ja« under den andens tale høres ikke altid, og en stemme langt fra "
                       "mikrofonen i et rum med støj mister nogle af sine stille stavelser. Den svageste stemmes "
                       "andel kan derfor være nogle procentpoint for lav: læs små forskelle varsomt. Med en "
                       "mikrofon til hver, der taler (vælges under Nyt møde), måles taletiden præcist.")


# Interruptions on one microphone, measured on the built dialogues (README, "Hvem talte hvornår"):
# 20 of 35 found, 2 false in 27.8 minutes (a real overlap measured a little long, and two voices
# starting together); on the synthetic meetings all 4, none false. The ones missed are where the
# quieter voice is not heard under the other, as for the balance.
INTERRUPTIONS_NOTE = ("Afbrydelserne er talt på stemmerne i én mikrofon. Hvor to taler på én gang, høres den "
                      "svageste stemme ikke altid, så tallet kan være for lavt: i samtaler med meget samtidig "
                      "tale fandt vi omkring halvdelen, og kun få, der ikke var der. Med en mikrofon til "
                      "hver, der taler, måles de på kanalerne.")


def interruptions_note(meeting, metrics: dict) -> str | None:
    """What the interruption count says about itself: on one microphone that it may be too low;
    nothing where there is no count (the voices could not be told apart)."""
    return None if meeting.microphone_each or metrics.get("interruptions") is None else INTERRUPTIONS_NOTE


def recorded_with(microphone_each: bool) -> str:
    """How a meeting was recorded, as the development table names it."""
    return "en mikrofon til hver" if microphone_each else "én mikrofon"


def mixed_recordings_note(microphone_each: list[bool]) -> str | None:
    """Under a caseworker's development, one flag per meeting: where meetings recorded on one
    microphone are among the points, that their share and interruptions are measured less
    surely, so a change between meetings recorded differently is not read as progress."""
    one = microphone_each.count(False)
    if not one:
        return None
    if one < len(microphone_each):
        which = f"{one} af de {len(microphone_each)} møder er"
    else:
        which = "Mødet er" if one == 1 else "Alle møderne er"
    return (f"{which} optaget med én mikrofon. Der kan den svageste stemmes andel være nogle procentpoint for "
            "lav, og ikke alle afbrydelser høres, hvor to taler på én gang. Sammenlign helst møder, der er "
            "optaget på samme måde (kolonnen »Optaget med« under Møderne).")


def balance_note(meeting, balance: dict) -> str | None:
    """What the balance says about itself wherever it is shown: fewer voices found than people
    speak (voices_note) first; else on one microphone how far to trust it; recorded with a
    microphone for each speaking participant nothing."""
    if (fewer := voices_note(meeting, voices_heard(balance))) is not None:
        return fewer
    return None if meeting.microphone_each else ONE_MICROPHONE_NOTE


def voices_note(meeting, voices: int) -> str | None:
    """Fewer `voices` with talk time (meetings.records.voices_heard) than people speak, on one
    microphone (Meeting.too_few_voices): the balance cannot show how the talk was shared, and
    the analysis has left out what rests on roles. Said before anything else about the balance."""
    if not meeting.too_few_voices(voices):
        return None
    speaking = len(meeting.speaking_participants)
    if voices == 1:
        return (f"Der er kun fundet én stemme, men {speaking} deltagere taler: stemmerne kunne ikke skelnes fra "
                "hinanden (for lidt tale, eller stemmer, der ligner hinanden meget). Al taletiden står derfor "
                "på én, og fordelingen mellem deltagerne kan ikke læses her; nøgletal og markeringer om "
                "sagsbehandler og borger er udeladt, og talerskift og afbrydelser kan ikke tælles.")
    return (f"Der er kun fundet {voices} stemmer, men {speaking} deltagere taler: nogle stemmer kunne ikke "
            "skelnes fra hinanden, og deres taletid står på en anden. Fordelingen kan ikke læses her; nøgletal "
            "og markeringer om sagsbehandler og borger er udeladt, og talerskift og afbrydelser kan ikke tælles.")


def channels_note(meeting) -> str | None:
    """A meeting set up with a microphone for each speaker whose recording has too few channels
    for that: said when the recording arrives, since the speakers are then told apart by voice."""
    wanted = meeting.channels_wanted
    if meeting.audio is None or meeting.audio.channels >= wanted:
        return None
    return (f"Optagelsen har {count(meeting.audio.channels, 'kanal', 'kanaler')}, men mødet er sat op med en "
            f"mikrofon til hver, der taler ({wanted} kanaler). Talerne skelnes derfor på stemmerne, ikke på "
            "kanalerne.")


FLAG_KINDS = {
    "caseworker_dominance": "Sagsbehandleren fylder meget",
    "long_monologue": "Lang monolog",
    "interruption": "Afbrydelse",
    "closed_question_streak": "Mange lukkede spørgsmål i træk",
    "raised_voice": "Hævet stemme",
    "calm_response": "Rolig respons",
    "long_silence": "Lang stilhed",
    "lexicon": "Ordvalg",
    "open_question": "Åbent spørgsmål, der åbnede",
    "citizen_story": "Borgerens fortælling",
    "bookmark": "Bogmærke",
}

TONES = {
    "strength": ("+", "Styrke"),
    "concern": ("!", "Opmærksomhedspunkt"),
    "info": ("·", "Til info"),
}

# metric key -> (name, one-line explanation)
METRICS = {
    "interactivity_per_min": ("Interaktivitet", "talerskift pr. minut – højere betyder mere dialog"),
    "response_pause_s": ("Svarpause", "median tid fra borgeren holder op, til sagsbehandleren svarer"),
    "longest_monologue_s": ("Længste monolog", "sagsbehandlerens længste tur uden at give ordet fra sig"),
    "longest_citizen_story_s": ("Længste borgerfortælling", "borgerens længste tur – en styrke, når den er lang"),
    "longest_silence_s": ("Længste stilhed", "den længste pause, hvor ingen talte"),
    "interruptions": ("Afbrydelser", "nogen begyndte at tale, mens en anden talte (ikke korte 'mm')"),
}

SPEAKER_METRICS = {
    "questions": ("Spørgsmål", "åbne (hv-ord, 'fortæl') og lukkede (ja/nej) spørgsmål"),
    "words_per_min": ("Taletempo", "ord pr. minut taletid"),
    "loudness_db": ("Lydstyrke", "talerens typiske niveau i dBFS (0 er maksimum)"),
}


def metric_value(key: str, value) -> str:
    """A key figure of METRICS as it is shown: "1,8/min", "2,6 s", "3", or "–"."""
    if value is None:
        return "–"
    if key == "interactivity_per_min":
        return f"{number(value, 1)}/min"
    if key == "interruptions":
        return str(value)
    return f"{number(value, 1)} s"


def speaker_value(key: str, m: dict) -> str:
    """One voice's figure of SPEAKER_METRICS as it is shown."""
    if key == "questions":
        share = m.get("open_question_share")
        return f"{m['questions_open']} åbne/{m['questions_closed']} lukkede" + (f" ({percent(share)} åbne)" if share is not None else "")
    if key == "words_per_min":
        return f"{number(m['words_per_min'])} ord/min" if m.get("words_per_min") is not None else "–"
    return f"{number(m['loudness_db'])} dBFS" if m.get("loudness_db") is not None else "–"


def kind_label(kind: str) -> str:
    return FLAG_KINDS.get(kind, kind)


# ---- a flag's evidence as sentences -------------------------------------------------------------
# The evidence a rule stored (numbers and the words it found) as short Danish sentences, so a
# reader sees why the moment was flagged without reading the rule's own keys.

def _words(words) -> str:
    return ", ".join(f"«{w}»" for w in words)


def evidence_lines(kind: str, evidence: dict, labels: dict | None = None) -> list[str]:
    """Danish sentences for a flag's evidence; keys a rule did not store are left out, and a
    kind not known here says nothing rather than show raw keys."""
    e, name = evidence or {}, (lambda who: (labels or {}).get(who, who))
    out: list[str] = []

    def has(*keys) -> bool:
        return all(e.get(k) is not None for k in keys)

    if kind == "caseworker_dominance" and has("share", "threshold"):
        where = (f"i {minutes(e['window_s'])} ad gangen" if e.get("scope") == "vindue" and has("window_s")
                 else "i hele mødet")
        out.append(f"Andel af taletiden {where}: {percent(e['share'])} (grænsen er {percent(e['threshold'])}).")
    elif kind in ("long_monologue", "citizen_story") and has("turn_s", "threshold_s"):
        out.append(f"Turen varede {number(e['turn_s'], 1)} s (grænsen er {number(e['threshold_s'], 1)} s).")
    elif kind == "long_silence" and has("silence_s", "threshold_s"):
        out.append(f"Stilheden varede {number(e['silence_s'], 1)} s (grænsen er {number(e['threshold_s'], 1)} s).")
    elif kind == "interruption" and has("overlap_s"):
        who = f" med {name(e['interrupted'])}" if e.get("interrupted") else ""
        out.append(f"Samtidig tale{who}: {number(e['overlap_s'], 1)} s"
                   + (f" (grænsen er {number(e['threshold_s'], 1)} s)." if has("threshold_s") else "."))
    elif kind == "closed_question_streak" and has("count"):
        out.append(f"{e['count']} lukkede spørgsmål i træk"
                   + (f" (grænsen er {e['threshold']})." if has("threshold") else "."))
        out += [f"Spørgsmål: «{q}»" for q in e.get("questions") or []]
    elif kind == "raised_voice" and has("above_db"):
        out.append(f"Stemmen lå {number(e['above_db'], 1)} dB over talerens sædvanlige niveau"
                   + (f" i {number(e['duration_s'], 1)} s" if has("duration_s") else "")
                   + (f" (grænsen er {number(e['threshold_db'], 1)} dB)." if has("threshold_db") else "."))
    elif kind == "calm_response" and has("pause_s"):
        out.append(f"Svaret kom efter {number(e['pause_s'], 1)} s"
                   + (f", i et niveau på {number(e['level_db'], 1)} dBFS mod sædvanligt {number(e['median_db'], 1)} dBFS."
                      if has("level_db", "median_db") else "."))
    elif kind == "open_question" and has("question"):
        out.append(f"Spørgsmålet: «{e['question']}»")
        if has("story_s"):
            out.append(f"Borgeren fortalte derefter i {number(e['story_s'], 1)} s.")
    elif kind == "lexicon" and e.get("words"):
        out.append(f"Ord fra listen »{e.get('category_label') or e.get('category', '')}«: {_words(e['words'])}.")
    elif kind == "bookmark" and has("at_s"):
        out.append(f"Bogmærket blev sat ved {clock(e['at_s'])}" + (f" af {e['by']}." if e.get("by") else "."))
    if e.get("confidence") is not None:
        out.append(f"Whisper var i gennemsnit {percent(e['confidence'])} sikker på ordene her.")
    return out


# Flags that rest on what the words were: a mishearing makes them wrong. When Whisper was unsure
# of those words (below the organisation's low_confidence), the dashboard tones them down,
# hides them until asked, and does not count them as facts.
WORD_KINDS = frozenset(("lexicon", "open_question", "closed_question_streak"))


def uncertain(flag, low_confidence: float) -> bool:
    sure = (flag.evidence or {}).get("confidence")
    return flag.kind in WORD_KINDS and sure is not None and sure < low_confidence
