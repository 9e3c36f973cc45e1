"""The web dashboard: one page that talks to the API with the user's key."""
