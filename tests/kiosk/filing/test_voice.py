"""Spoken instructions: one per step and mode, said through espeak-ng in a
child process that never blocks and is interrupted by the next one."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave

import pytest

from kiosk.services import registered
from kiosk.terminal.voice import Reminder, Speaker, instruction, instructions

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def test_every_step_of_every_built_service_has_an_instruction():
    for svc in registered():
        if svc.built:
            for step in svc.steps:
                assert instruction(step), step
    assert instruction("identify", "social_security") != instruction("identify", "id_card")
    assert instruction("done", "note_number") != instruction("done", "print")
    assert instruction("papers", "cannot_file") != instruction("papers")
    assert all(msgid.strip() == msgid and msgid for msgid in instructions().values())


def wait_for(process, seconds=20.0):
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return process.poll()


def recording_popen(started):
    def popen(*args, **kwargs):
        started.append(subprocess.Popen(*args, **kwargs))
        return started[-1]
    return popen


@pytest.mark.procs
@needs_espeak
def test_say_writes_speech_in_the_chosen_language(tmp_path):
    for lang in ("zh_CN", "en"):
        out, started = tmp_path / f"{lang}.wav", []
        speaker = Speaker(extra_args=["-w", str(out)], popen=recording_popen(started))
        assert speaker.say("请放置身份证" if lang == "zh_CN" else "Please place your ID card", lang)
        assert wait_for(started[0]) == 0 and not speaker.speaking
        assert started[0].args[:3] == ["espeak-ng", "-v", "cmn" if lang == "zh_CN" else "en"]
        with wave.open(str(out)) as w:
            assert w.getnframes() / w.getframerate() > 0.5


@pytest.mark.procs
@needs_espeak
def test_a_new_instruction_interrupts_the_previous_one_without_waiting(tmp_path):
    started: list[subprocess.Popen] = []
    speaker = Speaker(extra_args=["-w", str(tmp_path / "x.wav")], popen=recording_popen(started))
    long_text = "请将材料平放在摄像头下方，" * 200
    speaker.say(long_text)
    begun = time.monotonic()
    speaker.say("谢谢")
    assert time.monotonic() - begun < 1.0  # the UI thread only paid for a fork
    assert wait_for(started[0]) is not None and started[0].returncode != 0  # terminated, not finished
    assert wait_for(started[1]) == 0
    speaker.close()


def test_voice_off_stops_and_says_nothing(tmp_path):
    started = []
    speaker = Speaker(enabled=False, popen=lambda *a, **k: started.append(a))
    assert not speaker.say("请放置身份证") and started == []
    missing = Speaker(command="no-such-speech-program")
    assert not missing.say("请放置身份证")


def test_the_card_reminder_repeats_while_the_card_is_on_the_reader():
    now = [0.0]
    reminder = Reminder(every=8.0, clock=lambda: now[0])
    said = []
    for t in range(0, 30):
        now[0] = float(t)
        said.append(reminder.due(active=t < 20))
    assert [t for t, due in enumerate(said) if due] == [0, 8, 16]
    now[0] = 40.0
    assert reminder.due(active=True)  # a new reminder starts at once
