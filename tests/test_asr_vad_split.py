"""The sequential decoder splits a segment where Silero VAD cut silence out (lingoflow/asr/
faster_whisper.py): faster-whisper joins the speech regions, decodes them as one stream and
puts each word back where it was said, but left one segment spanning the silence between two
regions (a caption and a dub line over silence, speech the diarizer's scoring found nowhere)."""
import numpy as np
import pytest

from lingoflow.asr.base import AsrOptions
from lingoflow.asr.faster_whisper import FasterWhisperTranscriber, load_model

@pytest.fixture(scope="module")
def two_utterances(eval_dir) -> tuple[np.ndarray, tuple[float, float]]:
    """LJ002-0020 ("in eighteen thirteen", 1.5 s), 3 s of silence, LJ002-0035 ("eight, the press
    yard"); and where the silence lies (s)."""
    from faster_whisper import decode_audio

    first = decode_audio(str(eval_dir / "asr" / "en_ljspeech_LJ002-0020.wav"))
    second = decode_audio(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    silence = (len(first) / 16000, len(first) / 16000 + 3.0)
    return np.concatenate([first, np.zeros(3 * 16000, np.float32), second]), silence


def test_no_segment_spans_the_silence_the_vad_cut_out(two_utterances):
    audio, silence = two_utterances
    result = FasterWhisperTranscriber().transcribe(audio, AsrOptions(model="tiny.en", language="en"))
    text = " ".join(s.text for s in result.segments).lower()
    assert "1813" in text and "press yard" in text, text
    for seg in result.segments:
        assert seg.words and seg.start == seg.words[0].start and seg.end == seg.words[-1].end
        assert seg.end < silence[0] + 0.5 or seg.start > silence[1] - 0.5, (seg.start, seg.end, seg.text)  # before it or after it
    # the same decode as faster-whisper's own: every word, where it put it
    library, _ = load_model("tiny.en").transcribe(audio, language="en", beam_size=5, vad_filter=True,
                                                  word_timestamps=True, condition_on_previous_text=False)
    theirs = [(w.word.strip(), w.start, w.end) for s in library for w in s.words]
    ours = [(w.text, w.start, w.end) for s in result.segments for w in s.words]
    assert [w for w, _, _ in ours] == [w for w, _, _ in theirs]
    assert all(abs(a[1] - b[1]) <= 0.011 and abs(a[2] - b[2]) <= 0.011 for a, b in zip(ours, theirs)), (ours, theirs)
