"""Webhooks: the payload, Standard Webhooks signing, Slack messages, and the delivery loop."""
