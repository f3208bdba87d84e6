"""`make bench`: a large synthetic organization imported and queried through the service layer."""
