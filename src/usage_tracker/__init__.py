"""OpenAI Usage Tracker: see, control and govern an organization's OpenAI API spend."""

__version__ = "0.1.0"
