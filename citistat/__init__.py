"""citistat: CitiStat-style accountability briefings from 12345 / 311 hotline exports."""

__version__ = "0.1.0"
