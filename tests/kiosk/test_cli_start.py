"""`kiosk <command>` reads only its own command module (kiosk/cli.py), and
every command is still there, with the same options, however it is reached."""

import argparse
import subprocess
import sys

import pytest

from kiosk import cli


def commands_of(parser):
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices


@pytest.mark.parametrize("argv, word", [
    (["receipt", "render", "job.json"], "receipt"),
    (["--config", "/etc/x.toml", "printer", "status"], "printer"),
    (["--log-level", "DEBUG", "outbox", "status"], "outbox"),
    (["--config=/etc/x.toml", "doctor"], "doctor"),
    (["--help"], None), (["-h", "printer"], None), ([], None), (["--config", "x"], None),
])
def test_the_command_word_skips_the_global_options_and_their_values(argv, word):
    assert cli._command_word(argv) == word


def test_every_command_parses_alike_from_its_own_module_or_from_all():
    everything = cli.build_parser()
    commands = cli._commands(everything)
    assert {"receipt", "printer", "outbox", "doctor", "run", "sim", "demo", "version"} <= commands
    for name in commands:
        narrow = cli.build_parser(name)
        if name not in cli._commands(narrow):
            continue   # not a module of kiosk/commands: main() builds them all
        assert commands_of(narrow)[name].format_help() == commands_of(everything)[name].format_help()


@pytest.mark.procs
def test_a_command_start_imports_no_other_command_module():
    code = ("import sys\nfrom kiosk import cli\ntry:\n    cli.main(['receipt', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('kiosk.commands.', 'screens', 'simulators'))))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().splitlines()[-1] == "['kiosk.commands.receipt']"
