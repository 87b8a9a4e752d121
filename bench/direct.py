"""The other yardstick: lingoflow's own stage functions called in one process, no Prefect.

The same stages, engines and outputs as `lingoflow localize`, without orchestration: the
difference between this and the CLI is what Prefect, the cache and the CLI cost.

    python -m bench.direct OUT FILE... [--to LANG] [--asr-model NAME]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from lingoflow.speakers import diarization as speakers
from lingoflow.pipeline.checks import check_asr
from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.mux import remux
from lingoflow.pipeline.outputs import write_captions, write_transcript
from lingoflow.pipeline.synthesize import synthesize
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.pipeline.translate import translate
from lingoflow.config import LocalizeOptions


def localize(src: Path, out: Path, options: LocalizeOptions) -> None:
    folder = out / src.stem
    folder.mkdir(parents=True, exist_ok=True)
    ingested = ingest(str(src))
    transcript = transcribe(ingested, options, src.stem)
    diarized = speakers.diarize(transcript, ingested.audio_wav, options, src.stem)
    transcript = diarized.transcript
    write_transcript(transcript, folder)
    write_captions(transcript, folder)
    for lang in options.targets:
        translation = translate(transcript, lang, options, folder)
        write_transcript(translation, folder, f".{lang}")
        write_captions(translation, folder)
        synthesize(translation, ingested, folder, options, src.stem, diarized)
    remux(ingested, transcript, list(options.targets), folder, src.stem)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--to", action="append", default=[], help="target language (repeatable; none: no dub)")
    parser.add_argument("--asr-model", default="base")
    args = parser.parse_args(argv)
    options = LocalizeOptions(targets=args.to, asr_model=args.asr_model)
    check_asr(options)
    for src in args.files:
        localize(src, args.out, options)


if __name__ == "__main__":
    main()
