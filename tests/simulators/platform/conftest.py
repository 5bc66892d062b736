from tests.platform_fixtures import backend, platform, terminal  # noqa: F401  (fixtures, found by name)
