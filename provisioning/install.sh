#!/bin/sh
# Install the kiosk on one terminal (Debian 12, as root) from this checkout,
# for development and a first look; a district provisions with the Ansible
# playbook (provisioning/ansible/) and updates with signed bundles
# (`kiosk update`).  Afterwards run `kiosk provision` to enrol and finish.
#   sudo provisioning/install.sh
# Lays the checkout out as a release (/opt/kiosk/releases/<version>, with
# `current` pointing at it), creates the kiosk user and /var/lib/kiosk.
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"

sh "$here/provisioning/install-deps.sh"
getent group kiosk >/dev/null || groupadd --system kiosk
id kiosk >/dev/null 2>&1 || useradd --system --gid kiosk --home-dir /var/lib/kiosk --shell /usr/sbin/nologin \
    --groups video,input,render kiosk

version="$(python3 -c 'import re,sys; print(re.search(r"__version__ = \"(.*)\"", open(sys.argv[1]).read())[1])' \
    "$here/kiosk/__init__.py")-dev"
release="/opt/kiosk/releases/$version"
mkdir -p "$release"
cp -a "$here/." "$release/"
[ -x "$release/.venv/bin/kiosk" ] || python3 -m venv "$release/.venv"
"$release/.venv/bin/pip" install -q "$release"
"$release/.venv/bin/python" -m screens.i18n
ln -sfn "releases/$version" /opt/kiosk/current.new && mv -T /opt/kiosk/current.new /opt/kiosk/current

install -d -o kiosk -g kiosk -m 0700 /var/lib/kiosk
echo "installed $version. Next: /opt/kiosk/current/.venv/bin/kiosk provision --platform URL --enrolment-code CODE"
