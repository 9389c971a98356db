"""Builders of crafted and foreign-looking REFI-QDA files for the exchange and hardening tests."""
