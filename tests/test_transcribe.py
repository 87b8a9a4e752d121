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


def test_code_switching_finds_the_german_part(eval_dir):
    ingested = stages.ingest(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3"))
    transcript = stages.transcribe(ingested, LocalizeOptions(code_switching=True))
    langs = [s.language for s in transcript.segments]
    assert langs[0] == "en" and langs[-1] == "de"
    switch = next(s.start for s in transcript.segments if s.language == "de")
    assert 25 < switch < 35  # the German reading starts at about 30 s
    assert "Software" in " ".join(s.text for s in transcript.segments if s.language == "de")
