"""The async client the gateway uses to talk to Swift."""
