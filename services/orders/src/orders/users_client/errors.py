"""What can come of a call to users, other than the answer asked for.

Not an HTTP problem, and named so that it never reads as one: each caller decides what it
means (a notification waits for its next try; a report shows customers by id alone).
"""


class UsersUnreachable(Exception):
    """No usable answer within the deadline (timeouts, refused connections, 5xx, nonsense)."""
