"""The fixed-mount 2D code scanner (扫码器): USB-COM and USB HID keyboard mode."""
