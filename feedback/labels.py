"""What the user reads about metrics and flags: Danish names and one-line explanations, shared
by `medlyt show` and the dashboard so both say the same thing."""

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


def kind_label(kind: str) -> str:
    return FLAG_KINDS.get(kind, kind)
