"""The hut's speaker (扬声器): the audio output the spoken instructions need,
checked as a device so a missing or silent sound card is seen, not guessed."""
