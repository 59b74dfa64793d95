"""Scoring helpers shared by the tests and benchmarks: normalise, then word/character error rate."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np


def normalise(text: str) -> str:
    """Lower case, punctuation stripped, whitespace collapsed (the shared data's scoring rule)."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def read_manifest(danish_dir: Path) -> list[dict]:
    with open(danish_dir / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    return jiwer.wer([normalise(r) for r in references], [normalise(h) or "<tom>" for h in hypotheses])


def corpus_cer(references: list[str], hypotheses: list[str]) -> float:
    return jiwer.cer([normalise(r) for r in references], [normalise(h) or "<tom>" for h in hypotheses])


def errors_per_reference_word(reference: str, hypothesis: str) -> list[int]:
    """The alignment's errors placed on the reference words they concern (an insertion on the
    word it precedes, or the last word), so a long recording can be scored piece by piece.
    Both texts already normalised; the errors sum to what `jiwer.wer` counts."""
    n = len(reference.split())
    errors = [0] * n
    for chunk in jiwer.process_words(reference, hypothesis or "<tom>").alignments[0]:
        if chunk.type in ("substitute", "delete"):
            for i in range(chunk.ref_start_idx, chunk.ref_end_idx):
                errors[i] += 1
        elif chunk.type == "insert":
            errors[min(chunk.ref_start_idx, n - 1)] += chunk.hyp_end_idx - chunk.hyp_start_idx
    return errors


@dataclass(frozen=True)
class PairedScore:
    """Two systems' errors on the same units (a clip, or a stretch of a long reference)."""

    words: list[int]
    errors_a: list[int]
    errors_b: list[int]

    @property
    def wer_a(self) -> float:
        return sum(self.errors_a) / sum(self.words)

    @property
    def wer_b(self) -> float:
        return sum(self.errors_b) / sum(self.words)

    def difference_interval(self, rounds: int = 5000, seed: int = 0) -> tuple[float, float]:
        """95 % paired-bootstrap interval of wer_a - wer_b over the units: how far the difference
        could move on another sample of speech like this one."""
        words, a, b = (np.array(x, dtype=float) for x in (self.words, self.errors_a, self.errors_b))
        picks = np.random.default_rng(seed).integers(0, len(words), (rounds, len(words)))
        differences = (a[picks].sum(1) - b[picks].sum(1)) / words[picks].sum(1)
        low, high = np.percentile(differences, [2.5, 97.5])
        return float(low), float(high)


def paired_units(reference: str, hypothesis_a: str, hypothesis_b: str, unit_words: int | None = None) -> PairedScore:
    """One recording as scoring units: the whole of it, or stretches of `unit_words` reference words."""
    reference = normalise(reference)
    a = errors_per_reference_word(reference, normalise(hypothesis_a))
    b = errors_per_reference_word(reference, normalise(hypothesis_b))
    step = unit_words or len(a)
    cuts = range(0, len(a), step)
    return PairedScore([len(a[i:i + step]) for i in cuts], [sum(a[i:i + step]) for i in cuts],
                       [sum(b[i:i + step]) for i in cuts])


def combined(*scores: PairedScore) -> PairedScore:
    return PairedScore(*(sum((getattr(s, f) for s in scores), []) for f in ("words", "errors_a", "errors_b")))
