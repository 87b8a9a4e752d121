"""Captions of a translation longer than its source: re-segmented to the line norms and kept
to the source segment's time span (shown at most the norms' reading-speed delay late), so a long
translation never drifts into the following segments."""
from lingoflow import captions
from lingoflow.schema import Segment, SourceInfo, Transcript

LONG_PT = ("Antes de fazer o questionário, abra o acervo de cursos e revise com calma os três módulos "
           "da trilha de aprendizagem desta semana.")


def test_longer_translation_resegmented_within_source_span():
    segments = [
        Segment(0, 1.0, 3.0, LONG_PT, source_text="Before the quiz, review this week's modules."),
        Segment(1, 3.2, 5.0, "Boa sorte a todos.", source_text="Good luck, everyone."),
        Segment(2, 9.0, 10.0, "Até logo e obrigado pela atenção de todos vocês.", source_text="Bye."),
    ]
    delay = getattr(captions.CaptionNorms(), "max_delay", 0.0)
    cues = captions.make_cues(Transcript(SourceInfo("x", "0" * 64, 14.0), "pt", 1.0, segments))
    first = [c for c in cues if c.lines[0] in LONG_PT]
    assert len(first) >= 2  # 130 characters do not fit one cue
    assert first[0].start == 1.0 and max(c.end for c in first) <= 3.2 + delay + 1e-6
    assert " ".join(" ".join(c.lines) for c in first) == LONG_PT  # every word, in order
    for cue in cues:
        assert len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines)
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start
    second = next(c for c in cues if c.text == "Boa sorte a todos.")
    assert 3.2 <= second.start <= 3.2 + delay + 1e-6 and second.end <= 9.0
    # a translation followed by silence is lengthened into it for reading speed (17 chars/s)
    last = cues[-1]
    assert last.start == 9.0 and last.end > 10.0
    assert last.chars / (last.end - last.start) <= 17.0 + 1e-6
