"""What sending an email can come to besides success."""


class MailNotSent(Exception):
    """The SMTP server refused the email or could not be reached in time; try again later.

    The message says why (the server's code and text, or the connection's failure) and
    never names the recipient.
    """
