"""credit_api: customers, limits, credit checks, API keys and the audit trail, over HTTP."""
