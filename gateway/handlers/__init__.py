"""One module per S3 resource family; each handler takes an ``S3Request``."""
