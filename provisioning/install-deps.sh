#!/bin/sh
# Install the Debian packages the kiosk (and its virtual hut and tests) need.
# Idempotent and quiet when everything is already there.
set -eu

# linux-libc-dev: the input headers evdev (the code scanner in HID mode) builds against.
# udev (udevadm), ansible, ansible-lint and prometheus (promtool) are for the
# appliance's tests: rules parsing, the fleet playbook, the alert rules.
# postgresql (initdb, pg_ctl) is for the reference platform's tests on a throwaway cluster.
# cups is the A4 printer's print service; cups-pdf and ghostscript are the tests'
# and the virtual hut's A4 printer; libcups2-dev builds pycups.
PACKAGES="
xvfb xauth
libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1 libglib2.0-0 libsm6 libxext6 libxrender1
fonts-wqy-microhei fontconfig
pcscd pcsc-tools libpcsclite-dev swig vsmartcard-vpcd
espeak-ng
systemd
gcc
libjpeg-dev
linux-libc-dev
udev
ansible ansible-lint
prometheus
postgresql
cups printer-driver-cups-pdf ghostscript libcups2-dev
"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

# Debian's own python3 needs python3-venv for `python3 -m venv` (and the
# headers to build pyscard); a self-built Python has both already.
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import ensurepip, sysconfig, os; assert os.path.exists(sysconfig.get_paths()['include'] + '/Python.h')" 2>/dev/null; then
    missing="$missing python3-venv python3-dev"
fi

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages:$missing" >&2
        echo "run as root (or: sudo apt-get install$missing)" >&2
        exit 1
    fi
    echo "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
