"""Refusals as JSON: a domain refusal in the caller's language, a programme's field errors as 422, anything
unexpected as a 500 that says nothing of the data."""

from __future__ import annotations

import logging

from aiohttp import web

from handlers.console.context import View, refuse, reply, translator
from handlers.errors import refusal_details, trace
from models.core.errors import BranchNeeded, DomainError, MemberForgotten, UnknownBranch, UnknownMember
from models.core.programme_versions import ProgrammeInvalid, UnknownVersion

API = "/console/api/"
NOT_FOUND = (UnknownMember, MemberForgotten)
log = logging.getLogger(__name__)


@web.middleware
async def refusals(request: web.Request, handler: View) -> web.StreamResponse:
    if not request.path.startswith(API):
        return await handler(request)
    try:
        return await handler(request)
    except ProgrammeInvalid as invalid:
        return reply({"errors": [{"field": e.field, "message": e.message} for e in invalid.errors]}, status=422)
    except (UnknownBranch, BranchNeeded) as wrong:
        # The console's only branch is an invitation's: a field of a form, shown next to it with the ids to pick.
        message = translator(request).raw(f"error-{wrong.code}-field", **refusal_details(wrong))
        return reply({"errors": [{"field": "branch", "message": message}]}, status=422)
    except DomainError as refusal:
        status = web.HTTPNotFound if isinstance(refusal, NOT_FOUND) else web.HTTPBadRequest
        refuse(status, translator(request).raw(f"error-{refusal.code}", **refusal_details(refusal)))
    except UnknownVersion:
        refuse(web.HTTPNotFound, "no such programme version")
    except web.HTTPException:
        raise
    except Exception as exc:
        log.error("console %s %s failed: %s", request.method, request.path, trace(exc))
        refuse(web.HTTPInternalServerError, "something went wrong on our side; nothing was changed")
