"""Sign-in, setup, sign-out and the account pages."""
