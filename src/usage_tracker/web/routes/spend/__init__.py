"""Budgets, enforcement, alert channels, alerts, teams and showback."""
