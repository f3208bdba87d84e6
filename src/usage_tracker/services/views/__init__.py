"""Read models that combine capabilities for the pages, the JSON API and the CLI."""
