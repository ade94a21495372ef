"""The production app freezes its start-up heap once started (app.main.freeze_startup_heap); other apps do not."""

import gc

from gatehouse_test_support.jwks import JwksServer

from app.core.config import Settings
from app.main import create_app


async def test_production_app_freezes_the_start_up_heap_once_started(settings: Settings, jwks: JwksServer) -> None:
    gc.unfreeze()
    try:
        plain = create_app(settings)
        async with plain.router.lifespan_context(plain):
            assert gc.get_freeze_count() == 0
        frozen = create_app(settings, freeze_heap=True)
        assert gc.get_freeze_count() == 0  # not at build time: after the lifespan started everything
        async with frozen.router.lifespan_context(frozen):
            assert gc.get_freeze_count() > 10_000  # the modules, the app and its routes at least
    finally:
        gc.unfreeze()  # this test process builds many apps: their cycles must stay collectable
