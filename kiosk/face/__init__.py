"""人证核验: the live face against the ID card photo, with a liveness challenge, offline."""
