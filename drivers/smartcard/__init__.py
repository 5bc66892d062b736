"""PC/SC smart cards: the social security card (社会保障卡) and the staff card."""
