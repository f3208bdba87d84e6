"""Organization members and access: the stored roster and role changes, invites, project
memberships, service accounts."""
