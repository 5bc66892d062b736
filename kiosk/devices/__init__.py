"""The hardware side of the kiosk: building, opening and watching devices, their advice and availability."""
