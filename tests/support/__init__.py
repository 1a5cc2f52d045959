"""What several test modules share: helpers only, no tests and no fixtures.

Fixtures live in the nearest `conftest.py` common to the tests that use them, so tests get
them by name; a test module never imports another test module.
"""
