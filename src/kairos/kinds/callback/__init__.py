"""Kind `callback`: call a registered workflow, or POST the fire event to a URL."""
