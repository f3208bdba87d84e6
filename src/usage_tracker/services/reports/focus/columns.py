"""The columns of the FOCUS export, in file order, with the type each one is written as.

Types: `money` (a decimal in the billing currency: CSV text, parquet decimal128(38, 18)),
`quantity` (a decimal count: decimal128(38, 9)), `datetime` (a UTC instant: `…T00:00:00Z`,
parquet timestamp[us, UTC]), `string`, `json` (a JSON object as text). docs/focus.md has the
mapping from the ledger for each column; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from usage_tracker.domain.focus import QUANTITY_SCALE

MONEY = "money"
QUANTITY = "quantity"
DATETIME = "datetime"
STRING = "string"
JSON = "json"
MONEY_SCALE = 18  # digits after the point: nano-dollars (9) and unit prices per token below


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    free_text: bool = False  # may hold text from the data (names, ids): the CSV formula guard


COLUMNS: tuple[Column, ...] = (
    Column("BillingAccountId", STRING, True),
    Column("BillingAccountName", STRING, True),
    Column("BillingCurrency", STRING),
    Column("BillingPeriodStart", DATETIME),
    Column("BillingPeriodEnd", DATETIME),
    Column("ChargePeriodStart", DATETIME),
    Column("ChargePeriodEnd", DATETIME),
    Column("ChargeCategory", STRING),
    Column("ChargeClass", STRING),
    Column("ChargeDescription", STRING, True),
    Column("ChargeFrequency", STRING),
    Column("BilledCost", MONEY),
    Column("ListCost", MONEY),
    Column("ContractedCost", MONEY),
    Column("EffectiveCost", MONEY),
    Column("ListUnitPrice", MONEY),
    Column("PricingCategory", STRING),
    Column("PricingQuantity", QUANTITY),
    Column("PricingUnit", STRING),
    Column("ConsumedQuantity", QUANTITY),
    Column("ConsumedUnit", STRING),
    Column("ProviderName", STRING),
    Column("PublisherName", STRING),
    Column("InvoiceIssuerName", STRING),
    Column("ServiceCategory", STRING),
    Column("ServiceSubcategory", STRING),
    Column("ServiceName", STRING),
    Column("SubAccountId", STRING, True),
    Column("SubAccountName", STRING, True),
    Column("ResourceId", STRING, True),
    Column("ResourceName", STRING, True),
    Column("ResourceType", STRING),
    Column("SkuId", STRING, True),
    Column("Tags", JSON, True),
    Column("x_Model", STRING, True),
    Column("x_TokenKind", STRING, True),
    Column("x_Tokens", QUANTITY),
    Column("x_UserId", STRING, True),
    Column("x_UserName", STRING, True),
    Column("x_AllocationMethod", STRING),
    Column("x_CostGrouping", STRING),
)
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
FREE_TEXT: tuple[int, ...] = tuple(i for i, c in enumerate(COLUMNS) if c.free_text)
__all__ = ["COLUMNS", "FREE_TEXT", "INDEX", "MONEY_SCALE", "NAMES", "QUANTITY_SCALE", "Column"]
