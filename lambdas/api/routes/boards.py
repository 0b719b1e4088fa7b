"""/boards: create (idempotent), list mine, read, rename and delete boards."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from api.caller import CurrentCaller
from api.idempotency import replay_or_run
from api.parameters import BoardId, CursorParam, IdempotencyKey, LimitParam
from api.schemas import DEFAULT_PAGE_SIZE, BoardCreate, BoardOut, BoardPage, BoardPatch
from corkboard.services import boards

__all__ = ["router"]

router = Router()
_TAGS = ["boards"]


@router.post("/boards", status_code=201, summary="Create a board (you become its owner)", tags=_TAGS)
def create_board(
    body: BoardCreate, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> BoardOut:
    return replay_or_run(
        idempotency_key,
        caller=caller,
        request={"board": body.model_dump(mode="json")},
        # Any signed-in user may create a board, so a replay needs no check beyond the authorizer's.
        authorize=None,
        response_model=BoardOut,
        lambda_context=router.lambda_context,
        run=lambda: BoardOut.of(boards.create(caller, name=body.name, description=body.description)),
    )


@router.get("/boards", summary="List the boards you are a member of", tags=_TAGS)
def list_boards(
    caller: CurrentCaller, limit: LimitParam = DEFAULT_PAGE_SIZE, cursor: CursorParam = None
) -> BoardPage:
    return BoardPage.of(boards.list_mine(caller, limit=limit, cursor=cursor))


@router.get("/boards/<boardId>", summary="Read a board", tags=_TAGS)
def get_board(board_id: BoardId, caller: CurrentCaller) -> BoardOut:
    return BoardOut.of(boards.get(caller, board_id))


@router.patch("/boards/<boardId>", summary="Rename or redescribe a board (owner)", tags=_TAGS)
def update_board(board_id: BoardId, body: BoardPatch, caller: CurrentCaller) -> BoardOut:
    return BoardOut.of(boards.update(caller, board_id, version=body.version, changes=body.changes()))


@router.delete(
    "/boards/<boardId>", status_code=204, summary="Delete a board and all on it (owner)", tags=_TAGS
)
def delete_board(board_id: BoardId, caller: CurrentCaller) -> Response[None]:
    boards.delete(caller, board_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
