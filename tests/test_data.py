"""Sample data shared by tests."""

MASTER_DATA = {
    "name": "Acme Trading GmbH",
    "currency": "EUR",
    "country": "DE",
    "industry": "wholesale",
    "language": "de-DE",
    "payment_terms": "EOM45",
    "contacts": {
        "credit_controller_email": "credit@example.com",
        "accounts_payable_email": "ap@acme.example",
    },
}
