"""The OS-EC2 credential API (Keystone's), served by the gateway for its own store.

Operators without Keystone (tempauth clusters, ``s3swift dev``) let users make
their own S3 keys with the API and clients they know from Keystone. Layout:
``listener.py`` (the separate port, started with the S3 application),
``app.py`` (routes), ``ec2.py`` (the four operations), ``tokens.py`` (who the
X-Auth-Token is), ``errors.py`` (Keystone's error bodies).
"""
