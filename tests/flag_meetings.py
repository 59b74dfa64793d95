"""Small hand-made meetings for the flag rules' tests: segments whose words carry times,
probability and loudness (`seg` spreads a text's words evenly over the segment), and the whole
analysis run on them (`run`)."""

from feedback.analysis import analyse
from feedback.config import load_config
from feedback.labels import FLAG_KINDS
from meetings.records import FLAG_TONES, Segment, Speaker, Word

CONFIG = load_config()
TH = CONFIG.thresholds

CW = "S1"
CIT = "S2"
ROLES = [Speaker(CW, "Sagsbehandler", "sagsbehandler"), Speaker(CIT, "Borger", "borger")]
NO_ROLES = [Speaker(CW, "Taler 1"), Speaker(CIT, "Taler 2")]

ROLE_KINDS = {"caseworker_dominance", "long_monologue", "closed_question_streak", "citizen_story", "open_question"}


def seg(speaker, start, end, text, db=-30.0, prob=0.9, seg_db="same") -> Segment:
    """A segment whose words are spread evenly over [start, end]. `db` is one loudness for all
    words, a list with one per word, or None (not measured)."""
    texts = text.split()
    step = (end - start) / len(texts)
    levels = db if isinstance(db, list) else [db] * len(texts)
    assert len(levels) == len(texts)
    words = [Word(start + i * step, start + (i + 1) * step, " " + t, prob, level)
             for i, (t, level) in enumerate(zip(texts, levels))]
    segment_db = (db if not isinstance(db, list) else None) if seg_db == "same" else seg_db
    return Segment(start, end, text, words, speaker, loudness_db=segment_db)


def bare(speaker, start, end, text, avg_logprob=None, db=None) -> Segment:
    """A segment with text only: no word times."""
    return Segment(start, end, text, [], speaker, avg_logprob=avg_logprob, loudness_db=db)


def filler(n: int) -> str:
    """n neutral words: no question, no word from the lexicon."""
    return " ".join(["snak"] * n)


def talk(speaker, start, end, db=-30.0, per_s=2.0, prob=0.9) -> Segment:
    return seg(speaker, start, end, filler(max(1, round((end - start) * per_s))), db=db, prob=prob)


def run(segments, speakers=ROLES, duration_s=0.0, config=CONFIG):
    return analyse(segments, speakers, duration_s, config)


def of(analysis, kind):
    return [f for f in analysis.flags if f.kind == kind]


def check_flag_shape(flag):
    assert flag.kind in FLAG_KINDS
    assert isinstance(flag.message, str) and flag.message.strip()
    assert isinstance(flag.evidence, dict) and flag.evidence
    assert flag.tone in FLAG_TONES
    assert flag.start <= flag.end


def qa(questions, start=0.0, gap=1.0, answer="Ja det gør jeg.", prob=0.9):
    """The caseworker asks each question (2 s), the citizen answers (2 s)."""
    segments, t = [], start
    for question in questions:
        segments.append(seg(CW, t, t + 2, question, prob=prob))
        segments.append(seg(CIT, t + 2.5, t + 4.5, answer))
        t += 4.5 + gap
    return segments


def raised(loud_words: int, above_db: float, normal_words: int = 30, base_db=-30.0, speaker=CIT, start=0.0):
    """`normal_words` words at base level (0.5 s each), then `loud_words` words above it."""
    normal = seg(speaker, start, start + normal_words * 0.5, filler(normal_words), db=base_db)
    loud_start = start + normal_words * 0.5
    loud = seg(speaker, loud_start, loud_start + loud_words * 0.5, filler(loud_words), db=base_db + above_db)
    return [normal, loud]
