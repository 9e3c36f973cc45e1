"""Kind `scrape`: fetch pages and extract items from them with a strategy."""
