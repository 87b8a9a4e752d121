"""espeak-ng's library loaded once, every line spoken in a fork of it (started by espeak.py; stdlib only).

The espeak-ng command, run once a line, loads espeak-ng's phoneme tables and the voice each time:
about 40 % of a short line's CPU. Speaking line after line in one process is cheaper still, but not
repeatable: espeak-ng carries state from one utterance into the next, so a clip would depend on the
lines spoken before it (and a cached clip would differ from a fresh one). A fork of a process that
has loaded the tables and the voice but spoken nothing starts every line from the same state, and
gives the command's own bytes. This process never speaks; it stays single-purpose and imports
nothing of lingoflow (run as ``python -S -E espeak_fork.py``).

Protocol: one JSON request a line on stdin, ``{"voice", "text", "out", "rate", "pitch"}`` (rate and
pitch may be null: the voice's own); one JSON answer a line on stdout, ``{"ok": true, "cpu": s}`` or
``{"error": "...", "cpu": s}``, where cpu is this process's CPU seconds so far, its forks included.
The first line it writes is ``{"ready": sample_rate}``. End of stdin ends it.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import wave

SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: samples to the callback, no audio device, no thread speaks
RATE, PITCH = 1, 3  # espeak_PARAMETER
POS_CHARACTER = 1
FLAGS = 0x100 | 0x1000  # espeakPHONEMES | espeakENDPAUSE (+ espeakCHARS_AUTO, 0): the command's own flags
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def _cpu() -> float:
    own, forks = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + forks.ru_utime + forks.ru_stime


def _answer(message: dict) -> None:
    sys.stdout.write(json.dumps({**message, "cpu": round(_cpu(), 4)}) + "\n")
    sys.stdout.flush()


def _speak(lib, samples: list, sample_rate: int, request: dict) -> None:
    """In the fork: the line's parameters, the synthesis, the WAV (16-bit mono, as the command writes it)."""
    if request.get("rate") is not None:
        lib.espeak_SetParameter(RATE, int(request["rate"]), 0)
    if request.get("pitch") is not None:
        lib.espeak_SetParameter(PITCH, int(request["pitch"]), 0)
    text = request["text"].encode("utf-8")
    if lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, FLAGS, None, None) != 0:
        raise RuntimeError("espeak_Synth failed")
    lib.espeak_Synchronize()
    with wave.open(request["out"], "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(sample_rate)
        out.writeframes(b"".join(samples))


def main() -> None:
    try:
        lib = ctypes.CDLL("libespeak-ng.so.1")
        sample_rate = lib.espeak_Initialize(SYNCHRONOUS, 0, None, 0)
    except OSError as e:
        _answer({"error": f"libespeak-ng.so.1 cannot be loaded: {e}"})
        return
    if sample_rate <= 0:
        _answer({"error": "espeak-ng's data cannot be loaded (espeak_Initialize failed)"})
        return
    samples: list[bytes] = []

    @CALLBACK
    def collect(wav, count, events):
        if count > 0:
            samples.append(ctypes.string_at(wav, count * 2))
        return 0

    lib.espeak_SetSynthCallback(collect)
    sys.stdout.write(json.dumps({"ready": sample_rate}) + "\n")
    sys.stdout.flush()
    voice = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["voice"] != voice:
            voice = None
            if lib.espeak_SetVoiceByName(request["voice"].encode("utf-8")) != 0:
                _answer({"error": f"espeak-ng has no voice {request['voice']!r}"})
                continue
            voice = request["voice"]
        pid = os.fork()
        if pid == 0:  # the fork speaks and leaves without running any of this process's cleanup
            code = 1
            try:
                _speak(lib, samples, sample_rate, request)
                code = 0
            except BaseException as e:  # noqa: BLE001 - reported through the exit status
                sys.stderr.write(f"espeak-ng fork: {e}\n")
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        _answer({"ok": True} if status == 0 else {"error": f"espeak-ng's synthesis ended with status {status}"})


if __name__ == "__main__":
    main()
