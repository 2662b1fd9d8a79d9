"""The bridge tests use the session's real OBS Studio from tests/conftest.py.

Its machinery (start under Xvfb, pictures, the standard stage) is in
tests/support/obs_studio.py, shared with the CLI's end-to-end tests.
"""
