"""Obligations and decisions: what an activation opens, who owes what by when, and its status."""
