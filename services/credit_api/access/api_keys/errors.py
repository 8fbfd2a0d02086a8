from shared.domain.errors import InvalidInput, NotFound


class InvalidApiKey(InvalidInput):
    code = "invalid-api-key-request"
    title = "This API key cannot be made or rotated so"


class ApiKeyNotFound(NotFound):
    code = "api-key-not-found"
    title = "API key not found"
