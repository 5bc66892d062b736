#!/bin/sh
# Install the kiosk on a terminal (Debian 12, as root), from this checkout:
#   sudo provisioning/install.sh
# Creates the kiosk user, /opt/kiosk with its virtualenv, /etc/kiosk with an
# example config and fresh secrets (0600), and the systemd units.
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"

sh "$here/provisioning/install-deps.sh"
id kiosk >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kiosk --shell /usr/sbin/nologin \
    --groups dialout,lp,video,input kiosk

mkdir -p /opt/kiosk
cp -a "$here/." /opt/kiosk/
python3 -m venv /opt/kiosk/.venv
/opt/kiosk/.venv/bin/pip install -q /opt/kiosk
/opt/kiosk/.venv/bin/python -m screens.i18n

install -d -m 0755 /etc/kiosk
install -d -o kiosk -g kiosk -m 0700 /var/lib/kiosk
[ -e /etc/kiosk/kiosk.toml ] || install -m 0644 "$here/provisioning/kiosk.example.toml" /etc/kiosk/kiosk.toml
if [ ! -e /etc/kiosk/secrets.toml ]; then
    /opt/kiosk/.venv/bin/kiosk secrets init --out /etc/kiosk/secrets.toml
    chown kiosk:kiosk /etc/kiosk/secrets.toml
fi

for unit in "$here"/systemd/*.service; do
    install -m 0644 "$unit" /etc/systemd/system/
done
systemctl daemon-reload
echo "installed. Edit /etc/kiosk/kiosk.toml, run 'kiosk doctor', then: systemctl enable --now kiosk"
