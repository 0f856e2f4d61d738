"""Domain model of the ticketing service: aggregates, events, errors, service layer."""
