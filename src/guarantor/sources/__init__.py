"""Readers for real-world formats, and where the data comes from."""
