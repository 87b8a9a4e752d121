import wave

import pytest

from lingoflow import dub
from lingoflow.tts import Voice, get_engine


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    voice = Voice(engine="espeak-ng", language="pt")
    texts = ["Bom dia a todos.", "Hoje vamos estudar como os rios formam os vales ao longo de muitos anos.", "Obrigado."]
    paths = []
    for i, text in enumerate(texts):
        path = folder / f"{i}.wav"
        get_engine("espeak-ng").synthesize(text, voice, path)
        paths.append(str(path))
    return paths


def _duration(path):
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate(), w.getframerate()


def test_track_full_length_placed_and_fitted(tmp_path, clips):
    # the second segment's slot (2.5 s) is far shorter than its speech: sped up, then borrows the gap
    segments = [dub.DubClip(0, 0.5, 2.0, clips[0]), dub.DubClip(1, 2.5, 5.0, clips[1]), dub.DubClip(2, 5.2, 6.2, clips[2])]
    out = tmp_path / "dub.wav"
    stats = dub.build_track(segments, 9.3, 44100, out, tmp_path)
    seconds, rate = _duration(out)
    assert rate == 44100
    assert abs(seconds - 9.3) < 0.05
    assert stats.sped_up >= 1 and stats.max_speed <= 1.35
    placed = sorted(stats.placements, key=lambda p: p.start)
    for clip, p in zip(segments, placed):
        assert abs(p.start - clip.start) <= 0.15
    for a, b in zip(placed, placed[1:]):
        assert a.end <= b.start + 1e-3  # never overlaps the next segment
    assert 1 in stats.overflowed  # too long even at 1.35x with the borrowed silence: reported


def test_short_segment_not_stretched(tmp_path, clips):
    # a 5 s slot for a short word: slowed at most to 0.9x, never stretched to fill the slot
    out = tmp_path / "dub.wav"
    stats = dub.build_track([dub.DubClip(0, 1.0, 6.0, clips[2])], 8.0, 16000, out, tmp_path)
    p = stats.placements[0]
    assert 0.9 <= p.speed <= 1.0 and p.end - p.start < 2.0
    assert stats.slowed == 1 and stats.min_speed >= 0.9


def _samples(path):
    import numpy as np

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype("float32") / 32768, w.getframerate()


def _rms(x):
    import numpy as np

    return float(np.sqrt(np.mean(x.astype("float64") ** 2)))


def test_internal_pauses_are_tightened_before_any_speed_up(tmp_path):
    from pydub import AudioSegment

    speech = AudioSegment.from_wav(get_clip(tmp_path, "Bom dia. Obrigado."))
    # the same words with a long pause between them: only the pause has to go
    padded = speech[:700] + AudioSegment.silent(900, frame_rate=speech.frame_rate) + speech[700:]
    wav = tmp_path / "pause.wav"
    padded.export(wav, format="wav")
    trimmed = len(dub._trim(padded)) / 1000
    slot = trimmed - 0.5  # 0.5 s too long; the pause holds more than that
    stats = dub.build_track([dub.DubClip(0, 0.2, 0.2 + slot, str(wav))], slot + 2.0, 22050, tmp_path / "d.wav", tmp_path)
    p = stats.placements[0]
    assert stats.tightened == 1 and p.tightened >= 0.45
    assert p.speed <= 1.02 and stats.sped_up == 0  # no speed-up was needed after tightening


def get_clip(folder, text):
    path = folder / "clip.wav"
    get_engine("espeak-ng").synthesize(text, Voice(engine="espeak-ng", language="pt"), path)
    return path


def test_background_is_kept_and_ducked_under_speech(tmp_path, clips):
    import numpy as np

    from lingoflow.background import Background

    rate, seconds = 16000, 8.0
    t = np.arange(int(rate * seconds)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)  # the source's "music"
    clip = [dub.DubClip(0, 3.0, 5.0, clips[0])]
    bed = Background(tone, [(3.0, 5.0)], duck_db=20)
    stats = dub.build_track(clip, seconds, rate, tmp_path / "bg.wav", tmp_path, background=bed)
    track, _ = _samples(tmp_path / "bg.wav")
    p = stats.placements[0]
    away = track[int(0.5 * rate) : int(2.5 * rate)]  # no speech: the original, at full level
    assert abs(_rms(away) - _rms(tone)) < 0.01
    # between the dub's end and the slot's end nobody speaks in the dub, the source still does:
    # the tone is there, 20 dB down
    quiet = track[int((p.end + 0.05) * rate) : int(4.95 * rate)]
    assert len(quiet) > rate // 10
    assert abs(_rms(quiet) / _rms(tone) - 0.1) < 0.02
    assert stats.background == "ducked 20 dB"
    # --background none: silence away from speech
    dub.build_track(clip, seconds, rate, tmp_path / "none.wav", tmp_path, background=None)
    silent, _ = _samples(tmp_path / "none.wav")
    assert _rms(silent[int(0.5 * rate) : int(2.5 * rate)]) < 1e-4
