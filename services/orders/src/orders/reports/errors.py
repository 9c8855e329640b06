"""The problems of the admin reports; each detail is given where it is raised."""

from service_kit.problems import UnprocessableContent


class InvalidReportRange(UnprocessableContent):
    # The code users' account statistics answer for the same mistake.
    code = "invalid-date-range"
    title = "The date range is not one the report covers"
