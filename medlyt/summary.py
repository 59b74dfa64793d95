"""`medlyt show`: a meeting's balance, key metrics and flagged moments as readable Danish text.

Personal data a flag's message may quote (an observer's note, say) is masked (meetings.redaction)."""

from feedback.labels import (METRICS, SPEAKER_METRICS, TONES, balance_note, clock, count, day_time,
                             interruptions_note, kind_label, metric_value, number, percent, speaker_value)
from meetings.records import Analysis, Meeting, Speaker, named_voices, voices_heard
from meetings.redaction import redact

BAR_WIDTH = 20


def bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def render(meeting: Meeting, speakers: list[Speaker], analysis: Analysis) -> str:
    voices = voices_heard(analysis.balance)
    labels = {s.id: s.label for s in named_voices(meeting, speakers, voices)}
    lines = [
        f"Møde {meeting.id}: {meeting.title}",
        f"Varighed {clock(analysis.metrics['duration_s'])}, model {meeting.model}, analyseret "
        f"{day_time(analysis.computed_at)} med "
        + ("standardindstillingerne" if analysis.config_source == "standard" else f"indstillingerne i {analysis.config_source}"),
        "",
        "Taletid",
    ]
    for who, b in analysis.balance.items():
        lines.append(f"  {labels.get(who, who):<15} {who:<4} {bar(b['share'])} {percent(b['share']):>5}  "
                     f"{clock(b['talk_s']):>7}  ({count(b['turns'], 'tur', 'ture')}, længste {number(b['longest_turn_s'])} s)")
    low, high = analysis.config["thresholds"]["balance_band"]
    lines.append(f"  Referencebånd for sagsbehandlerens andel: {round(low * 100)}–{percent(high)}")
    if (note := balance_note(meeting, analysis.balance)) is not None:
        lines.append(f"  {note}")
    lines += ["", "Nøgletal"]
    for key, (name, explanation) in METRICS.items():
        lines.append(f"  {name:<26} {metric_value(key, analysis.metrics.get(key)):<12} {explanation}")
    if (note := interruptions_note(meeting, analysis.metrics)) is not None:
        lines.append(f"  {note}")
    per_speaker = analysis.metrics.get("speakers", {})
    for key, (name, explanation) in SPEAKER_METRICS.items():
        values = ", ".join(f"{labels.get(who, who)} {speaker_value(key, m)}" for who, m in per_speaker.items())
        lines.append(f"  {name:<26} {values}  ({explanation})")
    if not analysis.metrics.get("roles_known") and not meeting.too_few_voices(voices):  # roles cannot mend that
        lines += ["", "Bemærk: talerne har ikke roller endnu, så målinger og markeringer om sagsbehandler og "
                      "borger mangler. Giv dem roller: medlyt speaker rename "
                      f"{meeting.id} S1 --role sagsbehandler"]
    lines += ["", flag_heading(analysis)]
    for flag in analysis.flags:
        symbol = TONES.get(flag.tone, ("?", ""))[0]
        who = labels.get(flag.speaker, "–") if flag.speaker else "–"
        lines.append(f"  {symbol} {clock(flag.start)}–{clock(flag.end)}  {kind_label(flag.kind):<31} {who:<14} "
                     f"{redact(flag.message)}")
    if not analysis.flags:
        lines.append("  Ingen markeringer.")
    return "\n".join(lines) + "\n"


def flag_heading(analysis: Analysis) -> str:
    strengths, concerns, infos = (sum(1 for f in analysis.flags if f.tone == tone) for tone in TONES)
    return (f"Markeringer: {strengths} styrke{'r' if strengths != 1 else ''} (+), {concerns} "
            f"opmærksomhedspunkt{'er' if concerns != 1 else ''} (!), {infos} til info (·)")
