"""MAIL_DEFAULT_SENDER written with its name ("Regionalmanagement <rm@…>", as in the deployment's
environment example) or without: the sender of campaigns and the organiser of invitations are valid."""
from email.utils import parseaddr

from crm.core.mail import named_address, plain_address


def test_a_sender_written_with_its_name_is_not_named_twice():
    value = named_address("Regionalmanagement Spessart", "Regionalmanagement <rm@spessart-mainland.de>")
    assert value == '"Regionalmanagement Spessart" <rm@spessart-mainland.de>'
    assert parseaddr(value) == ("Regionalmanagement Spessart", "rm@spessart-mainland.de")
    assert plain_address("rm@spessart-mainland.de") == "rm@spessart-mainland.de"
    assert named_address("Anna Heß", "heß@gemeinde.de") == '"Anna Heß" <heß@gemeinde.de>'  # umlauts stay
