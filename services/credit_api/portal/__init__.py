"""The customer portal: a customer, by the signed link of its e-mails, sees what it owes and acts on
it (promises, disputes, statements) through the same commands as the API and the console."""
