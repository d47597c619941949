"""dorasync: DORA incident events as code, planned and applied to Datadog."""

__version__ = "0.1.0"
