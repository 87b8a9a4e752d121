"""What re-decoding adds (lingoflow/speakers/diarize/redecode.py): speech the campp engine hears where the
transcript has no words, decoded on its own.

    python -m bench.diarization_redecode [--asr-model base]

Per AMI clip and pyannote_sample.wav (transcripts kept in bench/.work by bench/diarization.py):
the stretches found, the words added, and how many of them lie inside the reference's speech
(real words) or outside it; then the same on audio with no speech: digital silence, low noise,
and a music/effects soundtrack (media/big_buck_bunny_small.mp4, no dialogue), where every added
word is a made-up one.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def added(audio, transcript, asr_model: str):
    from lingoflow.asr import AsrOptions, get_transcriber
    from lingoflow.speakers.diarize import get_diarizer
    from lingoflow.speakers.diarize.redecode import redecode, unheard

    turns = get_diarizer("campp").diarize(audio, 16000, [])
    stretches = unheard(turns, transcript.segments)
    segments = redecode(audio, transcript, stretches, get_transcriber("faster-whisper"), AsrOptions(model=asr_model, language=transcript.language))
    old = {(s.start, s.end, s.text) for s in transcript.segments}
    new = [w for s in segments if (s.start, s.end, s.text) not in old for w in s.words]
    return stretches, new


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default="base")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from lingoflow.io import media
    from lingoflow.schema import SourceInfo, Transcript

    from .common import header
    from .diarization import EVAL, clips, transcript_of
    from .diarization_campp import load

    header("re-decoding speech the diarizer hears without words")
    print(f"{'clip':16} {'stretches':>9} {'s':>5} {'words':>5} {'in ref':>6}  text")
    total = inside = 0
    for clip in clips(None):
        ingested, transcript = transcript_of(clip["wav"], args.asr_model)
        stretches, new = added(media.load_wav(ingested.audio_wav), transcript, args.asr_model)
        ref = clip["ref"]
        ok = sum(any(seg.start <= (w.start + w.end) / 2 <= seg.end for seg in ref.get_timeline()) for w in new)
        total, inside = total + len(new), inside + ok
        print(f"{clip['name']:16} {len(stretches):>9} {sum(e - s for s, e in stretches):>5.1f} {len(new):>5} {ok:>6}  "
              + " ".join(w.text for w in new)[:80])
    print(f"speech recordings: {total} words added, {inside} inside the reference's speech")
    rng = np.random.default_rng(0)
    music = load(EVAL.parent / "media" / "big_buck_bunny_small.mp4")
    for name, audio in (("silence 30 s", np.zeros(30 * 16000, np.float32)),
                        ("noise -60 dBFS 30 s", (rng.standard_normal(30 * 16000) * 1e-3).astype(np.float32)),
                        ("music/effects", music)):
        empty = Transcript(SourceInfo(name, name, len(audio) / 16000), "en", 1.0, [])
        stretches, new = added(audio, empty, args.asr_model)
        print(f"{name:20} stretches {len(stretches)}, words added {len(new)} {' '.join(w.text for w in new)[:60]}")


if __name__ == "__main__":
    main()
