"""Members, invites, project memberships, service accounts, `/api/v1/members`."""
