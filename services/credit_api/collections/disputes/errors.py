from shared.domain.errors import Conflict, InvalidInput, NotFound, TooLarge


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


class AttachmentRefused(InvalidInput):
    code = "attachment-refused"
    title = "Attachment refused"


class AttachmentTooLarge(TooLarge):
    code = "attachment-too-large"
    title = "Attachment too large"


class AttachmentNotFound(NotFound):
    code = "attachment-not-found"
    title = "Attachment not found"
