"""adapter: a local stand-in for Datadog's DORA API."""
