"""Generators for files derived from the spec table (README tool table, MCPB manifest)."""
