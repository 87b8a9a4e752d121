"""The pauses the dub tightens and the silence it trims (lingoflow/dub/silence.py) are exactly pydub's
detect_silence and detect_leading_silence, found with NumPy: on real synthesized speech, stereo and
8-bit audio, at the thresholds the track uses."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from pydub import AudioSegment
from pydub.silence import detect_leading_silence, detect_silence as pydub_detect_silence

from lingoflow.dub.silence import detect_silence, edge_silences


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is missing (make setup installs it)")
    wav = tmp_path_factory.mktemp("silence") / "line.wav"
    subprocess.run(["espeak-ng", "-v", "pt", "-w", str(wav),
                    "Nós escolhemos ir à lua nesta década, e fazer outras coisas, não porque são fáceis, mas porque são difíceis."], check=True)
    return AudioSegment.from_wav(wav)


@pytest.mark.parametrize("min_ms", [90, 120, 400])
def test_the_same_pauses_as_pydub(spoken, min_ms):
    rng = np.random.default_rng(0)
    noisy = spoken.overlay(AudioSegment((rng.standard_normal(len(spoken.get_array_of_samples())) * 30).astype("<i2").tobytes(),
                                        frame_rate=spoken.frame_rate, sample_width=2, channels=1))
    clips = [spoken, noisy, spoken.set_channels(2), spoken.set_frame_rate(16000), spoken.set_sample_width(1), spoken[:min_ms - 1]]
    for clip in clips:
        for threshold in (clip.dBFS - 18, -30.0, -45.0, -60.0):
            expected = pydub_detect_silence(clip, min_silence_len=min_ms, silence_thresh=threshold)
            assert detect_silence(clip, min_ms, threshold) == expected, (clip.channels, clip.frame_rate, clip.sample_width, threshold)
    if min_ms <= 120:  # the line does have pauses (between its clauses), none of 0.4 s
        assert detect_silence(spoken, min_ms, spoken.dBFS - 18)


def test_the_same_trim_as_pydub(spoken):
    rng = np.random.default_rng(1)
    hiss = lambda ms: AudioSegment((rng.standard_normal(int(spoken.frame_rate * ms / 1000)) * 8).astype("<i2").tobytes(),
                                   frame_rate=spoken.frame_rate, sample_width=2, channels=1)
    padded = hiss(333) + spoken + hiss(517)  # edges not on the 10 ms grid
    clips = [spoken, padded, padded.set_channels(2), padded.set_frame_rate(16000), padded.set_sample_width(1),
             AudioSegment.silent(1234, spoken.frame_rate), spoken[:7], AudioSegment.empty()]
    for clip in clips:
        for threshold in (-45.0, -60.0, -20.0):
            expected = (detect_leading_silence(clip, silence_threshold=threshold), detect_leading_silence(clip.reverse(), silence_threshold=threshold))
            assert edge_silences(clip, threshold) == expected, (clip.channels, clip.frame_rate, len(clip), threshold)
    (lead, trail), (own_lead, own_trail) = edge_silences(padded, -45.0), edge_silences(spoken, -45.0)
    assert abs(lead - own_lead - 333) <= 10 and abs(trail - own_trail - 517) <= 10  # the hiss trimmed, the speech kept
