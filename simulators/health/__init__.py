"""The hut's health-check devices in software, each on a pty at its real serial settings."""

from simulators.health.line_devices import (
                                            BloodPressureSimulator,
                                            GlucometerSimulator,
                                            ScaleSimulator,
                                            ThermometerSimulator,
)
from simulators.health.oximeter import OximeterSimulator

__all__ = ["BloodPressureSimulator", "GlucometerSimulator", "OximeterSimulator", "ScaleSimulator",
           "ThermometerSimulator"]
