"""/boards/{boardId}/tasks: create (idempotent), list, read, change and delete tasks."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from api.caller import CurrentCaller
from api.idempotency import replay_or_run
from api.parameters import BoardId, CursorParam, IdempotencyKey, LimitParam, StatusFilter, TaskId
from api.schemas import DEFAULT_PAGE_SIZE, TaskCreate, TaskOut, TaskPage, TaskPatch
from corkboard.services import tasks

__all__ = ["router"]

router = Router()
_TAGS = ["tasks"]


@router.post("/boards/<boardId>/tasks", status_code=201, summary="Add a task (editor)", tags=_TAGS)
def create_task(
    board_id: BoardId, body: TaskCreate, caller: CurrentCaller, idempotency_key: IdempotencyKey = None
) -> TaskOut:
    return replay_or_run(
        idempotency_key,
        caller=caller,
        request={"boardId": board_id, "task": body.model_dump(mode="json")},
        authorize=lambda: tasks.authorize_create(caller, board_id),
        response_model=TaskOut,
        lambda_context=router.lambda_context,
        run=lambda: TaskOut.of(
            tasks.create(
                caller,
                board_id,
                title=body.title,
                description=body.description,
                status=body.status,
                assignee=body.assignee,
                due_date=body.due_date,
            )
        ),
    )


@router.get("/boards/<boardId>/tasks", summary="List a board's tasks, newest first", tags=_TAGS)
def list_tasks(
    board_id: BoardId,
    caller: CurrentCaller,
    status: StatusFilter = None,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    cursor: CursorParam = None,
) -> TaskPage:
    return TaskPage.of(tasks.list_tasks(caller, board_id, status=status, limit=limit, cursor=cursor))


@router.get("/boards/<boardId>/tasks/<taskId>", summary="Read a task", tags=_TAGS)
def get_task(board_id: BoardId, task_id: TaskId, caller: CurrentCaller) -> TaskOut:
    return TaskOut.of(tasks.get(caller, board_id, task_id))


@router.patch("/boards/<boardId>/tasks/<taskId>", summary="Change a task (editor)", tags=_TAGS)
def update_task(board_id: BoardId, task_id: TaskId, body: TaskPatch, caller: CurrentCaller) -> TaskOut:
    return TaskOut.of(tasks.update(caller, board_id, task_id, version=body.version, changes=body.changes()))


@router.delete(
    "/boards/<boardId>/tasks/<taskId>", status_code=204, summary="Delete a task (editor)", tags=_TAGS
)
def delete_task(board_id: BoardId, task_id: TaskId, caller: CurrentCaller) -> Response[None]:
    tasks.delete(caller, board_id, task_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
