"""Benchmarks run by `make bench`: fire rate, lateness and scale, side by side with APScheduler.

Every measured loop runs in its own child process (`python -m bench.<module> '<json>'`), so CPU
time and peak RSS belong to the scheduler alone and never to the harness that seeds the data.
"""
