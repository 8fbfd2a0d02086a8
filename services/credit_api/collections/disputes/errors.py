from shared.domain.errors import Conflict, InvalidInput, NotFound


class InvoiceNotOpen(NotFound):
    code = "invoice-not-open"
    title = "No open invoice with this id"


class AmbiguousInvoice(Conflict):
    code = "ambiguous-invoice"
    title = "Several customers have an invoice with this id"


class DisputeNotFound(NotFound):
    code = "dispute-not-found"
    title = "Dispute not found"


class DisputeSettled(Conflict):
    code = "dispute-settled"
    title = "The dispute is resolved already"


class InvalidDispute(InvalidInput):
    code = "invalid-dispute"
    title = "Invalid dispute"
