"""Territory: control areas over time, gross changes, agreed-line violations and land swaps."""
