"""The scripted walk-through of the kiosk in the virtual hut (``kiosk demo``) and its runner."""
