"""Language identification that knows the library (lingoflow/asr/language.py, library.py; docs/languages.md).

Real recordings of ../shared/eval: an 8 s far-field AMI cut Whisper base reads as Welsh on its
own (trn08, 8-16 s: "cy" at 0.47 on an AMD EPYC; unsure on any CPU), the German half of the
en+de code-switching clip, and the JFK speech."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lingoflow.asr import language, library
from lingoflow.asr.base import AsrOptions
from lingoflow.asr.faster_whisper import FasterWhisperTranscriber
from lingoflow.config import LocalizeOptions
from lingoflow.io import media

from .conftest import ffmpeg, run_cli


def _lid(probabilities: dict, by=language.FIRST_WINDOW) -> language.LanguageId:
    lid = language.heard([probabilities])
    return language.LanguageId(**{**lid.__dict__, "decided_by": by})


def test_windows_combine_weighted_by_their_own_certainty():
    sure_en = {"en": 0.9, "de": 0.05, "cy": 0.05}
    unsure_cy = {"cy": 0.45, "en": 0.4, "de": 0.15}
    lid = language.heard([unsure_cy, sure_en])
    assert lid.language == "en" and lid.decided_by == language.MULTI_WINDOW and lid.windows == 2
    weights = 0.45 + 0.9
    assert lid.probability == pytest.approx((0.45 * 0.4 + 0.9 * 0.9) / weights)
    assert [c[0] for c in lid.candidates][:2] == ["en", "cy"]


def test_windows_spread_over_the_speech_after_the_first():
    speech = np.arange(int(150 * language.SAMPLE_RATE), dtype=np.float32)
    windows = language.speech_windows(speech, 4)
    assert len(windows) == 4 and all(len(w) == int(30 * language.SAMPLE_RATE) for w in windows)
    starts = [int(w[0]) for w in windows]
    assert starts[0] > 0 and starts[-1] == len(speech) - len(windows[0])  # the first window is heard already; the last reaches the end
    assert language.speech_windows(speech[: int(29 * language.SAMPLE_RATE)], 4) == []  # one window holds it all
    assert len(language.speech_windows(speech[: int(45 * language.SAMPLE_RATE)], 4)) == 1  # no more overlap than needed


def test_an_unsure_file_is_decided_within_the_prior_a_sure_one_stands():
    unsure = _lid({"cy": 0.48, "en": 0.40, "de": 0.12})
    assert unsure.unsure
    decided = language.decide(unsure, prior=["en", "fr"])
    assert (decided.language, decided.decided_by, decided.detected) == ("en", language.LIBRARY_PRIOR, "cy")
    german = _lid({"de": 0.97, "en": 0.03})
    assert language.decide(german, prior=["en"]).language == "de"  # a German lecture in an English course stays German
    assert language.decide(unsure, prior=[]).language == "cy"  # no prior: as Whisper heard it
    agreeing = language.decide(_lid({"en": 0.55, "cy": 0.40}), prior=["en"])
    assert (agreeing.language, agreeing.decided_by) == ("en", language.LIBRARY_PRIOR)  # unsure: the prior decided, and agreed
    listed = language.decide(german, allowed=["en", "fr"])  # an allow-list decides even a sure file
    assert (listed.language, listed.decided_by) == ("en", language.ALLOW_LIST)


def test_the_library_set_holds_only_confident_detections(tmp_path):
    sure_fr = _lid({"fr": 0.95, "en": 0.05}).to_dict()
    unsure_cy = _lid({"cy": 0.5, "en": 0.5}).to_dict()
    by_prior = language.decide(language.LanguageId.from_dict(unsure_cy), prior=["en"]).to_dict()
    assert library.confident_languages([sure_fr, unsure_cy, by_prior, None]) == ["fr"]
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"items": [{"status": "ok", "language_id": sure_fr}, {"status": "failed", "language_id": _lid({"de": 1.0}).to_dict()},
                                            {"status": "ok", "language_id": unsure_cy}]}))
    assert library.earlier_languages(report) == ["fr"]
    assert library.earlier_languages(tmp_path / "missing.json") == []


def test_languages_option_parses_and_validates():
    assert LocalizeOptions(languages="en, FR,en").languages == ["en", "fr"]
    with pytest.raises(ValueError, match="xx"):
        LocalizeOptions(languages=["en", "xx"])


@pytest.fixture(scope="module")
def cuts(eval_dir, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("cuts")
    out = {}
    for name, src, start, seconds in [("ami_trn08_8s.wav", "diar/ami/trn08.wav", 8, 8), ("german_30s.wav", "asr/en+de_fw_multilingual.mp3", 30, 30),
                                      ("jfk.wav", "asr/en_jfk.flac", 0, 11)]:
        ffmpeg("-ss", str(start), "-t", str(seconds), "-i", str(eval_dir / src), "-ac", "1", "-ar", "16000", str(folder / name))
        out[name] = folder / name
    return out


def test_an_unsure_far_field_cut_is_decided_by_the_prior_or_the_allow_list(cuts):
    audio = media.load_wav(cuts["ami_trn08_8s.wav"])
    engine = FasterWhisperTranscriber()
    alone = engine.transcribe(audio, AsrOptions(model="base", defer_unsure=True))
    assert alone.deferred and not alone.segments  # unsure: left for the library, nothing decoded
    assert alone.language_id.probability < language.UNSURE_BELOW
    for options in (AsrOptions(model="base", prior=("en",)), AsrOptions(model="base", languages=("en", "fr"))):
        result = engine.transcribe(audio, options)
        assert result.language == "en" and {s.language for s in result.segments} == {"en"}
        words = " ".join(s.text for s in result.segments).lower()
        assert any(w in words.split() for w in ("the", "and", "it", "i", "you", "so", "that", "a")), words


def test_a_library_decides_unsure_files_after_the_confident_ones(cuts, tmp_path):
    """JFK (English, sure), the far-field cut (unsure) and 30 s of German in one library: the cut
    comes out English, decided by the library's languages; the German stays German."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for path in cuts.values():
        (lib / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    proc = run_cli("localize", str(lib), "--out", str(out), "--diarize-engine", "none", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = {i["item"]: i for i in json.loads((out / "report.json").read_text())["items"]}
    transcripts = {item: json.loads((out / item / "transcript.json").read_text()) for item in items}
    cut = next(k for k in items if k.startswith("ami_trn08"))
    german = next(k for k in items if k.startswith("german"))
    assert transcripts[cut]["language"] == "en" and {s["language"] for s in transcripts[cut]["segments"]} <= {"en"}
    assert items[cut]["language_id"]["decided_by"] == language.LIBRARY_PRIOR  # unsure on any CPU (Intel: cy 0.53, AMD: cy 0.47)
    assert items[cut]["language_id"]["probability"] < language.UNSURE_BELOW
    assert transcripts[german]["language"] == "de" and "Software" in " ".join(s["text"] for s in transcripts[german]["segments"])
    assert items[german]["language_id"]["decided_by"] == language.FIRST_WINDOW
    # the decision is visible: its candidates in the report, what decided it on the review page
    assert items[cut]["language_id"]["candidates"] and items[cut]["language_id"]["detected"]
    assert f"({items[cut]['language_id']['decided_by']}" in (out / "report.html").read_text()
    assert f"({items[cut]['language_id']['decided_by']}" in (out / cut / "review.html").read_text()
    # a re-run reuses what was decided: no stage runs again
    again = run_cli("localize", str(lib), "--out", str(out), "--diarize-engine", "none", "--quiet")
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = {i["item"]: i for i in json.loads((out / "report.json").read_text())["items"]}
    assert rerun[cut]["language"] == "en"
    assert all(s["cached"] for i in rerun.values() for name, s in i["stages"].items() if name != "ingest")


def test_an_unsure_first_window_hears_more_windows_a_sure_one_none(eval_dir, monkeypatch):
    from faster_whisper import decode_audio

    from lingoflow.asr.faster_whisper import load_model

    model = load_model("base")
    speech = decode_audio(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3"))[: 28 * 16000]
    speech = np.concatenate([speech, speech, speech])  # 84 s of English speech
    unsure_first = {"cy": 0.5, "en": 0.3, "de": 0.2}  # a far-field first window, as Whisper heard trn08
    lid = language.identify(model, speech, unsure_first)
    assert (lid.language, lid.decided_by) == ("en", language.MULTI_WINDOW) and lid.windows == 3
    assert lid.probability > unsure_first["en"]
    calls = []
    monkeypatch.setattr(language, "distributions", lambda *a: calls.append(a) or [])
    sure = language.identify(model, speech, {"en": 0.95, "de": 0.05})
    assert (sure.language, sure.decided_by, sure.windows) == ("en", language.FIRST_WINDOW, 1) and calls == []  # no extra cost
    result = FasterWhisperTranscriber().transcribe(media.load_wav(stages_ingest(eval_dir / "asr" / "en_jfk.flac")), AsrOptions(model="base"))
    assert result.language_id.decided_by == language.FIRST_WINDOW and calls == []


def stages_ingest(path):
    from lingoflow.pipeline.ingest import ingest

    return ingest(str(path)).audio_wav


def test_the_transcribe_key_holds_the_decided_language(eval_dir, tmp_path):
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline import transcribe as transcribe_stage
    from lingoflow.pipeline.stage import FileWork

    ingested = ingest(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    work = FileWork("x.wav", "x", LocalizeOptions(), None, None, ingested=ingested)
    stage = transcribe_stage.TranscribeStage()
    guessed = stage.key(work)
    work.language = language.decide(_lid({"cy": 0.5, "en": 0.45}), prior=["en"]).to_dict()
    decided = stage.key(work)
    assert decided != guessed
    assert decided == transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": LocalizeOptions(source_language="en")})
    work.language = {**work.language, "candidates": [], "probabilities": {"en": 1.0}}  # how it was decided does not key it
    assert stage.key(work) == decided
    assert transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": LocalizeOptions(languages=["en", "fr"])}) != guessed


def test_a_single_file_alone_has_no_prior(tmp_path):
    from flows.languages import library_prior_applies

    out = tmp_path / "out"
    one, two = ["a.wav"], ["a.wav", "b.wav"]
    assert not library_prior_applies(LocalizeOptions(), one, str(out), None)
    assert library_prior_applies(LocalizeOptions(), two, str(out), None)
    for given in (LocalizeOptions(source_language="en"), LocalizeOptions(languages="en"), LocalizeOptions(code_switching=True)):
        assert not library_prior_applies(given, two, str(out), None)
    out.mkdir()
    (out / "report.json").write_text(json.dumps({"items": [{"status": "ok", "language_id": _lid({"en": 0.99}).to_dict()}]}))
    assert library_prior_applies(LocalizeOptions(), one, str(out), None)  # an earlier run of OUT heard English


def test_the_allow_list_is_a_cli_option_and_a_deployment_parameter(tmp_path):
    from lingoflow.flows.deployments import build_options

    assert build_options([], None, "base", None, None, None, "en,fr").languages == ["en", "fr"]
    assert build_options([], None, "base", None, None, None, ["de"]).languages == ["de"]
    proc = run_cli("localize", str(tmp_path), "--out", str(tmp_path / "out"), "--languages", "en,xx")
    assert proc.returncode == 2 and "xx" in proc.stderr
