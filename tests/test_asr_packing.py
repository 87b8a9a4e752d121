"""Short files packed into shared Whisper windows (--asr-pack): each word back in its own file,
nothing lost against one file at a time, fewer windows encoded; a library run uses it."""
import json

import numpy as np
import pytest

from lingoflow.asr import packing
from lingoflow.asr.base import AsrOptions
from lingoflow.asr.faster_whisper import FasterWhisperTranscriber, load_model
from lingoflow.io import media
from lingoflow.pipeline.ingest import ingest
from lingoflow.quality.metrics import score

from .conftest import run_cli

JFK, LJ20, LJ35, STEREO = "asr/en_jfk.flac", "asr/en_ljspeech_LJ002-0020.wav", "asr/en_ljspeech_LJ002-0035.wav", "asr/en_fw_stereo_diarization.wav"
RATE = media.SAMPLE_RATE


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _words(result) -> list[str]:
    return [_norm(w.text) for s in result.segments for w in s.words if _norm(w.text)]


# ---- the layout and the mapping back, on synthetic numbers


def test_layout_joins_each_files_speech_and_gaps_them():
    a, b = np.ones(5 * RATE, np.float32), np.full(3 * RATE, 2.0, np.float32)
    regions = [[{"start": RATE, "end": 2 * RATE}, {"start": 3 * RATE, "end": 4 * RATE}], [{"start": 0, "end": RATE}]]
    lay = packing.layout([a, b], regions, gap=1.0)
    assert len(lay.audio) == (2 + 1 + 1 + 1) * RATE  # a's two regions, a gap, b's region, a gap
    assert lay.pieces == [{"start": 0, "end": 3 * RATE, "file": 0}, {"start": 3 * RATE, "end": 5 * RATE, "file": 1}]
    assert np.all(lay.audio[3 * RATE:4 * RATE] == 2.0) and np.all(lay.audio[2 * RATE:3 * RATE] == 0.0)
    assert len(lay.windows()) == 1  # 5 s: one window
    assert lay.windows()[0].samples == 4 * RATE  # ending where b's speech does


def test_windows_never_split_a_file():
    audios = [np.ones(12 * RATE, np.float32) for _ in range(5)]
    regions = [[{"start": 0, "end": 12 * RATE}] for _ in audios]
    lay = packing.layout(audios, regions, gap=1.0)
    windows = lay.windows()
    assert [len(w.pieces) for w in windows] == [2, 2, 1]  # 13 s a file: two fit 30 s, a third does not
    for w in windows:
        assert all(p["end"] - p["start"] == 13 * RATE for p in w.pieces[:-1])  # a file's speech and its gap
        assert w.pieces[-1]["end"] - w.pieces[-1]["start"] == 12 * RATE  # the window's last: its speech, no gap after


def test_words_go_back_to_their_file_at_their_time_there():
    audios = [np.zeros(10 * RATE, np.float32), np.zeros(6 * RATE, np.float32)]
    regions = [[{"start": 2 * RATE, "end": 5 * RATE}], [{"start": RATE, "end": 3 * RATE}]]
    lay = packing.layout(audios, regions, gap=1.0)  # file 0 at 0-3 s (+gap to 4 s), file 1 at 4-6 s
    seg = {"text": " one two three", "start": 0.5, "end": 5.0, "avg_logprob": -0.1, "no_speech_prob": 0.0,
           "words": [{"word": " one", "start": 0.5, "end": 1.0, "probability": 0.9}, {"word": " two", "start": 2.0, "end": 2.5, "probability": 0.9},
                     {"word": " three", "start": 4.5, "end": 5.0, "probability": 0.9}]}
    files, crossed = packing.to_files([seg], lay, 2)
    assert crossed == set()  # each word inside its file's speech: the split is clear
    assert [w["word"] for w in files[0][0]["words"]] == [" one", " two"] and files[0][0]["text"] == " one two"
    assert (files[0][0]["start"], files[0][0]["end"]) == (2.5, 4.5)  # 0.5 s and 2.5 s into file 0's speech, which starts at 2 s
    assert [w["word"] for w in files[1][0]["words"]] == [" three"]
    assert (files[1][0]["start"], files[1][0]["end"]) == (1.5, 2.0)
    # "two" starts in file 0's speech and runs 0.9 s into the silence after it (Whisper's last word
    # of a phrase, its end in the pause): file 0's, at its start's time there, and the split is clear
    stretched = {**seg, "words": [seg["words"][0], {"word": " two", "start": 2.6, "end": 3.9, "probability": 0.9}, seg["words"][2]]}
    files, crossed = packing.to_files([stretched], lay, 2)
    assert crossed == set()
    assert [w["word"] for w in files[0][0]["words"]] == [" one", " two"] and [w["word"] for w in files[1][0]["words"]] == [" three"]
    # ... and likewise a first word whose start runs back into the silence before its file's speech
    early = {**seg, "words": [seg["words"][0], {"word": " three", "start": 3.1, "end": 4.4, "probability": 0.9}]}
    files, crossed = packing.to_files([early], lay, 2)
    assert crossed == set() and [w["word"] for w in files[1][0]["words"]] == [" three"]
    # a word from file 0's speech to file 1's over the whole gap, or lying in the gap alone, may be either file's: both decoded alone
    across = {**seg, "words": [seg["words"][0], {"word": " two", "start": 2.8, "end": 4.3, "probability": 0.9}, seg["words"][2]]}
    assert packing.to_files([across], lay, 2)[1] == {0, 1}
    inside = {**seg, "words": [seg["words"][0], {"word": " two", "start": 3.05, "end": 3.95, "probability": 0.9}, seg["words"][2]]}
    assert packing.to_files([inside], lay, 2)[1] == {0, 1}


def test_a_file_whose_speech_end_has_no_words_was_not_heard():
    regions = [{"start": 0, "end": 6 * RATE}]
    heard = [{"words": [{"start": 0.4, "end": 5.5}]}]
    assert not packing.unheard(heard, regions)
    assert packing.unheard([{"words": [{"start": 0.4, "end": 3.0}]}], regions)  # 3 s of speech after the last word
    assert packing.unheard([], regions)
    assert not packing.unheard([], [{"start": 0, "end": RATE // 2}])  # half a second: may hold no word


# ---- the real model on real recordings


@pytest.fixture(scope="module")
def clips(eval_dir) -> list[np.ndarray]:
    return [media.load_wav(ingest(str(eval_dir / rel)).audio_wav) for rel in (JFK, LJ20, LJ35, JFK, STEREO)]


class _CountingEncoder:
    """Counts the windows the model's encoder hears (a spy around the real model)."""

    def __init__(self, inner):
        self.inner, self.windows = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, features, *args, **kwargs):
        self.windows += features.shape[0]
        return self.inner.encode(features, *args, **kwargs)


def test_packed_files_keep_every_word_in_fewer_windows(clips, monkeypatch):
    engine = FasterWhisperTranscriber()
    options = AsrOptions(model="base", language="en")
    alone = [engine.transcribe(a, options) for a in clips]
    model = load_model("base")
    spy = _CountingEncoder(model.model)
    monkeypatch.setattr(model, "model", spy)
    packed = engine.transcribe_packed(clips, options)
    assert all(r is not None for r in packed)
    assert spy.windows <= 3, spy.windows  # 11 + 1.5 + 1.5 + 11 + 5 s of speech: two windows (and a rest), not five
    for a, solo, result in zip(clips, alone, packed):
        # nothing lost: every word said alone has a packed word at its time (a window's context
        # may word a phrase otherwise: "if he seemed to complain" / "a few complaints", on one CPU and not another)
        heard_at = [(w.start - 0.25, w.end + 0.25) for s in result.segments for w in s.words]
        missing = [w.text for s in solo.segments for w in s.words if not any(a0 < w.end and w.start < b0 for a0, b0 in heard_at)]
        assert missing == [], (missing, solo, result)
        duration = len(a) / RATE
        assert all(0 <= w.start <= w.end <= duration + 0.01 for s in result.segments for w in s.words)
    for i, words in ((0, {"americans", "country"}), (1, {"1813"}), (2, {"press", "yard"}), (4, {"wizard", "curtain"})):
        assert words <= set(_words(packed[i])), (i, packed[i])  # each file its own words
    for i in (0, 3):  # the second JFK sat ~18 s into its window: its words come back at their time in the file
        said = [w for s in alone[i].segments for w in s.words if _norm(w.text) == "americans"]
        heard = [w for s in packed[i].segments for w in s.words if _norm(w.text) == "americans"]
        assert said and heard and abs(heard[0].start - said[0].start) < 0.3 and heard[0].start < 3.0  # said at ~1.8 s


def test_only_files_of_a_known_language_are_packed(clips):
    """Detecting each file's language first costs a padded window a file, what packing saves:
    without --from (or a one-language --languages) every file is left to its own run."""
    engine = FasterWhisperTranscriber()
    assert engine.transcribe_packed(clips[:3], AsrOptions(model="base")) == [None, None, None]
    listed = engine.transcribe_packed(clips[:3], AsrOptions(model="base", languages=("en",)))
    assert all(r is not None and r.language == "en" and r.language_id.decided_by == "allow-list" for r in listed)


def test_long_or_silent_files_are_not_packed(clips):
    engine = FasterWhisperTranscriber()
    long_speech = np.concatenate([clips[0]] * 3)  # 33 s of speech
    silence = np.zeros(5 * RATE, np.float32)
    results = engine.transcribe_packed([long_speech, clips[0], silence, clips[3]], AsrOptions(model="base", language="en"))
    assert results[0] is None and results[2] is None
    assert results[1] is not None and results[3] is not None


# ---- a library run


def test_a_library_of_short_files_is_packed_and_a_bad_file_fails_alone(tmp_path, eval_dir):
    lib = tmp_path / "lib"
    lib.mkdir()
    for rel in (JFK, LJ20, LJ35):
        (lib / (eval_dir / rel).name).symlink_to(eval_dir / rel)
    (lib / "broken.mp3").write_bytes(b"ID3" + b"\x00garbage" * 500)
    out = tmp_path / "out"
    proc = run_cli("localize", str(lib), "--out", str(out), "--from", "en", "--diarize-engine", "none")
    report = json.loads((out / "report.json").read_text())
    items = {i["item"]: i for i in report["items"]}
    assert items["broken"]["status"] == "failed" and "broken.mp3" in items["broken"]["error"], proc.stdout
    assert all(items[n]["status"] == "ok" for n in ("en_jfk", "en_ljspeech_LJ002-0020", "en_ljspeech_LJ002-0035"))
    srt = (out / "en_jfk" / "captions.en.srt").read_text()
    assert "Americans" in srt and "country" in srt
    lj20, lj35 = ((out / n / "captions.en.srt").read_text().lower() for n in ("en_ljspeech_LJ002-0020", "en_ljspeech_LJ002-0035"))
    assert "1813" in lj20 and "press" not in lj20 and "press yard" in lj35 and "1813" not in lj35  # each file its own words
    # decoded together, each transcript handed to its file's run: its transcribe stage ran there (not reused)
    for n in ("en_jfk", "en_ljspeech_LJ002-0020", "en_ljspeech_LJ002-0035"):
        assert items[n]["asr_packed"] and not items[n]["stages"]["transcribe"]["cached"], items[n]
    again = run_cli("localize", str(lib), "--out", str(out), "--from", "en", "--diarize-engine", "none")  # a re-run reuses each one's own
    items = {i["item"]: i for i in json.loads((out / "report.json").read_text())["items"]}
    assert items["en_jfk"]["stages"]["transcribe"]["cached"] and not items["en_jfk"].get("asr_packed"), again.stdout
    off = tmp_path / "off"
    run_cli("localize", str(lib), "--out", str(off), "--from", "en", "--diarize-engine", "none", "--asr-pack", "off")
    items_off = {i["item"]: i for i in json.loads((off / "report.json").read_text())["items"]}
    assert not items_off["en_jfk"].get("asr_packed") and not items_off["en_jfk"]["stages"]["transcribe"]["cached"]
    assert (off / "en_jfk" / "captions.en.srt").read_text().count("country") == srt.count("country")


def test_a_file_in_the_wrong_language_sinks_only_itself(eval_dir, monkeypatch):
    """German speech told it is English drags its window's average under the retry threshold;
    the window is not decoded again whole at higher temperatures: each file's share is judged on
    its own words, the English ones kept from the window, the German one decoded again alone."""
    from lingoflow.asr import faster_whisper

    ende = media.load_wav(ingest(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3")).audio_wav)
    clips = [media.load_wav(ingest(str(eval_dir / LJ20)).audio_wav), ende[30 * RATE : 40 * RATE], media.load_wav(ingest(str(eval_dir / LJ35)).audio_wav)]
    options = AsrOptions(model="base", language="en")
    engine = FasterWhisperTranscriber()
    alone = [engine.transcribe(a, options) for a in clips]
    whole_window_retries = []
    sequential = faster_whisper._sequential
    monkeypatch.setattr(faster_whisper, "_sequential", lambda model, opts: lambda audio, lang: whole_window_retries.append(len(audio)) or sequential(model, opts)(audio, lang))
    packed = engine.transcribe_packed(clips, options)
    assert whole_window_retries == []
    assert [s.text for s in packed[1].segments] == [s.text for s in alone[1].segments]  # decoded alone: the same words
    for i in (0, 2):
        assert _words(packed[i]) == _words(alone[i]), (packed[i], alone[i])


def test_a_doubtful_window_keeps_the_files_whose_own_words_are_sure():
    from types import SimpleNamespace

    from lingoflow.asr.faster_whisper import _unsure

    def seg(text, p):
        return {"text": text, "words": [{"word": " " + w, "probability": p} for w in text.split()]}

    rules = SimpleNamespace(log_prob_threshold=-1.0, compression_ratio_threshold=2.4)  # the sequential decoder's
    assert not _unsure([seg("In 1813, the press yard", 0.9)], rules)
    assert _unsure([seg("Jeden Tag ist ein", 0.2)], rules)  # mean log probability under -1
    assert _unsure([seg("the the the the the the the the the the the the the the the the the the the the the", 0.9)], rules)  # repetitive
    assert not _unsure([], rules)  # no words: the unheard-speech rule judges it


def test_the_files_a_window_rest_holds():
    from lingoflow.asr.chunks import Chunk

    lay = packing.layout([np.ones(RATE, np.float32), np.ones(2 * RATE, np.float32)], [[{"start": 0, "end": RATE}], [{"start": 0, "end": 2 * RATE}]], gap=0.5)
    assert lay.files_in(Chunk([{"start": 0, "end": len(lay.audio)}])) == {0, 1}
    assert lay.files_in(Chunk([{"start": int(1.6 * RATE), "end": len(lay.audio)}])) == {1}
    assert lay.files_in(Chunk([{"start": RATE, "end": int(1.5 * RATE)}])) == set()  # the gap: nobody's speech
