"""A real OpenStack Swift all-in-one for ``s3swift dev`` and the test suite."""

from gateway.embedded.swift_aio import EmbeddedSwift, EmbeddedSwiftError, SwiftEndpoints

__all__ = ["EmbeddedSwift", "EmbeddedSwiftError", "SwiftEndpoints"]
