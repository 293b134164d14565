"""The storage interface: what S3 operations ask of a backend (``base.Store``)."""
