class ComplianceError(ValueError):
    """A compliance fact or setting that cannot be recorded as given; the message says why."""
