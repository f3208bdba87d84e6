"""Audit logs: every change the tracker makes (`log`), and OpenAI's own audit log as the sync
stored it (`openai_log`)."""
