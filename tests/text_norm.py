"""WER for tests: the same documented normalization `make eval` uses (bench/quality.py)."""
from bench.quality import NORMALIZE, wer as _corpus_wer


def wer(reference: str, hypothesis: str) -> float:
    return _corpus_wer([reference], [hypothesis])


__all__ = ["NORMALIZE", "wer"]
