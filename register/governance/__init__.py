"""Governance (issue 15): use-case tiers, sign-offs bound to an evidence digest, optional SSH
signatures over them, and reassessment of every recorded check and approval.

:mod:`.tiers` reads the tiers from the policy, :mod:`.evidence` builds the canonical evidence
document of a model or corpus and its digest, :mod:`.approvals` turns approvals and evidence
into a status per tier, :mod:`.signatures` signs and verifies with ``ssh-keygen -Y``,
:mod:`.reassess` re-runs everything and says what changed; :mod:`.verbs` is the facade mixin.
"""
