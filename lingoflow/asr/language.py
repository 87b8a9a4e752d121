"""A file's spoken language: Whisper's guess, made surer where it is unsure, and decided.

Whisper guesses a file's language from its first 30 s window. On short or far-field speech that
guess can be wrong (an English AMI meeting cut read as Welsh at 0.48), and every wrong guess
seen was unsure, while right ones were mostly confident. So:

- a first window at or above UNSURE_BELOW stands, at no extra cost;
- below it, up to EXTRA_WINDOWS more windows of VAD speech, spread evenly over the file's
  speech, are detected too, and the windows' language distributions are averaged, each weighted
  by its own top probability (a window that is sure counts more than one that is not);
- an allow-list (`--languages en,fr`) decides within itself, by Whisper's own probabilities
  restricted to it, for every file;
- the library prior (flows/localize.py: the languages other files of the library were
  detected in with confidence) decides an unsure file within that set the same way; a confident
  detection outside the set stands.

UNSURE_BELOW was calibrated on 8 s cuts of every recording of ../shared/eval (bench/language_id.py):
wrong guesses there, and in the issue's 124-file library, all lay at or below 0.53; right ones
mostly at 0.8 or more.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..store.record import Record

UNSURE_BELOW = 0.7  # a top probability under this is unsure (see the module docstring)
EXTRA_WINDOWS = 4  # windows detected beside the first when it is unsure
WINDOW_SECONDS = 30.0
SAMPLE_RATE = 16000
CANDIDATES = 5  # languages listed in the report
KEPT_BELOW = 1e-4  # probabilities under this are not kept (the prior needs only the likely ones)

FIRST_WINDOW, MULTI_WINDOW, LIBRARY_PRIOR, ALLOW_LIST, GIVEN = "first window", "multi-window", "library prior", "allow-list", "--from"


@dataclass
class LanguageId(Record):
    """How a file's language was decided: what Whisper heard, and what decided."""

    language: str  # the decided language
    decided_by: str  # FIRST_WINDOW, MULTI_WINDOW, LIBRARY_PRIOR, ALLOW_LIST or GIVEN
    detected: str | None = None  # Whisper's own best guess (all windows heard)
    probability: float = 0.0  # Whisper's probability of `detected`
    windows: int = 0  # windows heard
    candidates: list[list] = field(default_factory=list)  # [[language, probability], ...], likeliest first
    probabilities: dict[str, float] = field(default_factory=dict)  # every language above KEPT_BELOW (for a later decision)

    @property
    def unsure(self) -> bool:
        return self.decided_by != GIVEN and self.probability < UNSURE_BELOW

    @property
    def confident(self) -> bool:
        """Heard with confidence by Whisper itself (not decided by a prior or a list)."""
        return self.decided_by in (FIRST_WINDOW, MULTI_WINDOW) and not self.unsure

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["candidates"] = [[lang, round(float(p), 4)] for lang, p in self.candidates]
        d["probabilities"] = {lang: round(float(p), 6) for lang, p in self.probabilities.items()}
        return d


def describe(language_id: dict | None) -> str:
    """How a report's language was decided, in a few words (the review page, the Prefect table):
    "first window 0.95", "library prior; heard cy 0.47 (cy 0.47, en 0.40)"."""
    if not language_id:
        return ""
    by, heard_as, p = language_id.get("decided_by", ""), language_id.get("detected"), language_id.get("probability", 0.0)
    if by == GIVEN:
        return GIVEN
    if heard_as == language_id.get("language"):
        return f"{by} {p:.2f}"
    top = ", ".join(f"{lang} {q:.2f}" for lang, q in language_id.get("candidates", [])[:3])
    return f"{by}; heard {heard_as} {p:.2f} ({top})"


def given(language: str) -> LanguageId:
    return LanguageId(language, GIVEN, probability=1.0)


def heard(distributions: list[dict[str, float]]) -> LanguageId:
    """What the windows' distributions (language -> probability) say together: averaged, each
    weighted by its top probability."""
    weights = [max(d.values()) for d in distributions]
    combined: dict[str, float] = {}
    for w, dist in zip(weights, distributions):
        for lang, p in dist.items():
            combined[lang] = combined.get(lang, 0.0) + w * p / sum(weights)
    ranked = sorted(combined.items(), key=lambda kv: -kv[1])
    best, p = ranked[0]
    return LanguageId(best, FIRST_WINDOW if len(distributions) == 1 else MULTI_WINDOW, best, float(p), len(distributions),
                      [[lang, float(q)] for lang, q in ranked[:CANDIDATES]], {lang: float(q) for lang, q in ranked if q >= KEPT_BELOW})


def decide(lid: LanguageId, allowed: list[str] | None = None, prior: list[str] | None = None) -> LanguageId:
    """The decided language: within `allowed` always; within `prior` when the file is unsure.
    decided_by says ALLOW_LIST where the list changed Whisper's answer, LIBRARY_PRIOR wherever an
    unsure file was decided by the prior (its own answer was not trusted alone, even where the
    prior agrees with it)."""
    within, by = (allowed, ALLOW_LIST) if allowed else (prior, LIBRARY_PRIOR) if prior and lid.unsure else (None, None)
    if not within or lid.decided_by == GIVEN:
        return lid
    best = max(within, key=lambda lang: (lid.probabilities.get(lang, 0.0), -within.index(lang)))
    if best == lid.language and by == ALLOW_LIST:
        return lid
    return LanguageId(**{**lid.__dict__, "language": best, "decided_by": by})


def distributions(model, features: np.ndarray) -> list[dict[str, float]]:
    """Whisper's language distribution of each window (features: (n, mels, 3000))."""
    from .chunks import encode as _encode

    return from_encoded(model, _encode(model, features))


def from_encoded(model, encoder_output) -> list[dict[str, float]]:
    return [{token[2:-2]: float(p) for token, p in row} for row in model.model.detect_language(encoder_output)]


def speech_windows(speech: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` windows of `speech` (speech only: VAD regions joined) spread evenly over it, after
    the first window (which has been heard): none when the speech fits one window."""
    size = int(WINDOW_SECONDS * SAMPLE_RATE)
    room = len(speech) - size
    if room <= 0 or count <= 0:
        return []
    count = min(count, -(-room // size))  # windows overlap no more than the speech makes them
    starts = sorted({int(room * (i + 1) / count) for i in range(count)})
    return [speech[s:s + size] for s in starts]


def identify(model, speech: np.ndarray, first: dict[str, float]) -> LanguageId:
    """The file's language from its first window's distribution, and, when that is unsure, from
    up to EXTRA_WINDOWS more windows of its speech (`speech`: VAD regions joined)."""
    lid = heard([first])
    if not lid.unsure:
        return lid
    windows = speech_windows(speech, EXTRA_WINDOWS)
    if not windows:
        return lid
    from faster_whisper.audio import pad_or_trim

    features = np.stack([pad_or_trim(model.feature_extractor(w)[..., :-1]) for w in windows])
    return heard([first, *distributions(model, features)])
