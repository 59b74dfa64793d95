"""The consent declaration read aloud or printed before a meeting is recorded: what is recorded,
who sees it, when it is deleted, and how to withdraw, in plain Danish; and each participant's
consent as the pages state it."""

import html
from datetime import datetime

from meetings.retention import MAX_DAYS
from meetings.records import Participant
from medlyt.settings import Organisation


def declaration(org: Organisation, retention_days: int) -> list[tuple[str, str]]:
    """(heading, text) in the order they are read."""
    return [
        ("Hvorfor", f"{org.name} vil gerne optage samtalen i dag. Formålet er sparring: en kollega eller en "
                    "leder hjælper sagsbehandleren med at blive bedre til sit arbejde. Optagelsen bruges ikke "
                    "til at træffe afgørelser i din sag."),
        ("Hvad optages", "Lyden af samtalen. Lyden bliver til tekst på en computer hos "
                         f"{org.name}; hverken lyd eller tekst sendes ud af huset. Alt gemmes krypteret."),
        ("Hvem ser det", "Sagsbehandleren, den kollega eller leder, der sidder med, og de ledere, som "
                         "sagsbehandleren selv vælger at vise det til. Ingen andre."),
        ("Hvornår slettes det", f"Lyd og tekst slettes af sig selv efter {retention_days} dage. En leder kan "
                                f"kun forlænge det med en skrevet begrundelse, og højst til {MAX_DAYS} dage."),
        ("Frivilligt", "Det er frivilligt at sige ja. Siger du nej, bliver samtalen ikke optaget, og det "
                       "får ingen betydning for din sag."),
        ("Fortryd", f"Du kan trække dit samtykke tilbage når som helst, også efter samtalen, ved at kontakte "
                    f"{org.contact}. Så slettes lyden og teksten med det samme; tilbage er kun en note om, "
                    "at der var et møde, som er slettet."),
    ]


def declaration_markdown(org: Organisation, retention_days: int) -> str:
    return "\n\n".join(f"**{heading}.** {text}" for heading, text in declaration(org, retention_days))


def declaration_html(org: Organisation, retention_days: int) -> str:
    """A printable page, with lines to sign for a written consent."""
    sections = "\n".join(f"<h2>{html.escape(h)}</h2><p>{html.escape(t)}</p>" for h, t in declaration(org, retention_days))
    return f"""<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Samtykkeerklæring – {html.escape(org.name)}</title>
<style>body {{ font: 12pt/1.5 sans-serif; max-width: 42em; margin: 2em auto; }}
h1 {{ font-size: 18pt; }} h2 {{ font-size: 12pt; margin-bottom: 0; }} p {{ margin-top: .2em; }}
.sign {{ margin-top: 3em; border-top: 1px solid #000; width: 20em; padding-top: .2em; }}</style></head>
<body><h1>Samtykke til optagelse af samtalen</h1>
{sections}
<p>Jeg har fået forklaret ovenstående og giver samtykke til, at samtalen optages.</p>
<div class="sign">Dato og underskrift</div>
<div class="sign">Navn med blokbogstaver</div>
</body></html>
"""


METHODS = {"verbal": "mundtligt", "written": "skriftligt"}


def when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%d.%m.%Y kl. %H:%M")


def consent_state(p: Participant) -> str:
    if not p.speaks:
        return "Ikke nødvendigt (taler ikke)"
    if p.consent is None:
        return "Mangler"
    if not p.consent.given:
        return "Nej"
    return f"Givet {METHODS.get(p.consent.method, p.consent.method)} {when(p.consent.recorded_at)}"
