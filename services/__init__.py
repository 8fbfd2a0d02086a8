"""Credence services: credit_api, risk_worker and notifier, with the `credence` CLI."""
