"""/boards/{boardId}/members: list members, add or re-role one (owner), remove one or leave."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from api.caller import CurrentCaller
from api.parameters import BoardId, CursorParam, LimitParam, UserId
from api.schemas import DEFAULT_PAGE_SIZE, MemberOut, MemberPage, MemberPut
from corkboard.services import members

__all__ = ["router"]

router = Router()
_TAGS = ["members"]


@router.get("/boards/<boardId>/members", summary="List a board's members", tags=_TAGS)
def list_members(
    board_id: BoardId,
    caller: CurrentCaller,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    cursor: CursorParam = None,
) -> MemberPage:
    return MemberPage.of(members.list_members(caller, board_id, limit=limit, cursor=cursor))


@router.put(
    "/boards/<boardId>/members/<userId>", summary="Add a member or change their role (owner)", tags=_TAGS
)
def put_member(board_id: BoardId, user_id: UserId, body: MemberPut, caller: CurrentCaller) -> MemberOut:
    return MemberOut.of(members.put(caller, board_id, user_id, body.role))


@router.delete(
    "/boards/<boardId>/members/<userId>",
    status_code=204,
    summary="Remove a member (owner), or leave the board (yourself)",
    tags=_TAGS,
)
def remove_member(board_id: BoardId, user_id: UserId, caller: CurrentCaller) -> Response[None]:
    members.remove(caller, board_id, user_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
