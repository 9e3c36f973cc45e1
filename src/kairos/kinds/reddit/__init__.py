"""Kind `reddit`: subreddit and user listings with comments, media and plugins (docs/reddit.md)."""
