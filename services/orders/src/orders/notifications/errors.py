"""The problems the notifications endpoints answer with."""

from service_kit.problems import Conflict, NotFound


class NotificationNotFound(NotFound):
    code = "notification-not-found"
    title = "Notification not found"


class NotificationNotParked(Conflict):
    code = "notification-not-parked"
    title = "Only a parked notification can be queued again"
