"""Operating the gateway: metrics, the access log, health and readiness, the admin listener."""
