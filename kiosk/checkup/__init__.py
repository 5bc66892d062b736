"""The health check (自助健康体检): which measurement, the resident's consent,
classification and the visit's record; the screens render it."""
