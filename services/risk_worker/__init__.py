"""risk_worker: the receivables ledger, exposure projection and alerts, fed by ERP events."""
