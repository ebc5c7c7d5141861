"""The compliance guard and the rule tables it applies. Pure: no Django, no I/O, no clock."""

from recoup.core.compliance.credit import ReportingDecision, credit_reporting_eligibility, obsolete_on
from recoup.core.compliance.facts import (
    CHANNELS,
    Action,
    Attempt,
    Channel,
    ContractKind,
    Debt,
    DebtorFacts,
    DebtType,
    Decision,
    DisputeState,
    LocalWindow,
    Mode,
    Permission,
    PhoneLine,
    Purpose,
    Recipient,
    Violation,
)
from recoup.core.compliance.fees import Fee, FeeKind, fee_check, nsf_fee_cap
from recoup.core.compliance.guard import candidate_zones, check
from recoup.core.compliance.limitations import LIMITATIONS, is_time_barred, limitations_expire_on
from recoup.core.compliance.privacy import features_check, minimum_necessary, protected_attribute_of
from recoup.core.compliance.rules import RULES, Policy, policy_with, rules_for
from recoup.core.compliance.validation import validation_period_end

__all__ = [
    "CHANNELS",
    "LIMITATIONS",
    "RULES",
    "Action",
    "Attempt",
    "Channel",
    "ContractKind",
    "Debt",
    "DebtType",
    "DebtorFacts",
    "Decision",
    "DisputeState",
    "Fee",
    "FeeKind",
    "LocalWindow",
    "Mode",
    "Permission",
    "PhoneLine",
    "Policy",
    "Purpose",
    "Recipient",
    "ReportingDecision",
    "Violation",
    "candidate_zones",
    "check",
    "credit_reporting_eligibility",
    "features_check",
    "fee_check",
    "is_time_barred",
    "limitations_expire_on",
    "minimum_necessary",
    "nsf_fee_cap",
    "obsolete_on",
    "policy_with",
    "protected_attribute_of",
    "rules_for",
    "validation_period_end",
]
