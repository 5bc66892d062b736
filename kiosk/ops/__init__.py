"""Operating the appliance: provisioning, updates, metrics, maintenance, systemd."""
