"""Persistence: the Store contract (base.py) and its SQLAlchemy implementation."""
