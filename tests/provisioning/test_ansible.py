"""The fleet playbooks: syntax, lint, and a check-mode run against localhost
that renders this host's kiosk.toml from the inventory and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.procs

ANSIBLE = Path(__file__).resolve().parents[2] / "provisioning" / "ansible"
PLAYBOOKS = ["site.yml", "update.yml"]
needs_ansible = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible not installed")

INVENTORY = """
all:
  children:
    huts:
      hosts:
        localhost:
          ansible_connection: local
          ansible_python_interpreter: /usr/bin/python3
          kiosk_terminal_name: 测试小屋
          kiosk_devices:
            idcard: {driver: idcard.sam, port: /dev/kiosk/idcard}
            printer: {driver: printer.escpos, url: "tcp://127.0.0.1:9100", options: {baudrate: 9600}}
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=str(ANSIBLE / "ansible.cfg"))


@needs_ansible
def test_playbooks_pass_syntax_check(tmp_path):
    proc = subprocess.run(["ansible-playbook", "--syntax-check", *PLAYBOOKS], cwd=ANSIBLE, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("ansible-lint") is None, reason="ansible-lint not installed")
def test_playbooks_pass_ansible_lint(tmp_path):
    proc = subprocess.run(["ansible-lint", "--nocolor", "-p", *PLAYBOOKS], cwd=ANSIBLE, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_ansible
@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
                    reason="check mode of a become playbook needs root and the system python")
def test_check_mode_against_localhost_renders_the_host_config_and_changes_nothing(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(INVENTORY, encoding="utf-8")
    had_config = Path("/etc/kiosk/kiosk.toml").exists()
    proc = subprocess.run(["ansible-playbook", "-i", str(inventory), "--check", "--diff", "site.yml"],
                          cwd=ANSIBLE, env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = proc.stdout.split("PLAY RECAP")[1]
    assert "failed=0" in recap and "unreachable=0" in recap
    # The per-host config as --diff shows it: the added lines form valid TOML.
    diff = proc.stdout.split("TASK [The per-host config from the inventory]")[1].split("TASK [")[0]
    rendered = "\n".join(line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    config = tomllib.loads(rendered)
    assert config["terminal"]["name"] == "测试小屋"
    assert config["devices"]["printer"] == {"driver": "printer.escpos", "url": "tcp://127.0.0.1:9100",
                                            "options": {"baudrate": 9600}}
    assert Path("/etc/kiosk/kiosk.toml").exists() == had_config, "check mode wrote the config"
