"""notifier: turns alerts into email and signed webhooks, in the customer's language."""
