"""The dub's speed-up cap (--max-speedup: engine rate x time stretch together), the silence a line
borrows before any speed-up, and what the fit file records; measured on the track's audio."""
import json
import wave

import numpy as np
import pytest

from lingoflow.dub import track as dub, fit as dubfit
from lingoflow.schema import Segment, SourceInfo, Transcript
from lingoflow.dub.tts import Voice, get_engine

TEXT = "Hoje vamos estudar como os rios formam os vales ao longo de muitos anos."


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speak")
    engine, voice = get_engine("espeak-ng"), Voice(engine="espeak-ng", language="pt")
    natural = folder / "natural.wav"
    engine.synthesize(TEXT, voice, natural)

    def respeak(speed):
        path = folder / f"x{speed:.2f}.wav"
        if not path.is_file():
            engine.synthesize(TEXT, voice, path, speed=speed)
        return str(path)

    return natural, respeak, engine.max_rate_speed, len(dub._trim(dub.AudioSegment.from_wav(natural))) / 1000


def _loud_span(path, until: float | None = None) -> tuple[float, float]:
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype("float32") / 32768
    if until is not None:
        x = x[: int(until * rate)]
    hop = rate // 100
    loud = [i for i in range(0, len(x), hop) if np.abs(x[i : i + hop]).max() > 0.01]
    return loud[0] / rate, (loud[-1] + hop) / rate


def test_rate_and_stretch_together_never_pass_the_cap(tmp_path, spoken):
    natural, respeak, max_rate, length = spoken
    slot = length / 2.0  # twice too long; the next line follows at once: nothing to borrow
    for cap in (1.4, 1.2):
        clips = [dub.DubClip(0, 0.0, slot, str(natural), text=TEXT, respeak=respeak, max_rate_speed=max_rate),
                 dub.DubClip(1, slot, slot + 0.5, str(natural), text=TEXT)]
        out = tmp_path / f"cap{cap}.wav"
        stats = dub.build_track(clips, slot + 12.0, 22050, out, tmp_path, max_speedup=cap)
        p = stats.placements[0]
        assert p.speedup <= cap + 0.01 and p.overflow > 0  # what is left over follows the overflow policy: reported
        start, end = _loud_span(out, until=p.end + 0.01)
        assert end - start >= length / cap - 0.25 - p.overflow  # on the audio: no faster than the cap
        assert stats.qc()["max_speedup"] == cap and stats.summary()["speedup_p90"] <= cap + 0.01


def test_a_line_takes_the_silence_after_it_before_any_speed_up(tmp_path, spoken):
    natural, respeak, max_rate, length = spoken
    slot = length - 0.6  # 0.6 s too long, 3 s of silence after it
    out = tmp_path / "borrow.wav"
    stats = dub.build_track([dub.DubClip(0, 0.5, 0.5 + slot, str(natural), text=TEXT, respeak=respeak, max_rate_speed=max_rate)],
                            slot + 4.0, 22050, out, tmp_path)
    p = stats.placements[0]
    assert p.speedup == 1.0 and p.overflow == 0
    start, end = _loud_span(out)
    assert end > 0.5 + slot + 0.4 and end - start >= length - 0.05  # spoken at its own pace, into the silence


def test_the_fit_file_lists_the_speedup_and_what_was_condensed(tmp_path, spoken):
    natural, *_ = spoken
    clip = dub.DubClip(3, 0.0, 8.0, str(natural), text=TEXT, condensed=["Um,", "uh,"])
    stats = dub.build_track([clip], 9.0, 22050, tmp_path / "d.wav", tmp_path)
    tr = Transcript(SourceInfo("x", "0" * 64, 9.0), "pt", 1.0, [Segment(3, 0.0, 8.0, TEXT)])
    dubfit.write(tmp_path / "dub.pt.fit.json", tr, stats)
    fit = json.loads((tmp_path / "dub.pt.fit.json").read_text())
    assert fit["segments"][0]["condensed"] == ["Um,", "uh,"] and fit["segments"][0]["speedup"] <= 1.0
    assert stats.summary()["words_condensed"] == 2 and dubfit.read(tmp_path / "dub.pt.fit.json").segments[0].condensed == ["Um,", "uh,"]


def test_a_phrase_split_over_two_segments_of_one_speaker_is_spoken_over_both(tmp_path):
    from lingoflow.dub.tts.reflow import reflow

    engine, voice = get_engine("espeak-ng"), Voice(engine="espeak-ng", language="pt")
    first, second = "Hoje vamos estudar como os rios formam", "os vales ao longo de muitos anos."
    paths = {}
    for text in (first, second, f"{first} {second}", "Bom dia."):
        paths[text] = tmp_path / f"{len(paths)}.wav"
        engine.synthesize(text, voice, paths[text])
    slot_a = dub.AudioSegment.from_wav(paths[first]).duration_seconds * 0.6  # far too short for its line
    a = dub.DubClip(0, 0.0, slot_a, str(paths[first]), "S1", first, condensed=["um"])
    b = dub.DubClip(1, slot_a + 0.1, slot_a + 6.0, str(paths[second]), "S1", second)
    spoken = []

    def speak(clip, text):
        spoken.append(text)
        return dub.DubClip(clip.segment_id, clip.start, clip.end, str(paths[text]), clip.speaker, text)

    (joined,) = reflow([a, b], speak)
    assert spoken == [f"{first} {second}"] and (joined.start, joined.end, joined.joined, joined.condensed) == (0.0, b.end, [1], ["um"])
    stats = dub.build_track([joined], b.end + 1.0, 22050, tmp_path / "joined.wav", tmp_path)
    assert stats.placements[0].speedup <= 1.0 and stats.placements[0].joined == [1]  # the second slot's room is shared
    apart = dub.build_track([a, b], b.end + 1.0, 22050, tmp_path / "apart.wav", tmp_path)
    assert apart.placements[0].speedup > 1.0  # alone, the first line had to be sped up
    # another speaker, a sentence already ended, or a line that fits: left alone
    assert reflow([a, dub.DubClip(1, b.start, b.end, b.wav, "S2", second)], speak)[0] is a
    assert reflow([dub.DubClip(0, 0.0, slot_a, a.wav, "S1", first + "."), b], speak)[0].joined == []
    assert reflow([dub.DubClip(0, 0.0, 9.0, a.wav, "S1", first), dub.DubClip(1, 9.1, 12.0, b.wav, "S1", second)], speak)[0].joined == []
