"""Scoring helpers shared by the tests and benchmarks: normalise, then word/character error rate."""

import csv
import re
from pathlib import Path

import jiwer


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
