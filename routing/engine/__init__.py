"""The routing decision core: pure Python over plain data, no database.

``compile_rule_set`` validates and indexes a list of rules once per version;
``decide`` routes one consultation against it.
"""

from .decide import decide
from .rules import CompiledRuleSet, RuleError, RuleSetInvalid, compile_rule_set, validate_rules
from .types import (
    ConsultationFacts,
    Decision,
    FilerFacts,
    OfficeInfo,
    ReferenceSnapshot,
    RuleRef,
    RuleSpec,
)

__all__ = [
    "CompiledRuleSet",
    "ConsultationFacts",
    "Decision",
    "FilerFacts",
    "OfficeInfo",
    "ReferenceSnapshot",
    "RuleError",
    "RuleRef",
    "RuleSetInvalid",
    "RuleSpec",
    "compile_rule_set",
    "decide",
    "validate_rules",
]
