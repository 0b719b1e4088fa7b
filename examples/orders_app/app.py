"""An orders service as another team would build it from serverless_blocks: Cognito, REST, one table.

Synthesize it with ``cdk synth --app "python app.py"``; see README.md next to this file.
"""

from pathlib import Path

from aws_cdk import App, CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from serverless_blocks import (
    CognitoRestApi,
    CognitoRestApiProps,
    PythonFunction,
    PythonFunctionProps,
    Table,
    TableProps,
    UserDirectory,
    UserDirectoryProps,
)

LAMBDAS = Path(__file__).resolve().parent / "lambdas"


class OrdersStack(Stack):
    """Signed-in customers read and place orders; every default comes from serverless_blocks."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        order_id = dynamodb.Attribute(name="order_id", type=dynamodb.AttributeType.STRING)
        orders = Table(self, "Orders", props=TableProps(partition_key=order_id))
        users = UserDirectory(self, "Users", props=UserDirectoryProps())
        handler = PythonFunction(
            self,
            "OrdersApi",
            props=PythonFunctionProps(
                code_path=str(LAMBDAS),
                handler="orders_api.handler",
                environment={"TABLE_NAME": orders.table.table_name},
                service_name="orders",
            ),
        )
        orders.table.grant(handler.function, "dynamodb:GetItem", "dynamodb:PutItem")
        api = CognitoRestApi(self, "Api", props=CognitoRestApiProps(user_pool=users.user_pool))
        api.add_route("GET", "/orders/{orderId}", handler.function)
        api.add_route("POST", "/orders", handler.function)
        api.add_route("GET", "/health", handler.function, public=True)
        CfnOutput(self, "ApiUrl", value=api.url)
        CfnOutput(self, "UserPoolClientId", value=users.user_pool_client.user_pool_client_id)


def main() -> None:
    app = App()
    OrdersStack(app, "OrdersApp")
    app.synth()


if __name__ == "__main__":
    main()
