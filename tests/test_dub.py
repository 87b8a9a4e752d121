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
