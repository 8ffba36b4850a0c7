"""Feed parsers: provider responses and broker CSVs in the landing tree -> Offer records / Arrow tables.

See docs/architecture.md ("Feed parsers") for the contract and `registry.parse_snapshot` for the entry
point.
"""
