"""人证核验: the live face against the ID card photo, with a liveness challenge, offline."""

# The face distance at or below which the card photo and the live face count as
# one person.  Measured on the registry's test photographs, card photos through
# the (stand-in) WLT path against live pictures: genuine 0.495..0.583, impostor
# 0.682..0.822 (bench/bench_face.py, docs/PERFORMANCE.md); the middle of that
# gap.  Configurable per terminal ([face_check] threshold).
DEFAULT_THRESHOLD = 0.63
