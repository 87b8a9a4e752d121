"""Glossary machinery vs plain MT: BLEU/chrF on the Tatoeba en-pt dev set and on the glossary
test set, and term adherence before/after. Prints figures; passes or fails nothing.

    .venv/bin/python bench/mt_glossary.py [--engine bergamot] [--mt-model SPEC]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sacrebleu  # noqa: E402

import glossary_set  # noqa: E402
from lingoflow import glossary, mt  # noqa: E402

DEV_SRC = ROOT.parent / "shared" / "eval" / "mt" / "en-pt.tatoeba-dev.src"
DEV_REF = DEV_SRC.with_name("en-pt.tatoeba-dev.ref")


def scores(hyps: list[str], refs: list[str]) -> str:
    bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
    chrf = sacrebleu.corpus_chrf(hyps, [refs]).score
    return f"BLEU {bleu:5.2f}  chrF {chrf:5.2f}"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", default=None)
    ap.add_argument("--mt-model", action="append", default=[])
    args = ap.parse_args()
    engine = mt.select_engine("en", "pt", args.engine, args.mt_model)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}; engine: {engine.name} ({engine.model_identity('en', 'pt')})")

    if DEV_SRC.is_file():
        src = DEV_SRC.read_text(encoding="utf-8").splitlines()
        ref = DEV_REF.read_text(encoding="utf-8").splitlines()
        engine.translate(src[:5], "en", "pt")  # warm up
        plain, t0 = timed(lambda: engine.translate(src, "en", "pt"))
        empty, t1 = timed(lambda: [r.text for r in mt.constrained.translate(engine, src, "en", "pt", glossary.Glossary())])
        elearn = glossary.load([ROOT / "glossaries" / "e-learning.yaml"])
        res, t2 = timed(lambda: mt.constrained.translate(engine, src, "en", "pt", elearn))
        touched = sum(1 for r in res if r.terms)
        print(f"\nTatoeba en-pt dev ({len(src)} sentences)")
        print(f"  engine alone                       {scores(plain, ref)}  {t0:.2f} s")
        print(f"  glossary machinery, empty glossary {scores(empty, ref)}  {t1:.2f} s  identical outputs: {sum(a == b for a, b in zip(plain, empty))}/{len(src)}")
        print(f"  e-learning glossary                {scores([r.text for r in res], ref)}  {t2:.2f} s  ({touched} sentences carry a term)")
    else:
        print(f"(dev set not found at {DEV_SRC})")

    exs = glossary_set.examples()
    srcs, refs = [e.source for e in exs], [e.reference for e in exs]
    terms = glossary.load([glossary_set.GLOSSARY])
    plain = engine.translate(srcs, "en", "pt")
    res = mt.constrained.translate(engine, srcs, "en", "pt", terms)
    forced = [r.text for r in res]
    methods = {m: sum(r.method == m for r in res) for m in ("plain", "inline", "placeholder", "repair")}
    hit0, total = glossary_set.adherence(plain, exs)
    hit1, _ = glossary_set.adherence(forced, exs)
    print(f"\nglossary test set ({len(exs)} sentences, {total} required terms, {len(terms.terms('en'))} glossary entries)")
    print(f"  without glossary  adherence {hit0}/{total} = {100 * hit0 / total:5.1f}%  {scores(plain, refs)}")
    print(f"  with glossary     adherence {hit1}/{total} = {100 * hit1 / total:5.1f}%  {scores(forced, refs)}")
    print(f"  passes used: {methods}")


if __name__ == "__main__":
    main()
