"""/boards/{boardId}/tasks/{taskId}/attachments: start an upload (idempotent), list with download links."""

from aws_lambda_powertools.event_handler.router import Router

from api.caller import CurrentCaller
from api.idempotency import replay_or_run
from api.parameters import BoardId, CursorParam, IdempotencyKey, LimitParam, TaskId
from api.schemas import (
    DEFAULT_PAGE_SIZE,
    AttachmentCreate,
    AttachmentItem,
    AttachmentOut,
    AttachmentPage,
    AttachmentUploadOut,
    UploadFormOut,
)
from corkboard.services import attachments

__all__ = ["router"]

router = Router()
_TAGS = ["attachments"]
_PATH = "/boards/<boardId>/tasks/<taskId>/attachments"


@router.post(
    _PATH,
    status_code=201,
    summary="Start an attachment upload (editor): a pending record and a presigned POST form",
    tags=_TAGS,
)
def create_attachment(
    board_id: BoardId,
    task_id: TaskId,
    body: AttachmentCreate,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> AttachmentUploadOut:
    def start() -> AttachmentUploadOut:
        started = attachments.start_upload(
            caller,
            board_id,
            task_id,
            file_name=body.file_name,
            content_type=body.content_type,
            size=body.size,
        )
        return AttachmentUploadOut(
            attachment=AttachmentOut.of(started.attachment), upload=UploadFormOut.of(started.upload)
        )

    return replay_or_run(
        idempotency_key,
        caller=caller,
        request={"boardId": board_id, "taskId": task_id, "attachment": body.model_dump(mode="json")},
        authorize=lambda: attachments.authorize_upload(caller, board_id),
        response_model=AttachmentUploadOut,
        lambda_context=router.lambda_context,
        run=start,
    )


@router.get(_PATH, summary="List a task's attachments, newest first, with download links", tags=_TAGS)
def list_attachments(
    board_id: BoardId,
    task_id: TaskId,
    caller: CurrentCaller,
    limit: LimitParam = DEFAULT_PAGE_SIZE,
    cursor: CursorParam = None,
) -> AttachmentPage:
    page = attachments.list_attachments(caller, board_id, task_id, limit=limit, cursor=cursor)
    return AttachmentPage(
        items=[AttachmentItem.with_link(item.attachment, item.download_url) for item in page.items],
        next_cursor=page.next_cursor,
    )
