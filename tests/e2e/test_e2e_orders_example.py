"""The emulator is generic: another team's app (examples/orders_app) runs on it unchanged."""

from collections.abc import Iterator

import pytest
import requests
from aws_cdk import App

from cdk_local_cloud.local_cloud import LocalCloud, LocalCloudSettings
from examples.orders_app.app import OrdersStack
from tests.infra.conftest import cdk_context


@pytest.fixture(scope="module")
def orders_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    outdir = tmp_path_factory.mktemp("orders.local.out")
    app = App(outdir=str(outdir), context={**cdk_context(), "aws:cdk:disable-asset-staging": True})
    OrdersStack(app, "OrdersApp")
    app.synth()
    settings = LocalCloudSettings(cdk_out=outdir, port=0, aws_port=0, reload_on_change=False)
    with LocalCloud(settings, log_sink=lambda _: None) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def orders_url(orders_cloud: LocalCloud) -> str:
    (api,) = orders_cloud.apis
    return api.url.rstrip("/")


@pytest.fixture(scope="module")
def customer_token(orders_cloud: LocalCloud) -> str:
    return orders_cloud.id_token("dana")


def test_a_customer_places_an_order_and_reads_it_back(orders_url: str, customer_token: str) -> None:
    headers = {"Authorization": customer_token}
    placed = requests.post(
        f"{orders_url}/orders", json={"item": "tea", "quantity": 2}, headers=headers, timeout=60
    )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]

    read = requests.get(f"{orders_url}/orders/{order_id}", headers=headers, timeout=60)
    assert read.status_code == 200
    assert read.json() == placed.json()


def test_the_example_refuses_anonymous_callers(orders_url: str) -> None:
    assert requests.get(f"{orders_url}/orders/any", timeout=60).status_code == 401


def test_the_example_validates_bodies_in_its_own_handler(orders_url: str, customer_token: str) -> None:
    response = requests.post(
        f"{orders_url}/orders",
        json={"item": "", "quantity": 0},
        headers={"Authorization": customer_token},
        timeout=60,
    )
    assert response.status_code == 422
