"""GET /health: public liveness, answered without touching AWS."""

from aws_lambda_powertools.event_handler.router import Router

from api.schemas import HealthOut

__all__ = ["router"]

router = Router()


# ``[{}]`` is OpenAPI for "no authentication": API Gateway serves this route without the authorizer.
@router.get("/health", summary="Liveness probe", tags=["health"], security=[{}])
def health() -> HealthOut:
    return HealthOut()
