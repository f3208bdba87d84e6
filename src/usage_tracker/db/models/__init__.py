"""All tables; importing this package registers every model on ``Base.metadata``."""

from usage_tracker.db.models.account import Account
from usage_tracker.db.models.alert_channel import AlertChannel
from usage_tracker.db.models.alert_event import AlertEvent
from usage_tracker.db.models.allocation import AllocationDay, AllocationMonth, AllocationPart
from usage_tracker.db.models.api_key import ApiKey
from usage_tracker.db.models.api_token import ApiToken
from usage_tracker.db.models.audit_entry import AuditEntry
from usage_tracker.db.models.bucket import Bucket
from usage_tracker.db.models.budget import Budget
from usage_tracker.db.models.budget_edit import BudgetEdit
from usage_tracker.db.models.bulk_operation import BulkOperation
from usage_tracker.db.models.bulk_operation_item import BulkOperationItem
from usage_tracker.db.models.cost_record import CostRecord
from usage_tracker.db.models.credential import Credential
from usage_tracker.db.models.enforcement_action import EnforcementAction
from usage_tracker.db.models.import_run import ImportRun
from usage_tracker.db.models.inventory_snapshot import InventorySnapshot
from usage_tracker.db.models.login_throttle import LoginThrottle
from usage_tracker.db.models.member import Member
from usage_tracker.db.models.openai_audit_event import OpenAIAuditEvent
from usage_tracker.db.models.organization import Organization
from usage_tracker.db.models.price import Price
from usage_tracker.db.models.project import Project
from usage_tracker.db.models.rate_limit import RateLimit
from usage_tracker.db.models.rate_limit_snapshot import RateLimitSnapshot
from usage_tracker.db.models.rate_limit_template import RateLimitTemplate
from usage_tracker.db.models.rate_limit_template_assignment import RateLimitTemplateAssignment
from usage_tracker.db.models.record_set import RecordSet
from usage_tracker.db.models.record_set_day import RecordSetDay
from usage_tracker.db.models.rollup import CostDayModel, CostRollup, UsageDayModel, UsageRollup
from usage_tracker.db.models.service_account import ServiceAccount
from usage_tracker.db.models.spend_alert import SpendAlert
from usage_tracker.db.models.spend_limit import SpendLimit
from usage_tracker.db.models.sync_cursor import SyncCursor
from usage_tracker.db.models.sync_lease import SyncLease
from usage_tracker.db.models.sync_run import SyncRun
from usage_tracker.db.models.team import Team
from usage_tracker.db.models.team_member import TeamMember
from usage_tracker.db.models.usage_dims import UsageDims
from usage_tracker.db.models.usage_record import UsageRecord
from usage_tracker.db.models.web_session import WebSession

__all__ = [
    "Account",
    "AlertChannel",
    "AlertEvent",
    "AllocationDay",
    "AllocationMonth",
    "AllocationPart",
    "ApiKey",
    "ApiToken",
    "AuditEntry",
    "Bucket",
    "Budget",
    "BudgetEdit",
    "BulkOperation",
    "BulkOperationItem",
    "CostDayModel",
    "CostRecord",
    "CostRollup",
    "Credential",
    "EnforcementAction",
    "ImportRun",
    "InventorySnapshot",
    "LoginThrottle",
    "Member",
    "OpenAIAuditEvent",
    "Organization",
    "Price",
    "Project",
    "RateLimit",
    "RateLimitSnapshot",
    "RateLimitTemplate",
    "RateLimitTemplateAssignment",
    "RecordSet",
    "RecordSetDay",
    "ServiceAccount",
    "SpendAlert",
    "SpendLimit",
    "SyncCursor",
    "SyncLease",
    "SyncRun",
    "Team",
    "TeamMember",
    "UsageDayModel",
    "UsageDims",
    "UsageRecord",
    "UsageRollup",
    "WebSession",
]
