import wave

import pytest

from lingoflow.dub import track as dub
from lingoflow.dub.tts import Voice, get_engine


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
        assert clip.start - dub.LEAD - 1e-3 <= p.start <= clip.start + dub.MAX_DRIFT + 1e-3
    for a, b in zip(placed, placed[1:]):
        assert a.end <= b.start + 1e-3  # never overlaps the next segment


def _tone(path, seconds, freq, rate=16000, amp=0.3):
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    pcm = (amp * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return str(path)


def _frames_of(track, rate, freq, frame=0.01):
    """Start times of the 10 ms frames of the track whose loudest frequency is `freq` (measured on the WAV)."""
    import numpy as np

    n = int(frame * rate)
    out = []
    for k in range(len(track) // n):
        x = track[k * n : (k + 1) * n]
        if np.sqrt(np.mean(x.astype("float64") ** 2)) < 0.02:
            continue
        spectrum = np.abs(np.fft.rfft(x * np.hanning(n), 4 * n))
        if abs(np.argmax(spectrum) * rate / (4 * n) - freq) < 60:
            out.append(k * frame)
    return out


def test_a_long_line_keeps_all_its_sound_by_borrowing_silence_and_pushing_the_next(tmp_path):
    # line A: 3.5 s of sound for a 2.0 s slot; at 1.35x it is 2.59 s, longer than the slot and the
    # 0.1 s pause after it: it starts early into the pause before it and pushes line B later
    a = _tone(tmp_path / "a.wav", 3.5, 440)
    b = _tone(tmp_path / "b.wav", 1.0, 1200)
    clips = [dub.DubClip(0, 1.0, 3.0, a, text="uma frase longa demais"), dub.DubClip(1, 3.1, 4.6, b, text="curta")]
    out = tmp_path / "dub.wav"
    stats = dub.build_track(clips, 6.0, 16000, out, tmp_path)
    track, rate = _samples(out)
    assert len(track) == 6 * 16000  # as long as the source
    fa, fb = _frames_of(track, rate, 440), _frames_of(track, rate, 1200)
    assert len(fa) * 0.01 >= 3.5 / 1.35 - 0.05  # every bit of A's sound is in the track (only sped up)
    assert len(fb) * 0.01 >= 1.0 - 0.05
    assert fa[-1] < fb[0]  # A ends before B starts: no overlap
    assert fa[0] >= 1.0 - dub.LEAD - 0.011  # at most 0.25 s early ...
    assert fb[0] <= 3.1 + dub.MAX_DRIFT + 0.011  # ... and B at most 0.5 s late
    assert fb[0] > 3.1 + 0.02  # B was pushed: A needed it
    assert stats.overflowed == [] and stats.lost_seconds == 0


def test_a_cut_is_the_last_resort_and_reports_the_words_it_removed(tmp_path):
    # 6 s of sound for a 1 s slot with the next line right after it: even with every borrowing it cannot fit
    a = _tone(tmp_path / "a.wav", 6.0, 440)
    b = _tone(tmp_path / "b.wav", 0.5, 1200)
    clips = [dub.DubClip(0, 1.0, 2.0, a, text="um dois tres quatro cinco seis"), dub.DubClip(1, 2.0, 3.0, b, text="sete")]
    stats = dub.build_track(clips, 5.0, 16000, tmp_path / "dub.wav", tmp_path)
    track, rate = _samples(tmp_path / "dub.wav")
    fa, fb = _frames_of(track, rate, 440), _frames_of(track, rate, 1200)
    assert fa[-1] < fb[0] and fb[0] <= 2.0 + dub.MAX_DRIFT + 0.011
    # A keeps what fits between 0.25 s early and 0.5 s into B's slot: 1.75 s of track
    assert abs(len(fa) * 0.01 - 1.75) < 0.06
    p = stats.placements[0]
    assert stats.overflowed == [0] and p.overflow > 2.0
    assert p.removed_words and p.removed_words[-1] == "seis" and "um" not in p.removed_words


def test_the_engine_speaks_a_long_line_faster_by_its_own_rate_first(tmp_path):
    text = "Hoje vamos estudar como os rios formam os vales ao longo de muitos anos."
    engine, voice = get_engine("espeak-ng"), Voice(engine="espeak-ng", language="pt")
    natural = tmp_path / "natural.wav"
    engine.synthesize(text, voice, natural)
    asked = []

    def respeak(speed):
        asked.append(speed)
        path = tmp_path / f"x{speed:.2f}.wav"
        engine.synthesize(text, voice, path, speed=speed)
        return str(path)

    length = len(dub._trim(dub.AudioSegment.from_wav(natural))) / 1000
    slot = length / 1.5
    # the next line follows at once (no silence to borrow); a cap high enough for the engine's rate
    clip = dub.DubClip(0, 0.0, slot, str(natural), text=text, respeak=respeak, max_rate_speed=engine.max_rate_speed)
    after = dub.DubClip(1, slot, 2 * slot, str(natural), text=text)
    stats = dub.build_track([clip, after], 2 * slot + 3.0, 22050, tmp_path / "d.wav", tmp_path, max_speedup=2.0)
    p = stats.placements[0]
    assert asked and 1.45 <= asked[0] <= engine.max_rate_speed
    assert p.engine_speed == asked[0] and p.speed <= 1.1  # little or no time stretch was needed
    track, rate = _samples(tmp_path / "d.wav")
    assert p.overflow == 0 and p.end <= slot + 0.3
    loud = [i for i in range(0, int(p.end * rate), 220) if abs(track[i : i + 220]).max() > 0.01]
    assert (loud[-1] - loud[0]) / rate < length / 1.35  # shorter than atempo alone could make it


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
    # the media ends with the slot: no silence around it to borrow
    stats = dub.build_track([dub.DubClip(0, 0.0, slot, str(wav))], slot, 22050, tmp_path / "d.wav", tmp_path)
    p = stats.placements[0]
    assert stats.tightened == 1 and p.tightened >= 0.45
    assert p.speed <= 1.02 and stats.sped_up == 0  # no speed-up was needed after tightening


def get_clip(folder, text):
    path = folder / "clip.wav"
    get_engine("espeak-ng").synthesize(text, Voice(engine="espeak-ng", language="pt"), path)
    return path


def test_background_is_kept_and_ducked_under_speech(tmp_path, clips):
    import numpy as np

    from lingoflow.dub.background import Background

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


def test_background_of_a_pcm_wav_is_its_samples_copied_and_of_others_decoded(tmp_path, monkeypatch):
    """A 16-bit mono WAV at the track's rate is copied as its own background (the same samples a
    decode gives); anything else (stereo, another rate, compressed) is decoded."""
    import numpy as np

    from lingoflow.dub import background
    from lingoflow.io import media

    monkeypatch.setenv("LINGOFLOW_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    pcm = (rng.standard_normal(16000 * 3) * 3000).clip(-32768, 32767).astype("<i2")
    mono = tmp_path / "mono.wav"
    with wave.open(str(mono), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    info = media.probe(mono)
    decoded = tmp_path / "decoded.wav"
    background.decode(info, decoded, 16000)
    calls = []
    real = background.decode
    monkeypatch.setattr(background, "decode", lambda *a: (calls.append(a[2]), real(*a)))
    copied = background.load(info, "a" * 64, 16000)
    assert calls == []  # copied, not decoded
    assert np.array_equal(copied[0 : len(copied)], media.load_wav(decoded))
    assert np.array_equal(np.round(copied[0 : len(copied)] * 32768).astype("<i2"), pcm)
    at_44k = background.load(info, "b" * 64, 44100)  # another rate: resampled by the decoder
    assert calls == [44100] and abs(len(at_44k) - 3 * 44100) < 100
    stereo = tmp_path / "stereo.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.repeat(pcm, 2).tobytes())
    both = background.load(media.probe(stereo), "c" * 64, 16000)
    assert calls == [44100, 16000] and len(both) == len(pcm)
