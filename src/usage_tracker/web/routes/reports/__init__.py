"""The dashboard views (overview, users, projects, models, keys), their JSON twins, exports."""
