import pysubs2
import pytest

from lingoflow.captions import cues as captions
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

from .cuefiles import write_cue_files

NORMS = captions.CaptionNorms()


def _transcript(segments, duration=60.0, language="en"):
    return Transcript(SourceInfo("x", "0" * 64, duration), language, 1.0, segments)


def _words(text, start, seconds_per_word):
    return [Word(start + i * seconds_per_word, start + (i + 1) * seconds_per_word - 0.02, w) for i, w in enumerate(text.split())]


LONG = ("In this lesson we look at the way rivers carry sediment from the mountains to the sea, "
        "and how over thousands of years that sediment builds the wide flat plains where most people live today.")


def _check_norms(cues, allow_fast=False, max_cps=17.0):
    for cue in cues:
        assert len(cue.lines) <= 2
        assert all(len(line) <= 42 for line in cue.lines)
        assert cue.end - cue.start <= 7.0 + 1e-6
        if not allow_fast:
            assert cue.chars / (cue.end - cue.start) <= max_cps + 1e-6
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start + 1e-6


def test_long_segment_is_resegmented_within_norms():
    seg = Segment(0, 1.0, 1.0 + 0.35 * len(LONG.split()), LONG, words=_words(LONG, 1.0, 0.35))
    cues = captions.make_cues(_transcript([seg]))
    assert len(cues) >= 3
    _check_norms(cues)
    assert " ".join(" ".join(c.lines) for c in cues) == LONG


def test_translation_without_word_timings_keeps_segment_span():
    seg = Segment(0, 2.0, 14.0, LONG, source_text="x")
    cues = captions.make_cues(_transcript([seg]))
    _check_norms(cues)
    assert cues[0].start == pytest.approx(2.0)
    assert cues[-1].end <= 14.0 + 7.0


def test_short_cue_extended_into_silence_for_reading_speed():
    seg = Segment(0, 1.0, 1.3, "Thank you very much everyone", words=_words("Thank you very much everyone", 1.0, 0.06))
    cues = captions.make_cues(_transcript([seg, Segment(1, 5.0, 6.0, "Next.", words=_words("Next.", 5.0, 0.5))]))
    assert cues[0].end - cues[0].start >= len("Thank you very much everyone") / 17 - 1e-6
    assert cues[0].end <= 5.0


def test_written_files_parse_back(tmp_path):
    seg = Segment(0, 0.5, 12.0, LONG, words=_words(LONG, 0.5, 0.3))
    cues = captions.make_cues(_transcript([seg]))
    write_cue_files(cues, tmp_path / "c.srt", tmp_path / "c.vtt")
    for name in ("c.srt", "c.vtt"):
        subs = pysubs2.load(str(tmp_path / name))
        assert len(subs) == len(cues)
        for event, cue in zip(subs, cues):
            assert event.plaintext == cue.text
            assert abs(event.start / 1000 - cue.start) < 0.011
    assert (tmp_path / "c.vtt").read_text().startswith("WEBVTT")


def test_wrap_balances_lines():
    lines = captions.wrap("And so my fellow Americans, ask not what your country can do for you", 42, 2)
    assert len(lines) == 2 and max(map(len, lines)) <= 42
    assert abs(len(lines[0]) - len(lines[1])) < 12
    assert captions.wrap("x" * 100, 42, 2) is None


def test_running_speech_pushes_next_cue_at_most_max_delay():
    # 17.5 chars a second of continuous speech: the first cue needs more time than its words take
    text = "Welcome to the course library and this first lesson we look at how rivers shape the land today"
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    _check_norms(cues)
    counts = [len(" ".join(c.lines).split()) for c in cues]
    speech_starts = [words[sum(counts[:i])].start for i in range(len(cues))]
    for cue, speech in zip(cues, speech_starts):
        assert speech - 1e-6 <= cue.start <= speech + NORMS.max_delay + 1e-6


def test_a_segment_just_over_one_cue_splits_in_balanced_cues_not_an_orphan():
    # 97 characters: one full cue plus "on the left." alone would flash 13 characters at the end
    text = "He began a confused complaint against the wizard who had vanished behind the curtain on the left."
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    _check_norms(cues)
    assert len(cues) == 2
    assert min(c.chars for c in cues) >= 0.6 * max(c.chars for c in cues)


def test_cues_cut_at_a_clause_end_when_one_is_near_the_middle():
    text = "Water carries small stones downstream for many years, and over time it cuts deep and wide valleys."
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    assert [c.text.replace("\n", " ") for c in cues] == [
        "Water carries small stones downstream for many years,", "and over time it cuts deep and wide valleys."]


def _srt_cues(tmp_path, transcript, source=None, max_cps=None):
    """The cues as the written SRT file holds them: (start, end, text, chars a second)."""
    from lingoflow.pipeline.outputs import write_captions

    write_captions(transcript, tmp_path, max_cps=max_cps, source=source)
    events = pysubs2.load(str(tmp_path / f"captions.{transcript.language}.srt"), format_="srt")
    out = []
    for e in events:
        chars = len(e.plaintext.replace("\n", ""))
        out.append((e.start / 1000, e.end / 1000, e.plaintext.replace("\n", " "), chars / ((e.end - e.start) / 1000)))
    return out


FAST = ("so what we found is that the old version of the tool was really slow on the big files and "
        "nobody could tell why until we looked at the logs and saw that every request opened a new "
        "connection to the database which of course takes a while when you do it a thousand times")


def _fast_speech(text, start, cps):
    """Continuous speech at `cps` characters a second (spaces count), words back to back."""
    words, t = [], start
    for w in text.split():
        d = (len(w) + 1) / cps
        words.append(Word(round(t, 3), round(t + d, 3), w))
        t += d
    return words


def test_fast_english_keeps_the_english_reading_speed_and_every_word(tmp_path):
    # 19 characters a second without a pause, after and before silence: above the old single 17 cps
    # norm, within English's 20 (Netflix's adult English guide)
    words = _fast_speech(FAST, 2.0, 19.0)
    tr = _transcript([Segment(0, 2.0, words[-1].end, FAST, words=words)], duration=words[-1].end + 3.0)
    cues = _srt_cues(tmp_path, tr)
    assert len(cues) >= 3
    assert all(cps <= 20.0 + 1e-6 for *_, cps in cues), cues
    assert " ".join(text for _, _, text, _ in cues) == FAST  # every word, in order
    for (_, end, _, _), (start, _, _, _) in zip(cues, cues[1:]):
        assert start - end >= 2 / 24 - 1e-3  # two frames between cues
    assert cues[0][0] >= 2.0 - 0.25 - 1e-6  # at most the lead-in before the speech


def test_portuguese_keeps_its_own_reading_speed_and_max_cps_overrides_it(tmp_path):
    assert captions.norms_for("pt").max_cps == 17.0 and captions.norms_for("en").max_cps == 20.0
    words = _fast_speech(FAST, 2.0, 14.0)
    source = _transcript([Segment(0, 2.0, words[-1].end, FAST, words=words)], duration=words[-1].end + 3.0)
    pt = source.translated("pt", ["então o que descobrimos é que a versão antiga da ferramenta era muito lenta com os arquivos "
                                  "grandes e ninguém sabia dizer por quê até olharmos os registros e vermos que cada pedido abria "
                                  "uma nova conexão com o banco de dados o que leva tempo quando se faz isso mil vezes"])
    cues = _srt_cues(tmp_path, pt, source)
    assert all(cps <= 17.0 + 1e-6 for *_, cps in cues), cues  # Brazilian Portuguese: 17
    # a short line before silence: shown long enough for the reading speed asked for (--max-cps)
    short = _transcript([Segment(0, 1.0, 1.8, "Thank you all.", words=_fast_speech("Thank you all.", 1.0, 18.0))], duration=10.0)
    pt = short.translated("pt", ["Obrigado a todos pela atenção."])
    (start, end, _, cps), = _srt_cues(tmp_path, pt, short, max_cps=10.0)
    assert cps <= 10.0 + 1e-6 and end - start >= 30 / 10.0 - 1e-3


def test_translation_cues_follow_the_source_speech_across_its_pause(tmp_path):
    # the source says its two halves with a 2.5 s pause between them: the translation's second
    # cue shows while the second half is heard, not in the pause
    first, second = "I opened the door to the garden,", "and the whole house smelled of rain."
    w1 = _fast_speech(first, 1.0, 14.0)
    w2 = _fast_speech(second, w1[-1].end + 2.5, 14.0)
    source = _transcript([Segment(0, 1.0, w2[-1].end, f"{first} {second}", words=w1 + w2)], duration=w2[-1].end + 3.0)
    pt = source.translated("pt", ["Eu abri a porta para o jardim, e a casa inteira cheirava a chuva."])
    cues = _srt_cues(tmp_path, pt, source)
    assert [text for *_, text, _ in cues] == ["Eu abri a porta para o jardim,", "e a casa inteira cheirava a chuva."]
    assert cues[1][0] >= w2[0].start - 0.25 - 1e-6 and cues[1][0] <= w2[0].start + 0.75


def test_no_cue_reads_faster_than_25_cps_even_when_later_cues_must_wait(tmp_path):
    words = _fast_speech(FAST, 0.5, 40.0)  # far too fast for anyone to read
    tr = _transcript([Segment(0, 0.5, words[-1].end, FAST, words=words), Segment(1, 30.0, 31.0, "Next.", words=_words("Next.", 30.0, 0.5))],
                     duration=40.0)
    cues = _srt_cues(tmp_path, tr)
    assert all(cps <= captions.HARD_MAX_CPS + 1e-6 for *_, cps in cues), cues
    assert " ".join(text for _, _, text, _ in cues) == FAST + " Next."
    assert cues[-1][0] == pytest.approx(30.0, abs=0.25)  # the later silence took the delay back


def test_a_cue_after_silence_appears_early_for_reading_speed_not_into_speech(tmp_path):
    # after a pause, a speaker talks on without a break to the end of the media (18 characters a
    # second of English, longer in Portuguese): 0.25 s early and 0.75 s late leave the last cue
    # reading at 18.5 cps; the first may use the silence before it (up to 1.5 s), which gives
    # every cue its 17 cps; cues that follow speech still appear at most 0.25 s before their own
    en1 = "we moved the servers last week and since then every build has been twice as slow as before"
    en2 = "so today we will look at the logs together and find out what changed"
    w0, w1 = _fast_speech("Okay.", 0.5, 12.0), _fast_speech(en1, 4.0, 18.0)
    w2 = _fast_speech(en2, w1[-1].end, 18.0)
    source = _transcript([Segment(0, 0.5, w0[-1].end, "Okay.", words=w0), Segment(1, 4.0, w1[-1].end, en1, words=w1),
                          Segment(2, w2[0].start, w2[-1].end, en2, words=w2)], duration=w2[-1].end + 0.3)
    pt = source.translated("pt", ["Certo.", "nós mudamos os servidores na semana passada e desde então cada compilação ficou "
                                  "duas vezes mais lenta", "então hoje vamos olhar os registros juntos e descobrir o que mudou"])
    cues = _srt_cues(tmp_path, pt, source)
    assert all(cps <= 17.0 + 1e-6 for *_, cps in cues), cues
    assert " ".join(text for _, _, text, _ in cues) == " ".join(s.text for s in pt.segments)  # every word, in order
    starts = [c[0] for c in cues]
    assert w0[-1].end <= starts[1] < 4.0 - 0.25  # into the silence, not into "Okay."
    assert starts[1] >= 4.0 - captions.CaptionNorms().quiet_lead - 1e-6
    # the next segment's cue follows speech: no more than the lead-in before its words
    third = next(start for start, _, text, _ in cues if text.startswith("então hoje"))
    assert third >= w2[0].start - 0.25 - 1e-6
    for (_, end, _, _), (start, _, _, _) in zip(cues, cues[1:]):
        assert start - end >= 2 / 24 - 1e-3  # two frames between cues
