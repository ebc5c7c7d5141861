"""Recoup: accounts-receivable collections, from ledger to agency placement."""

__version__ = "0.1.0"
