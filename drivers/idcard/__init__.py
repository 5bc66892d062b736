"""Second-generation ID card reader (GA 467 SAM over serial)."""
