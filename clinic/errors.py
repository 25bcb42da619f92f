class DomainError(Exception):
    """A rule of the domain was broken by the input; shown to the user as a clear message.

    ``field`` names the form/API field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
