"""One module per job kind; `runner.py` picks the module for a job."""
