"""Dashboard accounts: passwords, roles, sign-in and its throttle, preferences, API tokens."""
