"""HTTP edge of the ticketing service: Falcon app, schemas, auth, errors, i18n."""
