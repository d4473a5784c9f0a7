"""The spec language: YAML agreements with positions, JSON Schema, references, lint, rendering."""
