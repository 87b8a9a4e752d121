"""The scores, shared by `lingoflow evaluate` and the benches (bench/quality.py, bench/diarization.py),
so both give the same figure for the same transcript.

WER and CER come from jiwer on text normalised as Whisper's papers score it: the English
normaliser for English (case, punctuation, spelled-out numbers and British spellings made
uniform: "IN EIGHTEEN THIRTEEN" and "In 1813." compare equal), the basic normaliser for every
other language. Languages written without spaces are scored by characters (CER) only. DER comes
from pyannote.metrics (0.25 s forgiveness collar each side, inside the UEM when there is one).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# written without spaces between words: WER means nothing there, CER is the figure
NO_SPACES = frozenset({"zh", "ja", "th", "lo", "my", "km", "bo", "yue"})
DER_COLLAR = 0.5  # pyannote's collar is the total: 0.25 s each side of a reference boundary


@lru_cache(maxsize=None)
def _normaliser(language: str | None):
    if (language or "en").split("-")[0] == "en":
        from whisper_normalizer.english import EnglishTextNormalizer

        return EnglishTextNormalizer()
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer()


def normalise(text: str, language: str | None = "en") -> str:
    """Whisper's normaliser, less the tokens it leaves with no letter or digit (an ellipsis comes
    out of the English one as a lone "."): a word one transcript ends with "..." is not one more."""
    return " ".join(t for t in _normaliser(language)(text or "").split() if any(ch.isalnum() for ch in t))


def spaceless(language: str | None) -> bool:
    return (language or "").split("-")[0] in NO_SPACES


@dataclass
class TextScore:
    """Word (or, for spaceless languages, character) errors of one transcript, or of a library's sum."""

    wer: float | None  # None: a spaceless language (CER is the figure)
    cer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int  # words, or characters for spaceless languages
    reference_chars: int

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _counts(refs: list[str], hyps: list[str], chars: bool) -> tuple[int, int, int, int, int]:
    import jiwer

    refs = [r if r.strip() else "" for r in refs]
    if chars:
        out = jiwer.process_characters(refs, hyps)
        return out.substitutions, out.deletions, out.insertions, out.hits, sum(len(r) for r in refs)
    out = jiwer.process_words(refs, hyps)
    return out.substitutions, out.deletions, out.insertions, out.hits, sum(len(r.split()) for r in refs)


def score(references: list[str], hypotheses: list[str], language: str | None = "en") -> TextScore:
    """Corpus WER/CER of hypotheses against references (one pair a file), after normalising."""
    refs = [normalise(r, language) for r in references]
    hyps = [normalise(h, language) for h in hypotheses]
    keep = [i for i, r in enumerate(refs) if r]
    if not keep:
        raise ValueError("the reference holds no words after normalisation")
    refs, hyps = [refs[i] for i in keep], [hyps[i] for i in keep]
    c_refs, c_hyps = [r.replace(" ", "") if spaceless(language) else r for r in refs], [h.replace(" ", "") if spaceless(language) else h for h in hyps]
    cs, cd, ci, _, nchars = _counts(c_refs, c_hyps, chars=True)
    cer = (cs + cd + ci) / max(nchars, 1)
    if spaceless(language):
        return TextScore(None, cer, cs, cd, ci, nchars, nchars)
    s, d, i, _, nwords = _counts(refs, hyps, chars=False)
    return TextScore((s + d + i) / max(nwords, 1), cer, s, d, i, nwords, nchars)


def wer(references: list[str], hypotheses: list[str], language: str | None = "en") -> float:
    result = score(references, hypotheses, language)
    return result.wer if result.wer is not None else result.cer


def speaker_annotation(transcript, uri: str):
    """What a user gets from the diarized transcript: each segment from its first to its last word, with its speaker."""
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for seg in transcript.segments:
        start = seg.words[0].start if seg.words else seg.start
        end = seg.words[-1].end if seg.words else seg.end
        if end > start and seg.speaker:
            hyp[Segment(start, end), seg.id] = seg.speaker
    return hyp


def der(reference, hypothesis, uem=None, collar: float = DER_COLLAR) -> float:
    """Diarization error rate of one file (pyannote.metrics)."""
    import warnings

    from pyannote.metrics.diarization import DiarizationErrorRate

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*uem.*")
        return float(DiarizationErrorRate(collar=collar)(reference, hypothesis, uem=uem))


def timing_offset(reference_cues: list[tuple[float, float, str]], segments: list[tuple[float, float]]) -> float | None:
    """Median start offset (s, + = lingoflow later) between each timed reference cue and the
    transcript segment overlapping it most; None when no cue overlaps any segment."""
    import statistics

    offsets = []
    for start, end, _ in reference_cues:
        best, overlap = None, 0.0
        for s, e in segments:
            o = min(end, e) - max(start, s)
            if o > overlap:
                best, overlap = s, o
        if best is not None:
            offsets.append(best - start)
    return round(statistics.median(offsets), 3) if offsets else None
