"""All tables; importing this package registers every model on ``Base.metadata``."""

from usage_tracker.db.models.account import Account
from usage_tracker.db.models.api_key import ApiKey
from usage_tracker.db.models.api_token import ApiToken
from usage_tracker.db.models.bucket import Bucket
from usage_tracker.db.models.cost_record import CostRecord
from usage_tracker.db.models.import_run import ImportRun
from usage_tracker.db.models.login_throttle import LoginThrottle
from usage_tracker.db.models.member import Member
from usage_tracker.db.models.organization import Organization
from usage_tracker.db.models.project import Project
from usage_tracker.db.models.record_set import RecordSet
from usage_tracker.db.models.record_set_day import RecordSetDay
from usage_tracker.db.models.rollup import CostRollup, UsageRollup
from usage_tracker.db.models.usage_record import UsageRecord

__all__ = [
    "Account",
    "ApiKey",
    "ApiToken",
    "Bucket",
    "CostRecord",
    "CostRollup",
    "ImportRun",
    "LoginThrottle",
    "Member",
    "Organization",
    "Project",
    "RecordSet",
    "RecordSetDay",
    "UsageRecord",
    "UsageRollup",
]
