"""The virtual hut's smart card readers (pcscd + vsmartcard vpcd)."""

from simulators.smartcard.sim import SmartcardSimulator

__all__ = ["SmartcardSimulator"]
