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


# In segments that repeat from row to row (rows.py renders each distinct segment once).
PREFIX = (  # per organization, currency and day
    Column("BillingAccountId", STRING),
    Column("BillingAccountName", STRING),
    Column("BillingCurrency", STRING),
    Column("BillingPeriodStart", DATETIME),
    Column("BillingPeriodEnd", DATETIME),
    Column("ChargePeriodStart", DATETIME),
    Column("ChargePeriodEnd", DATETIME),
)
CHARGE = (  # per line item and whether it is a credit
    Column("ChargeCategory", STRING),
    Column("ChargeClass", STRING),
    Column("ChargeDescription", STRING),
    Column("ChargeFrequency", STRING),
    Column("PricingCategory", STRING),
    Column("SkuId", STRING),
    Column("x_Model", STRING),
    Column("x_TokenKind", STRING),
)
COSTS = (  # per row
    Column("BilledCost", MONEY),
    Column("ListCost", MONEY),
    Column("ContractedCost", MONEY),
    Column("EffectiveCost", MONEY),
    Column("ListUnitPrice", MONEY),
)
QUANTITIES = (  # per row
    Column("PricingQuantity", QUANTITY),
    Column("PricingUnit", STRING),
    Column("ConsumedQuantity", QUANTITY),
    Column("ConsumedUnit", STRING),
    Column("x_Tokens", QUANTITY),
)
SERVICE = (  # the same in every row
    Column("ProviderName", STRING),
    Column("PublisherName", STRING),
    Column("InvoiceIssuerName", STRING),
    Column("ServiceCategory", STRING),
    Column("ServiceSubcategory", STRING),
    Column("ServiceName", STRING),
)
WHO = (  # per project, API key and user
    Column("SubAccountId", STRING),
    Column("SubAccountName", STRING),
    Column("ResourceId", STRING),
    Column("ResourceName", STRING),
    Column("ResourceType", STRING),
    Column("x_UserId", STRING),
    Column("x_UserName", STRING),
    Column("Tags", JSON),
)
SOURCE = (  # per record set and allocation
    Column("x_AllocationMethod", STRING),
    Column("x_CostGrouping", STRING),
)
SEGMENTS = (PREFIX, CHARGE, COSTS, QUANTITIES, SERVICE, WHO, SOURCE)
COLUMNS: tuple[Column, ...] = tuple(c for segment in SEGMENTS for c in segment)
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
__all__ = [
    "COLUMNS",
    "INDEX",
    "MONEY_SCALE",
    "NAMES",
    "QUANTITY_SCALE",
    "SEGMENTS",
    "Column",
]
