"""The fragment filter (lingoflow/asr/fragments.py) on real speech with silence after it: a
fragment goes only when Silero VAD hears no speech under it and another signal agrees."""
from types import SimpleNamespace

import numpy as np
import pytest

from lingoflow.asr import fragments
from lingoflow.asr.fragments import Candidate


@pytest.fixture(scope="module")
def speech_then_silence(eval_dir) -> np.ndarray:
    """LJ002-0020 ("in eighteen thirteen", speech in the first 1.2 s), then 3 s of silence."""
    from faster_whisper import decode_audio

    speech = decode_audio(str(eval_dir / "asr" / "en_ljspeech_LJ002-0020.wav"))
    return np.concatenate([speech, np.zeros(3 * 16000, dtype=np.float32)])


def test_vad_hears_the_speech_and_not_the_silence(speech_then_silence):
    regions = fragments.speech_regions(speech_then_silence)
    assert regions and regions[0][0] < 0.5 and all(end < 1.7 for _, end in regions), regions


def test_short_fragment_over_silence_goes_short_word_over_speech_stays(speech_then_silence):
    found = fragments.reasons([
        Candidate(0.0, 1.14, "in 1813.", [0.84, 0.72]),
        Candidate(0.5, 0.8, "in", [0.3]),  # short and improbable, but spoken
        Candidate(2.6, 2.7, "Hmm.", [0.9]),  # short, over silence: probable or not
    ], speech_then_silence)
    assert found[0] is None and found[1] is None
    assert found[2] and "very short" in found[2] and "no speech" in found[2]


def test_improbable_segment_goes_only_over_silence(speech_then_silence):
    found = fragments.reasons([
        Candidate(0.0, 1.14, "in 1813.", [0.3, 0.2]),  # improbable words over speech: kept
        Candidate(1.8, 4.4, "Thank you for watching.", [0.3, 0.4, 0.2, 0.3]),
        Candidate(1.8, 4.4, "Thank you for watching.", [0.9, 0.9, 0.9, 0.9]),  # probable, long: kept
    ], speech_then_silence)
    assert found[0] is None and found[2] is None
    assert found[1] and "improbable" in found[1]


def test_trailing_repeats_over_silence_go_the_first_and_spoken_ones_stay(speech_then_silence):
    loop = [Candidate(0.0, 1.14, "in 1813.", [0.8, 0.8]), Candidate(1.9, 2.9, "Thank you.", [0.8, 0.8]),
            Candidate(2.9, 3.9, "thank you", [0.8, 0.8]), Candidate(3.9, 4.4, "Thank you!", [0.8, 0.8])]
    found = fragments.reasons(loop, speech_then_silence)
    assert found[0] is None and found[1] is None  # the first of the loop stays: it may be said once
    assert found[2] and found[3] and all("repeats" in why for why in found[2:])
    spoken = [Candidate(0.0, 0.6, "in 1813", [0.8]), Candidate(0.6, 1.2, "in 1813", [0.8])]
    assert fragments.reasons(spoken, speech_then_silence) == [None, None]  # said twice: kept
    middle = [loop[1], loop[2], Candidate(0.0, 1.14, "in 1813.", [0.8, 0.8])]
    assert fragments.reasons(middle, speech_then_silence)[1] is None  # not at the end


def test_nothing_suspect_runs_no_vad(monkeypatch):
    monkeypatch.setattr(fragments, "speech_regions", lambda *a, **k: pytest.fail("VAD ran"))
    assert fragments.reasons([Candidate(0.0, 2.0, "Hello there.", [0.9, 0.8])], np.zeros(32000, np.float32)) == [None]


def test_filter_settings_are_part_of_the_transcribe_key(monkeypatch):
    from lingoflow.pipeline import transcribe as transcribe_stage
    from lingoflow.config import LocalizeOptions

    ingested = SimpleNamespace(key_identity=lambda: "0" * 64, info=SimpleNamespace(path="/nonexistent/talk.wav"))  # no human captions beside it
    options = LocalizeOptions(asr_model="tiny.en")
    before = transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": options})
    assert transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": options}) == before
    monkeypatch.setattr(fragments, "SETTINGS", fragments.FragmentSettings(short_seconds=0.3))
    assert transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": options}) != before
