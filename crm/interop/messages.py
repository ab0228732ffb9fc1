"""Messages of the format code for the user: English msgids with parameters, translated where
they are shown (``_(error.msgid, **error.params)``), so that pure code needs no Flask-Babel."""


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where the message is shown."""
    return message


class MessageError(ValueError):
    """An error whose message is for the user: `msgid` and `params`; str() is the English text."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params
