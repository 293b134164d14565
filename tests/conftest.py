"""Shared test configuration.

Integration fixtures (a live ``s3swift dev``) live in tests/integration/conftest.py;
run only the fast unit tests with ``pytest -m "not integration"``.
"""
