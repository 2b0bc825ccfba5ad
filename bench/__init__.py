"""Benchmarks of nkdocker_actors side by side with docker-py and a raw http.client loop.

Run from the repository root: ``python -m bench`` (``--quick`` for a short run).
"""
