"""Strategic conflict analysis with the Graph Model for Conflict Resolution (a side room).

Imports nothing of guarantor except `guarantor.errors` and `guarantor.jsonout`.
"""
