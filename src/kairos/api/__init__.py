"""The HTTP API: one router per resource, schemas per direction, problem+json errors."""
