"""Rival apps the ``tongxin bench`` comparison runs over the same database."""
