"""The hut kiosk application without a screen: config, flows, catalog, outbox, health."""

__version__ = "0.1.0"
