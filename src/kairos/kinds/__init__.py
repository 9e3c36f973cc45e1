"""One package per job kind, each registering one `KindSpec` in `catalog.py`; shared machinery beside them."""
