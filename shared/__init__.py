"""Credence domain core: pure rules, event contracts, settings and database models."""
