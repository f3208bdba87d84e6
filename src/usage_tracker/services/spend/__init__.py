"""Spend control: budgets, their status and evaluation, alerts and channels, anomalies,
enforcement (and OpenAI's own spend limits), teams and chargeback."""
