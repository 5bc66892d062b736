"""A technician enrols a new terminal with a one-time code: the key lands in
the secrets file (still 0600), the terminal ID in the config (comments kept),
and the terminal can then sign requests the platform accepts."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import urllib.request

from kiosk import config


def _new_code(hut) -> str:
    """A code from the platform's back office (its admin API, with its token)."""
    platform = hut["platform"].server
    req = urllib.request.Request(f"{platform.url}/v1/admin/enrolment-codes", method="POST", data=b"",
                                 headers={"Authorization": f"Bearer {platform.admin_token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())["enrolment_code"]


def test_enrolment_writes_key_and_id_and_the_terminal_then_signs(hut, kiosk_cmd):
    code = _new_code(hut)
    before = hut.config_path.read_text()
    proc = subprocess.run([*kiosk_cmd, "enrol", code, "--config", str(hut.config_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    settings = config.load(hut.config_path)
    assert settings.terminal.id != hut.terminal_id and settings.terminal.id in proc.stdout
    assert settings.secrets.terminal_key and settings.secrets.terminal_key != hut.terminal_key
    assert stat.S_IMODE(os.stat(hut.secrets_path).st_mode) == 0o600
    assert len(settings.secrets.outbox_key) == 32  # other keys untouched
    after = hut.config_path.read_text()
    assert after.replace(settings.terminal.id, hut.terminal_id) == before

    from kiosk.central.client import CentralClient

    client = CentralClient.from_settings(settings)
    try:
        assert client.heartbeat({}, {"depth": 0, "dead": 0, "oldest_pending_seconds": None})["terminal_id"] \
            == settings.terminal.id
    finally:
        client.close()

    again = subprocess.run([*kiosk_cmd, "enrol", code, "--config", str(hut.config_path)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "enrolment code" in again.stderr.lower()
