"""Helpers shared by the test layers (finding a database, starting servers)."""
