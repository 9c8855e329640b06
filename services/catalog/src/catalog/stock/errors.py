from service_kit.problems import Conflict


class StockBelowHeld(Conflict):
    code = "stock-below-held"
    title = "Stock cannot go below what reservations hold"


class StockLimitExceeded(Conflict):
    code = "stock-limit-exceeded"
    title = "A product cannot hold that many units"
