"""Kind `task`: call a registered Python function with the job's `args` and `kwargs`."""
