from lingoflow import stages
from lingoflow.config import LocalizeOptions

from .text_norm import wer

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def test_jfk_with_embedded_multilingual_base(eval_dir):
    ingested = stages.ingest(str(eval_dir / "asr" / "en_jfk.flac"))
    transcript = stages.transcribe(ingested, LocalizeOptions())  # default: embedded 'base'
    assert transcript.language == "en"
    assert wer(JFK, " ".join(s.text for s in transcript.segments)) == 0.0
    seg = transcript.segments[0]
    assert 0 < seg.confidence <= 1
    assert seg.words and all(w.start <= w.end for w in seg.words)
    americans = next(w for w in seg.words if "Americans" in w.text)
    assert 1.0 < americans.start < 2.5  # openai's test: "Americans" spans t=1.8 s
    assert transcript.source.sha256 == ingested.sha256


def test_model_by_local_path(eval_dir):
    from lingoflow.asr.models import embedded_tiny_en

    options = LocalizeOptions(asr_model=str(embedded_tiny_en()))
    ingested = stages.ingest(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    transcript = stages.transcribe(ingested, options)
    assert wer("EIGHT THE PRESS YARD", transcript.text) <= 0.25
