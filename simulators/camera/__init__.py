"""The virtual hut's document camera (高拍仪): synthetic scenes served as MJPEG over HTTP."""

from simulators.camera.sim import CameraSimulator

__all__ = ["CameraSimulator"]
