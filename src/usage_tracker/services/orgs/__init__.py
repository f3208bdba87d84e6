"""Organizations this installation tracks, their stored (encrypted) admin keys, and SDK
clients for them (`orgs test`)."""
