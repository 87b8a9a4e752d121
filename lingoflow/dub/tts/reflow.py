"""Re-flow a phrase split over two segments of one speaker: spoken once, over both slots.

ASR cuts segments where it likes, not where a sentence ends ("... the right way to look at it. So
they're not really | the sort of people that ..."). A dub line too long for the first slot is then
sped up while the speaker is still mid-phrase. Where a line runs over its slot, does not end a
sentence, and the same speaker goes on within REFLOW_GAP, both lines are spoken as one clip over
both slots: the speech the second slot has to spare is shared, and the phrase keeps one prosody.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from pydub import AudioSegment

from .. import track as dub

REFLOW_GAP = 0.3  # seconds between the two segments at most: continuous speech
SENTENCE_END = ".?!\u2026\u3002\uff1f\uff01"


def _length(wav: str) -> float:
    return len(dub._trim(AudioSegment.from_wav(wav).set_channels(1))) / 1000


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'\u201d\u2019\u00bb)")[-1:] in SENTENCE_END


def reflow(clips: list[dub.DubClip], speak: Callable[[dub.DubClip, str], dub.DubClip]) -> list[dub.DubClip]:
    """`clips` with each qualifying pair joined (``speak(first, joined_text)`` makes the joined clip:
    the first's voice speaking the text over both slots); the joined clip reports both segments."""
    out: list[dub.DubClip] = []
    i = 0
    while i < len(clips):
        a = clips[i]
        b = clips[i + 1] if i + 1 < len(clips) else None
        if (b is not None and a.speaker == b.speaker and 0 <= b.start - a.end <= REFLOW_GAP and not ends_sentence(a.text)
                and _length(a.wav) > a.end - a.start + dub.FIT_TOLERANCE):
            joined = speak(a, f"{a.text.strip()} {b.text.strip()}")
            out.append(replace(joined, segment_id=a.segment_id, start=a.start, end=b.end, speaker=a.speaker,
                               condensed=[*a.condensed, *b.condensed], joined=[*a.joined, b.segment_id, *b.joined]))
            i += 2
            continue
        out.append(a)
        i += 1
    return out
