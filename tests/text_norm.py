"""WER for tests: the scoring `make eval` and `lingoflow evaluate` use (lingoflow/quality/metrics.py)."""
from lingoflow.quality.metrics import normalise, wer as _corpus_wer


def wer(reference: str, hypothesis: str) -> float:
    return _corpus_wer([reference], [hypothesis])


__all__ = ["normalise", "wer"]
