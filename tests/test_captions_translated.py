"""Captions of a translation longer than its source: re-segmented to the line norms, shown from
up to the lead-in before the source segment, and never faster than HARD_MAX_CPS: an extreme one
pushes the next cue later, and the silence after that recovers the delay."""
from lingoflow.captions import cues as captions
from lingoflow.schema import Segment, SourceInfo, Transcript

LONG_PT = ("Antes de fazer o questionário, abra o acervo de cursos e revise com calma os três módulos "
           "da trilha de aprendizagem desta semana.")


def test_longer_translation_resegmented_within_source_span():
    segments = [
        Segment(0, 1.0, 3.0, LONG_PT, source_text="Before the quiz, review this week's modules."),
        Segment(1, 3.2, 5.0, "Boa sorte a todos.", source_text="Good luck, everyone."),
        Segment(2, 9.0, 10.0, "Até logo e obrigado pela atenção de todos vocês.", source_text="Bye."),
    ]
    norms = captions.norms_for("pt")
    delay, lead = norms.max_delay, norms.lead_in
    cues = captions.make_cues(Transcript(SourceInfo("x", "0" * 64, 14.0), "pt", 1.0, segments))
    first = [c for c in cues if c.lines[0] in LONG_PT]
    assert len(first) >= 2  # 130 characters do not fit one cue
    # silence before it (the media's start): it may appear up to quiet_lead early for reading speed
    assert max(1.0 - norms.quiet_lead, 0.0) <= first[0].start <= 1.0
    # 130 characters for 2 s of speech: shown at 25 characters a second at most (no one reads
    # faster), which pushes the next segment's cue later; the silence after it recovers that
    assert all(c.chars / (c.end - c.start) <= captions.HARD_MAX_CPS + 1e-6 for c in first)
    assert " ".join(" ".join(c.lines) for c in first) == LONG_PT  # every word, in order
    for cue in cues:
        assert len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines)
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start
    second = next(c for c in cues if c.text == "Boa sorte a todos.")
    assert second.start >= first[-1].end + norms.min_gap - 1e-6 and second.end <= 9.0 - lead
    # a translation followed by silence is lengthened into it for reading speed (17 chars/s)
    last = cues[-1]
    assert 9.0 - lead <= last.start <= 9.0 and last.end > 10.0
    assert last.chars / (last.end - last.start) <= 17.0 + 1e-6
