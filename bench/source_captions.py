"""Human captions as the source (issue 21): how well a recording's own reference aligns to the
ASR's words, next to how well every other recording's reference does (what the 50 % threshold
must separate), with the number of reference words timed by an ASR word and the alignment's time.

    python -m bench.source_captions [--asr-model tiny.en|base]
"""
from __future__ import annotations

import argparse
import csv
import time

from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.captions import textalign
from lingoflow.config import LocalizeOptions

from .common import SHARED_EVAL

CLIPS = ["en_jfk.flac", "en_ljspeech_LJ002-0020.wav", "en_ljspeech_LJ002-0035.wav", "en+de_fw_multilingual.mp3"]


def references() -> dict[str, str]:
    with open(SHARED_EVAL / "asr" / "manifest.tsv", newline="") as fh:
        rows = {r["file"]: r["reference_transcript"] for r in csv.DictReader(fh, delimiter="\t")}
    # the multilingual clip's English half (its reference is model output; the German half is another language)
    rows["en+de_fw_multilingual.mp3"] = rows["en+de_fw_multilingual.mp3"].split("[DE]")[0].replace("[EN]", "").strip()
    return {c: rows[c] for c in CLIPS}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default="tiny.en")
    args = ap.parse_args()
    refs = references()
    print(f"ASR {args.asr_model}; coverage of each reference (rows) on each recording's ASR words (columns)")
    asr = {}
    for clip in CLIPS:
        asr[clip] = transcribe(ingest(str(SHARED_EVAL / "asr" / clip)), LocalizeOptions(asr_model=args.asr_model, source_captions="ignore"))
    print(f"{'reference':32s}" + "".join(f"{c[:14]:>16s}" for c in CLIPS))
    for ref_clip, text in refs.items():
        cells = []
        for clip in CLIPS:
            words = [w for s in asr[clip].segments for w in s.words]
            t0 = time.perf_counter()
            result = textalign.align([textalign.HumanWord(w) for w in text.split()], words, "en", (0.0, asr[clip].source.duration))
            cells.append(f"{result.coverage:>15.0%}{'*' if clip == ref_clip else ' '}")
            if clip == ref_clip:
                timing = f"{sum(result.aligned)}/{len(result.words)} words timed by the ASR, align {1000 * (time.perf_counter() - t0):.1f} ms"
        print(f"{ref_clip[:32]:32s}" + "".join(cells) + f"   ({timing})")
    print("* a recording's own reference; used when coverage >= 50 %")


if __name__ == "__main__":
    main()
