"""Health-check devices (自助健康体检): each a transport plus a codec, every
codec yielding the same :class:`drivers.health.records.Measurement`."""
