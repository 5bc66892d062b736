"""The speaker as the kiosk knows it: see drivers/manifest.py."""

from __future__ import annotations

from drivers.manifest import Advice, DeviceKind, Offer

KINDS = (
    DeviceKind(
        "speaker", "扬声器", "speaker (voice)",
        drivers={"speaker.alsa": "drivers.audio.device:AudioOutput"},
        problems={
            "no_sound_card": Advice("找不到声卡：检查音箱或显示器的音频线和电源；仍不行请联系工程师",
                                    "no sound card: check the speaker's (or screen's) audio cable and power, "
                                    "then call an engineer", "staff"),
            "not_permitted": Advice("终端程序无权使用声卡：联系工程师（kiosk 用户需在 audio 组）",
                                    "the kiosk may not use the sound card: call an engineer (the kiosk user "
                                    "needs the audio group)", "engineer"),
            "no_stream": Advice("声卡不接受播放：重启终端，仍不行请联系工程师",
                                "the sound card refuses playback: restart the terminal, then call an engineer",
                                "engineer"),
        },
        counters={"checks_failed": ("检查失败次数", "failed checks")},
        offers=(Offer("voice"),),
        simulators=("simulators.audio:SpeakerSimulator",),
    ),
)
