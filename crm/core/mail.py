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
