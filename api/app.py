"""The Falcon app factory: wiring only."""

from __future__ import annotations

import dataclasses
from typing import Any

import falcon

from api.auth import TokenVerifier
from api.config import Config
from api.errors import ErrorRenderer
from api.http import AuthMiddleware, ContextMiddleware
from api.i18n import Translator
from api.idempotency import Idempotency
from api.logs import configure_logging
from api.openapi import OpenApiResource
from api.resources import (
    CategoryResource,
    CommentsResource,
    ContactAccessResource,
    HealthResource,
    StatusResource,
    TicketsResource,
    WatchlistResource,
)
from api.storage import build_application
from domain.application import TicketingApplication


def create_app(
    config: Config, application: TicketingApplication | None = None
) -> falcon.App[falcon.Request, falcon.Response]:
    """Build the WSGI app over an application (built from config if not given)."""
    application = application or build_application(config)
    translator = Translator(config.default_language)
    idempotency = Idempotency(application.recorder)
    limit = config.max_body_bytes

    middleware: list[Any] = [
        ContextMiddleware(translator),
        AuthMiddleware(TokenVerifier(config)),
    ]
    app: falcon.App[falcon.Request, falcon.Response] = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    ErrorRenderer(translator).install(app)

    tickets = TicketsResource(application, translator, idempotency, limit)
    comments = CommentsResource(application, idempotency, limit)
    health = HealthResource(application)
    app.add_route("/v1.0/tickets", tickets)
    app.add_route("/v1.0/tickets/watchlist", WatchlistResource(application, limit))
    app.add_route("/v1.0/tickets/{ticket_id:uuid}", tickets, suffix="item")
    app.add_route("/v1.0/tickets/{ticket_id:uuid}/comments", comments)
    app.add_route(
        "/v1.0/tickets/{ticket_id:uuid}/comments/{comment_id:uuid}",
        comments,
        suffix="item",
    )
    app.add_route(
        "/v1.0/members/{member_uid:uuid}/contact-access",
        ContactAccessResource(application, limit),
    )
    app.add_route(
        "/v1.0/ticket-categories/{category_uid:uuid}",
        CategoryResource(application, limit),
    )
    app.add_route(
        "/v1.0/ticket-statuses/{status_uid:uuid}", StatusResource(application, limit)
    )
    app.add_route("/health/live", health, suffix="live")
    app.add_route("/health/ready", health, suffix="ready")
    app.add_route("/openapi.json", OpenApiResource())
    return app


def get_app() -> falcon.App[falcon.Request, falcon.Response]:
    """The production app: configured from the environment, built in each worker.

    Tables are created once before the workers start (``api.manage migrate``),
    so workers never race to create them.
    """
    configure_logging()
    config = dataclasses.replace(Config.from_env(), create_tables=False)
    return create_app(config)
