"""GET /me: who the API thinks the caller is, straight from their verified token."""

from aws_lambda_powertools.event_handler.router import Router

from api.caller import CurrentCaller
from api.schemas import MeOut

__all__ = ["router"]

router = Router()


@router.get("/me", summary="The caller's identity and groups", tags=["me"])
def me(caller: CurrentCaller) -> MeOut:
    return MeOut(
        user_id=caller.user_id, email=caller.email, groups=sorted(caller.groups), is_admin=caller.is_admin
    )
