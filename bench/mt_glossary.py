"""Glossary machinery vs plain MT: BLEU/chrF on the Tatoeba en-pt dev set and on the glossary
test set, and term adherence before/after. Prints figures; passes or fails nothing.

    python -m bench.mt_glossary                       # default engine (Bergamot en->pt)
    python -m bench.mt_glossary --quick               # first 100 dev sentences
    python -m bench.mt_glossary --engine ctranslate2 --mt-model en-pt=/models/opus-mt-en-pt
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sacrebleu  # noqa: E402

from lingoflow import glossary, mt  # noqa: E402
from tests import glossary_set  # noqa: E402

DEV_SRC = ROOT.parent / "shared" / "eval" / "mt" / "en-pt.tatoeba-dev.src"
DEV_REF = DEV_SRC.with_name("en-pt.tatoeba-dev.ref")


def scores(hyps: list[str], refs: list[str]) -> dict:
    return {"bleu": round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2), "chrf": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2)}


def _fmt(s: dict) -> str:
    return f"BLEU {s['bleu']:5.2f}  chrF {s['chrf']:5.2f}"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", default=None)
    ap.add_argument("--mt-model", action="append", default=[])
    ap.add_argument("--quick", action="store_true", help="first 100 dev sentences")
    args = ap.parse_args(argv)
    engine = mt.select_engine("en", "pt", args.engine, args.mt_model)
    results: dict = {"engine": engine.model_identity("en", "pt"), "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s)"}
    print(f"machine: {results['machine']}, Python {platform.python_version()}; engine: {engine.name} ({results['engine']})")

    if DEV_SRC.is_file():
        src = DEV_SRC.read_text(encoding="utf-8").splitlines()
        ref = DEV_REF.read_text(encoding="utf-8").splitlines()
        if args.quick:
            src, ref = src[:100], ref[:100]
        engine.translate(src[:5], "en", "pt")  # warm up
        plain, t0 = timed(lambda: engine.translate(src, "en", "pt"))
        empty, t1 = timed(lambda: [r.text for r in mt.constrained.translate(engine, src, "en", "pt", glossary.Glossary())])
        elearn = glossary.load([ROOT / "glossaries" / "e-learning.yaml"])
        res, t2 = timed(lambda: mt.constrained.translate(engine, src, "en", "pt", elearn))
        dev = {"sentences": len(src), "plain": scores(plain, ref), "empty_glossary": scores(empty, ref),
               "identical_with_empty_glossary": sum(a == b for a, b in zip(plain, empty)),
               "e_learning_glossary": scores([r.text for r in res], ref), "sentences_with_terms": sum(1 for r in res if r.terms),
               "seconds": {"plain": round(t0, 2), "empty_glossary": round(t1, 2), "e_learning_glossary": round(t2, 2)}}
        results["dev"] = dev
        print(f"\nTatoeba en-pt dev ({len(src)} sentences)")
        print(f"  engine alone                       {_fmt(dev['plain'])}  {t0:.2f} s")
        print(f"  glossary machinery, empty glossary {_fmt(dev['empty_glossary'])}  {t1:.2f} s  identical outputs: {dev['identical_with_empty_glossary']}/{len(src)}")
        print(f"  e-learning glossary                {_fmt(dev['e_learning_glossary'])}  {t2:.2f} s  ({dev['sentences_with_terms']} sentences carry a term)")
    else:
        print(f"(dev set not found at {DEV_SRC})")

    exs = glossary_set.examples()
    srcs, refs = [e.source for e in exs], [e.reference for e in exs]
    terms = glossary.load([glossary_set.GLOSSARY])
    plain = engine.translate(srcs, "en", "pt")
    res = mt.constrained.translate(engine, srcs, "en", "pt", terms)
    forced = [r.text for r in res]
    hit0, total = glossary_set.adherence(plain, exs)
    hit1, _ = glossary_set.adherence(forced, exs)
    test = {"sentences": len(exs), "required_terms": total, "entries": len(terms.terms("en")),
            "adherence_before": round(hit0 / total, 4), "adherence_after": round(hit1 / total, 4),
            "plain": scores(plain, refs), "glossary": scores(forced, refs),
            "passes": {m: sum(r.method == m for r in res) for m in ("plain", "inline", "placeholder", "repair")}}
    results["test_set"] = test
    print(f"\nglossary test set ({len(exs)} sentences, {total} required terms, {test['entries']} glossary entries)")
    print(f"  without glossary  adherence {hit0}/{total} = {100 * hit0 / total:5.1f}%  {_fmt(test['plain'])}")
    print(f"  with glossary     adherence {hit1}/{total} = {100 * hit1 / total:5.1f}%  {_fmt(test['glossary'])}")
    print(f"  passes used: {test['passes']}")
    return results


if __name__ == "__main__":
    main()
