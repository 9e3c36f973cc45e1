"""The two loops: the scheduler fires due schedules, the worker claims and runs jobs."""
