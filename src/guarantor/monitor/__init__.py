"""Trigger evaluation over observations: events and territorial incidents in, activations out."""
