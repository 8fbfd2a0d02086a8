from shared.domain.errors import Conflict


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency-Key already used for a different request"
