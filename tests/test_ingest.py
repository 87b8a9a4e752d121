import hashlib
import wave

import pytest

from lingoflow.io import media
from lingoflow.errors import InputError

from .conftest import ffmpeg

CONTAINERS = {
    "wav": ["-c:a", "pcm_s16le"], "mp3": [], "flac": [], "m4a": ["-c:a", "aac"], "ogg": ["-c:a", "libvorbis"],
    "mp4": ["-c:v", "libx264", "-c:a", "aac"], "mkv": ["-c:v", "libx264", "-c:a", "flac"],
    "mov": ["-c:v", "libx264", "-c:a", "aac"], "webm": ["-c:v", "libvpx", "-c:a", "libopus"],
}


@pytest.mark.parametrize("ext", sorted(CONTAINERS))
def test_every_container_decodes_to_16k_mono(tmp_path, ext):
    src = tmp_path / f"in.{ext}"
    video = ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=2"] if ext in {"mp4", "mkv", "mov", "webm"} else []
    ffmpeg(*video, "-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100", "-ac", "2", *CONTAINERS[ext], "-shortest", str(src))
    info = media.probe(src)
    assert info.has_video == bool(video)
    assert info.audio.channels == 2
    out = tmp_path / "out.wav"
    seconds = media.decode_audio(info, out)
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
    assert abs(seconds - 2.0) < 0.1
    assert media.sha256_file(src) == hashlib.sha256(src.read_bytes()).hexdigest()


def test_default_audio_stream_is_picked(tmp_path):
    src = tmp_path / "two.mkv"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=1", "-f", "lavfi", "-i", "anullsrc=duration=1",
           "-map", "0", "-map", "1", "-disposition:a:0", "0", "-disposition:a:1", "default", "-c:a", "flac", str(src))
    info = media.probe(src)
    assert len(info.audio_streams) == 2
    assert info.audio.audio_index == 1


def test_not_media_names_file_and_cause(tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("this is not audio\n" * 20)
    with pytest.raises(InputError) as err:
        media.probe(bad)
    assert "notes.mp3" in str(err.value) and "media" in str(err.value)


def test_empty_file_and_video_without_audio(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        media.probe(empty)
    silent_video = tmp_path / "picture.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:duration=1", "-c:v", "libx264", str(silent_video))
    with pytest.raises(InputError, match="no audio stream"):
        media.probe(silent_video)


def test_leading_dash_name_is_a_file_not_an_option(tmp_path):
    src = tmp_path / "-y.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(tmp_path / "x.wav"))
    (tmp_path / "x.wav").rename(src)
    info = media.probe(src)
    assert media.decode_audio(info, tmp_path / "o.wav") == pytest.approx(1.0, abs=0.05)


def test_wav_audio_reads_the_pieces_load_wav_would_give(tmp_path, eval_dir):
    # the diarize stage reads a long file window by window through media.WavAudio: every slice
    # must be exactly load_wav's, mono and stereo, at the edges too
    import subprocess

    import numpy as np

    from lingoflow.io import media

    for channels in (1, 2):
        wav = tmp_path / f"c{channels}.wav"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(eval_dir / "diar" / "pyannote_sample.wav"), "-ac", str(channels),
                        "-ar", "16000", "-c:a", "pcm_s16le", str(wav)], check=True)
        whole, pieces = media.load_wav(wav), media.WavAudio(wav)
        assert len(pieces) == len(whole) and pieces.shape == whole.shape
        for a, b in ((0, 16000), (123457, 160000), (len(whole) - 10, len(whole) + 500), (50, 10)):
            got = pieces[a:b]
            assert got.dtype == np.float32 and np.array_equal(got, whole[a:b]), (channels, a, b)
        assert np.array_equal(np.asarray(pieces), whole)
