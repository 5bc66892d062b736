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
            a4_printer: {driver: a4printer.cups, url: "unix:/run/cups/cups.sock", options: {queue: A4}}
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
    # An A4 printer: CUPS is told to delete each printed document (a certificate names the resident)
    cups = proc.stdout.split("TASK [CUPS deletes a printed document at once")[1].split("TASK [")[0]
    assert "+PreserveJobFiles No" in cups or ("ok: [localhost]" in cups and _preserves_no_files())


def _preserves_no_files() -> bool:
    conf = Path("/etc/cups/cupsd.conf")
    return conf.exists() and "PreserveJobFiles No" in conf.read_text(encoding="utf-8", errors="replace").splitlines()


VERIFIER = ANSIBLE / "files" / "kiosk-verify-bundle"


def test_the_first_install_verifies_the_bundle_with_the_roles_code_before_running_any_of_it():
    """Issue 20 item 4: the checker must not come from the bundle being checked."""
    import yaml

    tasks = yaml.safe_load((ANSIBLE / "tasks" / "release.yml").read_text(encoding="utf-8"))
    names = [t["name"] for t in tasks]
    verify = next(i for i, t in enumerate(tasks) if "kiosk-verify-bundle" in str(t.get("ansible.builtin.command")))
    installer = next(i for i, t in enumerate(tasks) if t.get("ansible.builtin.copy", {}).get("dest", "")
                     .endswith("kiosk-verify-bundle"))
    assert "files/kiosk-verify-bundle" in tasks[installer]["ansible.builtin.copy"]["src"]
    runs_bundle = [i for i, t in enumerate(tasks) if "ansible.builtin.unarchive" in t or "updater" in str(t)]
    assert runs_bundle and installer < verify < min(runs_bundle), names
    assert "when" not in tasks[verify] or tasks[verify]["when"] == "not ansible_check_mode"


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="the system python")
def test_the_roles_verifier_accepts_signed_bundles_and_refuses_the_rest(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from kiosk.ops.updater import sign

    key = Ed25519PrivateKey.generate()
    public = tmp_path / "release-key.pub"
    public.write_text(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex() + "\n")
    bundle = tmp_path / "kiosk-1.0.0.tar.gz"
    bundle.write_bytes(os.urandom(4096))

    def check() -> subprocess.CompletedProcess:
        return subprocess.run(["/usr/bin/python3", str(VERIFIER), str(bundle), str(public)], capture_output=True,
                              text=True, timeout=60)

    assert check().returncode == 1  # no signature
    sign(bundle, key.private_bytes_raw())
    assert check().returncode == 0, check().stderr
    with bundle.open("ab") as fh:
        fh.write(b"\0")
    refused = check()
    assert refused.returncode == 1 and "does not match" in refused.stderr and "Traceback" not in refused.stderr
    with bundle.with_name(bundle.name + ".sig").open("r+b") as fh:
        fh.truncate(512 * 1024 * 1024)
    huge = check()
    assert huge.returncode == 1 and "at most 1024 bytes" in huge.stderr
