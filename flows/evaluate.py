"""The evaluate-library flow: `lingoflow evaluate` (and a deployment for Prefect users): the
library's transcripts scored against human references, with the table as a Prefect artifact."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from lingoflow.paths import cache_dir
from lingoflow.quality import evaluate as core
from lingoflow.quality import outputs

from .artifacts import key_prefix, key_slug

EVALUATE_FLOW = "evaluate-library"


def recordings(library: list[str]) -> list[str]:
    from lingoflow.io.library import discover

    return [s.path for s in discover(library)]


@flow(name=EVALUATE_FLOW, log_prints=True, validate_parameters=True)
def evaluate_library(library: list[str], references: str | None = None, out: str = "evaluation", asr_models: list[str] = ["base"],
                     source_language: str | None = None) -> dict:
    """Score lingoflow's transcripts of every recording under `library` that has a human reference
    (beside it, or under `references`) for each of `asr_models`; write OUT/evaluation.json and
    OUT/evaluation.html. Localize outputs are never changed."""
    logger = get_run_logger()
    out_path = Path(out)
    ev = core.evaluate(recordings(library), references, list(asr_models), cache_dir() / "evaluate", source_language,
                       on_file=lambda f: logger.info("%s (%s): %s", f.key, f.model, f.error or f"error rate {f.error_rate:.3f}"))
    for p in ev.problems:
        logger.warning("reference skipped: %s", p)
    outputs.write(ev, out_path)
    _artifact(ev, out)
    return ev.to_dict()


def _artifact(ev, out: str) -> None:
    from prefect.artifacts import create_table_artifact

    create_table_artifact(key=f"{key_prefix(None, out)}-{key_slug('evaluation')}", table=outputs.rows(ev),
                          description="lingoflow evaluate: " + "; ".join(
                              f"{m}: WER {t.get('wer')}, DER {t.get('der_mean')}, {t.get('realtime_factor')}x real time" for m, t in ev.totals.items()))
