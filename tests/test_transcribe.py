from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.config import LocalizeOptions

from .text_norm import wer

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def test_jfk_with_embedded_multilingual_base(eval_dir):
    ingested = ingest(str(eval_dir / "asr" / "en_jfk.flac"))
    transcript = transcribe(ingested, LocalizeOptions())  # default: embedded 'base'
    assert transcript.language == "en"
    # at most one word of 22 off: the int8 kernels differ between CPUs (Intel/AMD)
    assert wer(JFK, " ".join(s.text for s in transcript.segments)) <= 1 / 22
    seg = transcript.segments[0]
    assert 0 < seg.confidence <= 1
    assert seg.words and all(w.start <= w.end for w in seg.words)
    americans = next(w for w in seg.words if "Americans" in w.text)
    assert 1.0 < americans.start < 2.5  # openai's test: "Americans" spans t=1.8 s
    assert transcript.source.sha256 == ingested.sha256


def test_model_by_local_path(eval_dir):
    from lingoflow.asr.models import embedded_tiny_en

    options = LocalizeOptions(asr_model=str(embedded_tiny_en()))
    ingested = ingest(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    transcript = transcribe(ingested, options)
    assert wer("EIGHT THE PRESS YARD", transcript.text) <= 0.25


def test_code_switching_finds_the_german_part(eval_dir):
    """What must hold on any CPU (int8 kernels differ between Intel and AMD, so segment counts,
    boundaries and the odd short fragment at the edges do not): the English reading is labelled
    en, the German reading de, and the switch is found near 30 s."""
    ingested = ingest(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3"))
    transcript = transcribe(ingested, LocalizeOptions(code_switching=True))
    switch = next(s.start for s in transcript.segments if s.language == "de")
    assert 28 <= switch <= 32, switch  # the German reading starts at about 30 s
    english = [s for s in transcript.segments if s.end <= switch]
    german = [s for s in transcript.segments if s.start >= switch]
    assert english and all(s.language == "en" for s in english), [(s.start, s.language) for s in english]
    german_seconds = sum(s.end - s.start for s in german)
    de_seconds = sum(s.end - s.start for s in german if s.language == "de")
    assert german_seconds > 20 and de_seconds >= 0.95 * german_seconds, [(s.start, s.end, s.language) for s in german]
    assert "software" in " ".join(s.text for s in german if s.language == "de").lower()
