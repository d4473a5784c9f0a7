"""Strategic conflict analysis with the Graph Model for Conflict Resolution (a side room).

Of guarantor it imports only `errors`, `jsonout`, `fileio` and the YAML loader `spec.load`.
"""
