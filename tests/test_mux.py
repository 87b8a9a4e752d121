from pathlib import Path

from lingoflow.io import media
from lingoflow.io.mux import Track, mux, output_suffix

from .conftest import ffmpeg, ffprobe_streams


def _srt(path: Path, text: str) -> str:
    path.write_text(f"1\n00:00:00,100 --> 00:00:01,000\n{text}\n", encoding="utf-8")
    return str(path)


def _dub(path: Path) -> str:
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2:sample_rate=44100", str(path))
    return str(path)


def _mux(tmp_path, source):
    info = media.probe(source)
    out = tmp_path / f"out{output_suffix(info)}"
    subs = [Track(_srt(tmp_path / "en.srt", "Hello"), "en"), Track(_srt(tmp_path / "pt.srt", "Olá"), "pt")]
    mux(info, "en", [Track(_dub(tmp_path / "pt.wav"), "pt"), Track(_dub(tmp_path / "es.wav"), "es")], subs, out)
    return out, ffprobe_streams(out)


def test_mp4_keeps_video_untouched_and_tags_everything(tmp_path):
    src = tmp_path / "in.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
           "-c:v", "libx264", "-c:a", "aac", "-shortest", str(src))
    out, streams = _mux(tmp_path, src)
    assert out.suffix == ".mp4"
    kinds = [(s["codec_type"], s.get("tags", {}).get("language")) for s in streams]
    assert kinds == [("video", "und"), ("audio", "eng"), ("audio", "por"), ("audio", "spa"), ("subtitle", "eng"), ("subtitle", "por")]
    assert streams[0]["codec_name"] == "h264" and streams[4]["codec_name"] == "mov_text"
    src_video = next(s for s in ffprobe_streams(src) if s["codec_type"] == "video")
    assert streams[0]["nb_frames"] == src_video["nb_frames"]


def test_webm_becomes_mkv_and_audio_becomes_mka(tmp_path):
    src = tmp_path / "in.webm"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
           "-c:v", "libvpx", "-c:a", "libopus", "-shortest", str(src))
    out, streams = _mux(tmp_path, src)
    assert out.suffix == ".mkv" and [s["codec_type"] for s in streams].count("audio") == 3
    audio = tmp_path / "talk.flac"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", str(audio))
    (tmp_path / "a").mkdir()
    out, streams = _mux(tmp_path / "a", audio)
    assert out.suffix == ".mka"
    assert [(s["codec_type"], s["tags"]["language"]) for s in streams] == [
        ("audio", "eng"), ("audio", "por"), ("audio", "spa"), ("subtitle", "eng"), ("subtitle", "por")]
    assert streams[0]["codec_name"] == "flac"
