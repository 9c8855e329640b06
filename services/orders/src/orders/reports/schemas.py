import datetime as dt
import uuid

from pydantic import BaseModel, Field

from service_kit.money import Money


class TopCustomer(BaseModel):
    customer_id: uuid.UUID
    username: str | None = Field(
        description="From users; null when users could not be asked (customers_resolved is"
        " false) or the account no longer exists (erased)"
    )
    email: str | None = Field(description="From users; null when username is")
    order_count: int = Field(description="Orders placed in the range that count (not cancelled)")
    revenue: Money = Field(description="Sum of those orders' totals")
    average_order_value: Money = Field(description="revenue / order_count, rounded half up")


class TopCustomersReport(BaseModel):
    date_from: dt.date
    date_to: dt.date
    customers_resolved: bool = Field(
        description="Whether users was asked for the customers' usernames and emails. False"
        " when users could not answer: every item then carries its customer_id alone, and a"
        " later request may resolve them"
    )
    items: list[TopCustomer] = Field(
        description="Highest revenue first; ties by more orders, then by customer_id"
    )
