"""Sending e-mail through SMTP with addresses as people really have them.

Flask-Mailman (like Django, where it comes from) turns a local part with umlauts
("müller@gemeinde.de") into an encoded word ("=?utf-8?b?...?=@gemeinde.de") also in the SMTP
envelope: the server then delivers to an address nobody has, or refuses it. This backend hands the
envelope the real address and asks for SMTPUTF8 (RFC 6531) when an address needs it; a server that
does not offer SMTPUTF8 refuses just that recipient, with a reason the user can read.
"""
import smtplib
from email.utils import parseaddr

from flask_mailman.backends.smtp import EmailBackend as SmtpBackend
from flask_mailman.message import sanitize_address

NO_SMTPUTF8 = b"5.6.7 the mail server accepts no addresses with umlauts (no SMTPUTF8)"


def envelope_address(address: str) -> str:
    """"Anna Heß <heß0@example.org>" -> "heß0@example.org" (domain in IDNA, local part as written)."""
    _name, addr = parseaddr(address)
    local, _sep, domain = (addr or address).rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return f"{local}@{domain}" if local else domain


class Utf8SmtpBackend(SmtpBackend):
    """Flask-Mailman's SMTP backend with real envelope addresses (SMTPUTF8 where needed)."""

    def _send(self, email_message):
        recipients = email_message.recipients()
        if not recipients:
            return False
        encoding = email_message.encoding or self.mailman.default_charset
        from_email = sanitize_address(email_message.from_email, encoding)
        envelope = [envelope_address(a) for a in recipients]
        options = list(self.mailman.mail_options or [])
        if not all(a.isascii() for a in envelope):
            self.connection.ehlo_or_helo_if_needed()
            if not self.connection.has_extn("smtputf8"):
                raise smtplib.SMTPRecipientsRefused({a: (553, NO_SMTPUTF8) for a in envelope if not a.isascii()})
            options.append("SMTPUTF8")
        message = email_message.message()
        self.connection.sendmail(from_email, envelope, message.as_bytes(linesep="\r\n"), mail_options=options)
        return True


def plain_address(value: str) -> str:
    """"Regionalmanagement <rm@example.org>" -> "rm@example.org" (MAIL_DEFAULT_SENDER may be written
    either way); a plain address stays as it is."""
    return parseaddr(value)[1] or value if "<" in (value or "") else (value or "")


def named_address(name: str, address: str) -> str:
    """"Name" <address>; the address as written (umlauts stay: the backend above sends with SMTPUTF8)."""
    address = plain_address(address)
    name = " ".join((name or "").replace("\\", " ").replace('"', "'").split())
    return f'"{name}" <{address}>' if name else address


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def smtp_reason(error: Exception, address: str) -> str:
    """The server's words: "550 5.1.1 <x@y>: Recipient address rejected"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = error.recipients.get(address) or next(iter(error.recipients.values()), None)
        if refused:
            code, text = refused
            return f"{code} {_decode(text)}".strip()
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_decode(error.smtp_error)}".strip()
    return str(error) or type(error).__name__


class MailConnection:
    """One connection to the mail server for a whole run of messages (invitations, campaigns), opened
    again after a lost connection; a recipient the server refuses fails alone, with the server's reason.

        with MailConnection() as connection:
            reason = connection.send(message, address)   # "" = the server took it
    """

    def __init__(self):
        from flask_mailman.backends.smtp import EmailBackend as SmtpBackend

        from crm.extensions import mail

        backend = mail.get_connection()
        # SMTP with real umlaut addresses in the envelope (see above)
        self.backend = mail.get_connection(backend=Utf8SmtpBackend) if type(backend) is SmtpBackend else backend
        self.broken = ""  # why the server cannot be reached (then every further message fails)

    def __enter__(self):
        self._open()
        return self

    def _open(self) -> None:
        from flask_babel import gettext as _

        try:
            self.backend.open()
            self.broken = ""
        except (OSError, smtplib.SMTPException) as error:
            self.broken = _("The mail server cannot be reached: %(reason)s", reason=smtp_reason(error, ""))

    def send(self, message, address: str) -> str:
        """"" when the server took the message, else the reason."""
        if self.broken:
            return self.broken
        try:
            self.backend.send_messages([message])
            return ""
        except smtplib.SMTPRecipientsRefused as error:
            return smtp_reason(error, address)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            reason = smtp_reason(error, address)
            self._reopen()
            return reason
        except smtplib.SMTPException as error:
            return smtp_reason(error, address)

    def _reopen(self) -> None:
        try:
            self.backend.close()
        except Exception:  # noqa: BLE001 - the connection is gone either way
            self.backend.connection = None
        self._open()

    def __exit__(self, *exc):
        try:
            self.backend.close()
        except (OSError, smtplib.SMTPException):
            pass
        return False

    @property
    def folder(self) -> str:
        """Where the development backend writes the messages ("" for SMTP)."""
        return getattr(self.backend, "file_path", "") or ""
