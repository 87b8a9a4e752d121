"""--burn-in (issue 21): the captions drawn into a copy of the video by ffmpeg/libass, checked on
the frames themselves; the localized container's audio tracks carried over."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from lingoflow.io import burnin
from lingoflow.captions import writers
from lingoflow.io import media
from lingoflow.io.mux import Track, mux
from lingoflow.schema import Segment, SourceInfo, Transcript

from .conftest import ffmpeg, ffprobe_streams

W, H, SECONDS = 320, 240, 4.0


def _frame(path, t: float) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", str(t), "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(H, W, 3).astype(np.int16)


def _duration(path) -> float:
    return float(next(s for s in ffprobe_streams(path) if s["codec_type"] == "video")["duration"])


@pytest.fixture(scope="module")
def localized(tmp_path_factory):
    """A short video (flat colour, a tone) localized with a dub track and captions in two languages."""
    folder = tmp_path_factory.mktemp("burnin")
    source = folder / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", f"color=c=0x2050a0:s={W}x{H}:r=25:d={SECONDS}", "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(source))
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=660:duration={SECONDS}", str(folder / "dub.pt.wav"))
    t = Transcript(SourceInfo("clip.mp4", "0" * 64, SECONDS), "en", 1.0, [Segment(0, 1.0, 2.4, "Welcome to the course.")])
    writers.write_captions(t, folder, ["srt"])
    writers.write_captions(t.translated("pt", ["Bem-vindos ao curso."]), folder, ["srt"])
    out = folder / "clip.localized.mp4"
    mux(media.probe(source), "en", [Track(str(folder / "dub.pt.wav"), "pt")],
        [Track(str(folder / "captions.en.srt"), "en"), Track(str(folder / "captions.pt.srt"), "pt")], out)
    return source, out, folder


def test_burned_in_copy_has_the_captions_in_the_picture_and_every_audio_track(localized):
    source, container, folder = localized
    out = folder / burnin.output_name("clip", "pt", container)
    assert out.name == "clip.burned-in.pt.mp4"
    burnin.burn_in(container, folder / "captions.pt.srt", out)
    streams = ffprobe_streams(out)
    video = [s for s in streams if s["codec_type"] == "video"]
    assert [(v["width"], v["height"]) for v in video] == [(W, H)]
    assert abs(_duration(out) - _duration(source)) <= 0.05
    audio_in = [(s.get("tags", {}).get("language"), s["codec_name"]) for s in ffprobe_streams(container) if s["codec_type"] == "audio"]
    assert [(s.get("tags", {}).get("language"), s["codec_name"]) for s in streams if s["codec_type"] == "audio"] == audio_in
    assert len(audio_in) == 2 and not [s for s in streams if s["codec_type"] == "subtitle"]
    bottom = slice(int(H * 0.6), H)
    during = np.abs(_frame(out, 1.6) - _frame(source, 1.6))[bottom]
    outside = np.abs(_frame(out, 3.6) - _frame(source, 3.6))[bottom]
    assert (during.max(axis=2) > 80).sum() > 200  # white letters with a dark outline on blue
    assert outside.max() <= 12 and outside.mean() < 1.0  # only the re-encoding's noise
    top = np.abs(_frame(out, 1.6) - _frame(source, 1.6))[: int(H * 0.4)]
    assert top.max() <= 12  # the captions sit at the bottom


def test_font_comes_from_debian_and_audio_only_is_refused(localized, tmp_path):
    assert burnin.font_file().name.startswith("DejaVuSans")
    _, _, folder = localized
    audio = tmp_path / "talk.mka"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(audio))
    with pytest.raises(Exception, match="no video to burn captions into"):
        burnin.burn_in(audio, folder / "captions.pt.srt", tmp_path / "talk.burned-in.pt.mkv")
    assert not list(tmp_path.glob("*.burned-in.*")) and not list(tmp_path.glob(".*part*"))
