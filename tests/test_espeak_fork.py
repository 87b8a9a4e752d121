"""espeak-ng through its forked helper (lingoflow/dub/tts/espeak_fork.py): the command's own bytes, every
line from the same state whatever was spoken before, and a helper that ends is started again."""
import threading

import pytest

from lingoflow.dub.tts import Voice, espeak, get_engine
from lingoflow.errors import ToolError

ENGINE = get_engine("espeak-ng")
LINES = ["Então eles não são realmente o tipo de pessoas que gostariam disso.", "Sim.", "E você? 123 coisas; \"não\"...",
         "-v en --help"]  # the last: nothing in a line is read as an option
VOICES = [Voice("espeak-ng", "pt"), Voice("espeak-ng", "pt", variant="m3", pitch=40, rate=160),
          Voice("espeak-ng", "en", variant="f2", pitch=70), Voice("espeak-ng", "de")]


def _command_bytes(tmp_path, text, voice, speed=1.0):
    rate = int(round((voice.rate or espeak.DEFAULT_RATE) * speed)) if voice.rate is not None or speed != 1.0 else None
    out = tmp_path / "command.wav"
    espeak._command(ENGINE.voice_name(voice), text, out, rate, voice.pitch)
    return out.read_bytes()


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: ENGINE.voice_name(v))
@pytest.mark.parametrize("speed", [1.0, 1.35])
def test_the_helper_writes_the_commands_own_bytes(tmp_path, voice, speed):
    for i, text in enumerate(LINES):
        out = tmp_path / f"{i}.wav"
        ENGINE.synthesize(text, voice, out, speed=speed)
        assert out.read_bytes() == _command_bytes(tmp_path, text, voice, speed), text
    assert espeak.FORKS.unavailable is None  # the helper ran, not the command


def test_a_line_comes_out_the_same_whatever_was_spoken_before(tmp_path):
    # one espeak-ng process speaking line after line carries state from one into the next
    voice = VOICES[0]
    ENGINE.synthesize(LINES[0], voice, tmp_path / "first.wav")
    for i, other in enumerate(LINES[1:] + LINES[:1]):
        ENGINE.synthesize(other, VOICES[i % len(VOICES)], tmp_path / "other.wav", speed=1.2)
        ENGINE.synthesize(LINES[0], voice, tmp_path / "again.wav")
        assert (tmp_path / "again.wav").read_bytes() == (tmp_path / "first.wav").read_bytes()


def test_a_helper_that_ended_is_started_again(tmp_path):
    ENGINE.synthesize("Um.", VOICES[0], tmp_path / "a.wav")
    espeak.FORKS._proc.kill()  # as the OOM killer would
    ENGINE.synthesize(LINES[0], VOICES[0], tmp_path / "b.wav")
    assert (tmp_path / "b.wav").read_bytes() == _command_bytes(tmp_path, LINES[0], VOICES[0])


def test_an_unknown_voice_is_a_clear_error_and_the_next_line_is_spoken(tmp_path):
    with pytest.raises(ToolError, match="no voice 'no-such-voice'"):
        ENGINE.synthesize("Olá.", Voice("espeak-ng", "pt", name="no-such-voice"), tmp_path / "x.wav")
    ENGINE.synthesize("Olá.", VOICES[0], tmp_path / "y.wav")
    assert (tmp_path / "y.wav").read_bytes() == _command_bytes(tmp_path, "Olá.", VOICES[0])


def test_threads_speaking_at_once_each_get_their_own_line(tmp_path):
    jobs = [(LINES[i % len(LINES)], VOICES[i % len(VOICES)], tmp_path / f"t{i}.wav") for i in range(8)]
    errors = []

    def run(text, voice, out):
        try:
            ENGINE.synthesize(text, voice, out)
        except Exception as e:  # noqa: BLE001 - collected for the assert
            errors.append(e)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for text, voice, out in jobs:
        assert out.read_bytes() == _command_bytes(tmp_path, text, voice)


def _speak_in_child(folder):
    for i in range(10):
        ENGINE.synthesize(LINES[i % 2], VOICES[0], f"{folder}/child{i}.wav")
    with open(f"{folder}/child-helper", "w") as f:
        f.write(str(espeak.FORKS._proc.pid))


def test_a_forked_process_gets_a_helper_of_its_own(tmp_path):
    import multiprocessing

    ENGINE.synthesize("Um.", VOICES[0], tmp_path / "parent.wav")  # the parent's helper is up
    child = multiprocessing.get_context("fork").Process(target=_speak_in_child, args=(str(tmp_path),))
    child.start()
    for i in range(10):  # at the same time: on one shared helper, the answers would cross
        ENGINE.synthesize(LINES[i % 2], VOICES[0], tmp_path / f"parent{i}.wav")
    child.join(60)
    assert child.exitcode == 0
    assert int((tmp_path / "child-helper").read_text()) != espeak.FORKS._proc.pid  # one helper's answers could go to either
    expected = [_command_bytes(tmp_path, LINES[k], VOICES[0]) for k in (0, 1)]
    for i in range(10):
        assert (tmp_path / f"child{i}.wav").read_bytes() == expected[i % 2]
        assert (tmp_path / f"parent{i}.wav").read_bytes() == expected[i % 2]
