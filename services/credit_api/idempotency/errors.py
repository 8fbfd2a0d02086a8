from shared.errors import Conflict, InvalidInput


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency-Key already used for a different request"


class IdempotencyKeyRequired(InvalidInput):
    code = "idempotency-key-required"
    title = "Idempotency-Key header required"
