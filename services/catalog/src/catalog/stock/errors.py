from service_kit.problems import Conflict


class StockBelowHeld(Conflict):
    code = "stock-below-held"
    title = "Stock cannot go below what reservations hold"
