"""Governance: datasheets, report rendering and figures (aggregates only)."""
