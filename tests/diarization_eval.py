"""Scoring helpers for speaker attribution: RTTM/UEM reading, DER and per-speaker share error.

Turns are plain tuples `(start, end, speaker)` in seconds so that tests and benchmarks can score
any output (the JSON export's segments, an RTTM) without depending on project types. DER is
computed by pyannote.metrics (a test-time dependency only). Collar convention (pyannote's): the
collar is the *total* width removed around every reference boundary, so `collar=0.5` is the
usual ±0.25 s.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

Turn = tuple[float, float, str]


def read_rttm(path: str | Path) -> dict[str, list[Turn]]:
    """uri -> [(start, end, speaker)] sorted by start, from `SPEAKER uri chan start dur ... spk ...`."""
    turns: dict[str, list[Turn]] = defaultdict(list)
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith((";", "#")):
            continue
        if fields[0] != "SPEAKER" or len(fields) < 8:
            raise ValueError(f"{path}:{number}: not an RTTM SPEAKER line: {line!r}")
        start, duration = float(fields[3]), float(fields[4])
        turns[fields[1]].append((start, start + duration, fields[7]))
    return {uri: sorted(items) for uri, items in turns.items()}


def read_uem(path: str | Path) -> list[tuple[float, float]]:
    """[(start, end)] from `uri channel start end` lines (all uris of the file together)."""
    regions = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith((";", "#")):
            continue
        if len(fields) != 4:
            raise ValueError(f"{path}:{number}: not a UEM line: {line!r}")
        regions.append((float(fields[2]), float(fields[3])))
    return sorted(regions)


def _annotation(turns, uri: str = "eval"):
    """Turns as a pyannote Annotation, each speaker's overlapping turns merged: a speaker either
    speaks or not (pyannote would otherwise count a self-overlap twice)."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    for track, (start, end, speaker) in enumerate(turns):
        if end > start:
            annotation[Segment(float(start), float(end)), track] = str(speaker)
    return annotation.support()


def _timeline(regions, uri: str = "eval"):
    from pyannote.core import Segment, Timeline

    if regions is None:
        return None
    return Timeline([Segment(float(start), float(end)) for start, end in regions], uri=uri)


def _metric(collar: float = 0.0, skip_overlap: bool = False):
    from pyannote.metrics.diarization import DiarizationErrorRate

    return DiarizationErrorRate(collar=collar, skip_overlap=skip_overlap)


def der(reference: list[Turn], hypothesis: list[Turn], uem=None, collar: float = 0.0,
        skip_overlap: bool = False) -> dict:
    """Diarization error rate with pyannote.metrics.

    uem: [(start, end)] regions to score, or None for the union of both extents.
    collar: total width around each reference boundary left out (0.5 = ±0.25 s).
    skip_overlap: leave out where the reference has two or more speakers at once.
    Returns {"der": fraction, "confusion", "missed", "false_alarm", "total": seconds}; "total" is
    the reference speech scored (overlap counted once per speaker).
    """
    metric = _metric(collar, skip_overlap)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*uem.*approximated.*")
        components = metric.compute_components(
            _annotation(reference), _annotation(hypothesis), uem=_timeline(uem)
        )
    total = components["total"]
    errors = components["confusion"] + components["missed detection"] + components["false alarm"]
    if total == 0:
        rate = 0.0 if errors == 0 else float("inf")
    else:
        rate = errors / total
    return {
        "der": rate,
        "confusion": components["confusion"],
        "missed": components["missed detection"],
        "false_alarm": components["false alarm"],
        "total": total,
    }


def speaker_seconds(turns: list[Turn]) -> dict[str, float]:
    """Speech seconds per speaker (each speaker's own turns united, so self-overlap counts once)."""
    annotation = _annotation(turns)
    return {label: annotation.label_duration(label) for label in annotation.labels()}


def share_error_points(reference: list[Turn], hypothesis: list[Turn]) -> float:
    """Largest per-speaker share error in percentage points.

    Hypothesis speakers are mapped 1:1 onto reference speakers by pyannote's optimal mapping
    (the one that minimises confusion); share = a speaker's speech seconds / all speakers' speech
    seconds. A reference speaker with no hypothesis speaker has hypothesis share 0; speech of
    unmapped hypothesis speakers counts in the hypothesis total only.
    """
    ref_seconds = speaker_seconds(reference)
    hyp_seconds = speaker_seconds(hypothesis)
    ref_total = sum(ref_seconds.values())
    hyp_total = sum(hyp_seconds.values())
    if ref_total == 0:
        raise ValueError("reference has no speech")
    mapping = _metric().optimal_mapping(_annotation(reference), _annotation(hypothesis)) if hyp_total else {}
    mapped = defaultdict(float)
    for hyp_label, ref_label in mapping.items():
        mapped[ref_label] += hyp_seconds[hyp_label]
    worst = 0.0
    for speaker, seconds in ref_seconds.items():
        hyp_share = mapped[speaker] / hyp_total if hyp_total else 0.0
        worst = max(worst, abs(seconds / ref_total - hyp_share) * 100)
    return worst


def speaker_count(hypothesis: list[Turn]) -> int:
    """Number of distinct speakers with any speech."""
    return len({speaker for start, end, speaker in hypothesis if end > start})


def score(reference: list[Turn], hypothesis: list[Turn], uem=None) -> dict:
    """Everything the accuracy table shows for one recording: DER with the ±0.25 s collar
    ("der_collar", and its "confusion_collar" seconds) and without ("der", with its confusion, missed and false alarm seconds),
    without collar outside the reference's overlapped speech ("der_single"), and the largest talk-share error in points ("share_error")."""
    scored = der(reference, hypothesis, uem, collar=0.0)
    with_collar = der(reference, hypothesis, uem, collar=0.5)
    scored["der_collar"], scored["confusion_collar"] = with_collar["der"], with_collar["confusion"]
    scored["der_single"] = der(reference, hypothesis, uem, skip_overlap=True)["der"]
    scored["share_error"] = share_error_points(reference, hypothesis)
    return scored


def interruption_starts(turns: list[Turn]) -> list[float]:
    """When feedback's `interruption` rule (shipped thresholds) fires on these turns: starts of
    turns that begin while another speaker talks, overlap >= 0.5 s, not a backchannel."""
    from feedback.config import load_config
    from feedback.metrics import interruptions, talks
    from feedback.metrics import turns as turns_of
    from meetings.records import Speech

    th = load_config().thresholds
    speech = [Speech(start, end, str(speaker)) for start, end, speaker in turns if end > start]
    found = interruptions(turns_of(speech, th.turn_gap_s), talks(speech), th.interruption_overlap_s, th.backchannel_s)
    return sorted(i.turn.start for i in found)


def match_interruptions(reference: list[float], hypothesis: list[float], tolerance_s: float = 2.0) -> tuple[int, int]:
    """(reference interruptions found within ±tolerance_s, false ones found), one-to-one."""
    left = list(reference)
    false = 0
    for t in hypothesis:
        near = [r for r in left if abs(r - t) <= tolerance_s]
        if near:
            left.remove(min(near, key=lambda r: abs(r - t)))
        else:
            false += 1
    return len(reference) - len(left), false
