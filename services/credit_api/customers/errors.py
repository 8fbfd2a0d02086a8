from shared.errors import AlreadyExists, NotFound


class CustomerNotFound(NotFound):
    code = "customer-not-found"
    title = "Customer not found"


class CustomerExists(AlreadyExists):
    code = "customer-exists"
    title = "Customer already exists"
