"""The glossary through a whole localize run: its source terms reach faster-whisper's real
`WhisperModel.transcribe` as hotwords (and fix the names it would mishear), the translation
honors every term, and report.json sums the terms per file and language."""
import json

import faster_whisper

from lingoflow import samples
from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.config import LocalizeOptions

from .glossary_set import GLOSSARY, contains

LINES = ["Welcome to LingoFlow.", "Export the module as a SCORM package for Moodle.", "Then open the course library and take the quiz."]


def test_glossary_biases_asr_and_is_enforced_end_to_end(tmp_path, monkeypatch):
    clip = samples.make_media(samples.speak(LINES, [samples.VOICE_A], tmp_path), tmp_path / "welcome.mp3")
    calls = []
    real_transcribe = faster_whisper.WhisperModel.transcribe

    def recording_transcribe(self, audio, *args, **kwargs):  # records the call, then runs the real one
        calls.append(kwargs)
        return real_transcribe(self, audio, *args, **kwargs)

    monkeypatch.setattr(faster_whisper.WhisperModel, "transcribe", recording_transcribe)
    from lingoflow.flows.localize import localize_library

    out = tmp_path / "out"
    options = LocalizeOptions(targets=["pt"], source_language="en", asr_model="tiny.en", glossaries=[str(GLOSSARY)])
    report = localize_library([str(clip)], str(out), options)

    assert len(calls) == 1
    hotwords = calls[0]["hotwords"]
    for term in ("LingoFlow", "SCORM", "Moodle", "course library", "quiz"):
        assert term in hotwords
    assert hotwords.index("Moodle") < hotwords.index("course library")  # names first
    item = report["items"][0]
    assert item["status"] == "ok", item["error"]
    source = json.loads((out / "welcome" / "transcript.json").read_text())
    heard = " ".join(s["text"] for s in source["segments"])
    assert "lingoflow" in heard.lower() and "SCORM" in heard, heard  # one word, as the glossary has it

    # the same clip without the glossary: tiny.en mishears the product names
    plain = transcribe(ingest(str(clip)), LocalizeOptions(asr_model="tiny.en", source_language="en"))
    assert calls[-1]["hotwords"] is None
    assert "lingoflow" not in plain.text.lower() or "SCORM" not in plain.text, plain.text

    translated = json.loads((out / "welcome" / "transcript.pt.json").read_text())
    uses = [u for s in translated["segments"] for u in s["glossary"]]
    assert {u["target"] for u in uses} >= {"LingoFlow", "SCORM", "Moodle", "acervo de cursos", "questionário", "módulo"}
    assert all(u["honored"] for u in uses)
    text = " ".join(s["text"] for s in translated["segments"])
    assert contains(text, "acervo de cursos") and contains(text, "questionário")
    assert item["glossary"] == {"pt": {"applied": len(uses), "honored": len(uses), "missed": {}}}
    captions = (out / "welcome" / "captions.pt.srt").read_text()
    assert contains(" ".join(captions.split()), "acervo de cursos")
