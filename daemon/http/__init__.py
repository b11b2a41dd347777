"""HTTP: the service paths (health, readiness, metrics) and the API, with its OpenAPI document."""
