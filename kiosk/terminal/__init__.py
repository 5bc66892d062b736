"""The Kivy-free terminal: the visit's coordination, voice, input method and camera work."""
