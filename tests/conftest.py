"""Settings for the whole test suite."""

from hypothesis import HealthCheck, settings

# Property tests check what the code does, not how fast this machine is: a loaded CI machine
# must not fail them for slow example generation or a slow example.
settings.register_profile(
    "eakte", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("eakte")
