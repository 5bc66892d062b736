"""The virtual hut's ID card reader (GA 467 SAM on a pty)."""

from simulators.idcard.sam import FAULTS, IdCardSimulator

__all__ = ["FAULTS", "IdCardSimulator"]
