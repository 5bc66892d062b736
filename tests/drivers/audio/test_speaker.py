"""The speaker as a device: the playback node exists and accepts a stream, or
it says why not; an unplugged speaker is seen within the check interval and
comes back by itself (the virtual hut's speaker, a FIFO it drains)."""

from __future__ import annotations

import time

import pytest

from drivers.audio.device import AudioOptions, AudioOutput, playback_check
from drivers.base import Status
from simulators.audio import SpeakerSimulator


@pytest.fixture
def speaker_sim(tmp_path):
    sim = SpeakerSimulator(tmp_path)
    sim.start()
    yield sim
    sim.stop()


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_playback_node_that_accepts_a_stream_is_online_and_a_missing_one_is_no_device(speaker_sim, tmp_path):
    assert playback_check(str(speaker_sim.node))[0] is Status.ONLINE
    status, problem, words = playback_check(str(tmp_path / "snd" / "pcmC9D0p"))
    assert status is Status.NO_DEVICE and problem == "no_sound_card" and "pcmC9D0p" in words
    assert playback_check(str(tmp_path / "nowhere" / "pcmC*D*p"))[0] is Status.NO_DEVICE


def test_an_unplugged_speaker_is_seen_and_comes_back(speaker_sim):
    device = AudioOutput("speaker", str(speaker_sim.node), options=AudioOptions(check_seconds=0.5, volume=150))
    device.open()
    try:
        assert device.status is Status.ONLINE and device.check_health() == "OK" and device.volume == 150
        speaker_sim.control("unplug")
        wait_for(lambda: device.status is Status.NO_DEVICE)
        assert device.state.detail["problem"] == "no_sound_card"
        assert "speaker unavailable" in device.check_health()
        assert device.counters.get("checks_failed") >= 1
        speaker_sim.control("replug")
        wait_for(lambda: device.status is Status.ONLINE)
    finally:
        device.close()


def test_the_volume_option_is_checked():
    from drivers.options import OptionError

    with pytest.raises(OptionError, match="volume"):
        AudioOutput.check_options({"volume": 500})
