"""Work that composes capabilities: sync then budget evaluation, and the scheduler of `serve`."""
