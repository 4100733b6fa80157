"""An upstream that rejects LARouter's key is told where that key came from, never the key."""

from __future__ import annotations

import json

import openai
import pytest

from tests.conftest import FAKE_KEY, Router
from tests.support.cli import on

RUNTIME_KEY = "sk-runtime-provider-key-9876543210"


def rejected(router: Router, model: str) -> str:
    """The message of the error a call to this model gets."""
    with pytest.raises(openai.APIStatusError) as err:
        openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 502
    return json.dumps(err.value.body)


@pytest.mark.parametrize("model", ["fake-401", "fake-403"])
def test_a_rejected_key_names_the_setting_it_came_from(router: Router, model: str) -> None:
    """A key from `api_key_env` says "check FAKE_KEY"; once `larouter config set providers.fake.api_key -` set one,
    the message names that setting instead (it still said FAKE_KEY, sending the operator to the wrong place)."""
    before = rejected(router, model)
    assert "(check FAKE_KEY)" in before and FAKE_KEY not in before, before
    result = on(router, "config", "set", "providers.fake.api_key", "-", "--token", router.admin_token,
                input=RUNTIME_KEY + "\n")
    assert result.exit_code == 0, result.output
    after = rejected(router, model)
    assert "(check providers.fake.api_key, set at runtime (larouter config set / PATCH /api/config))" in after, after
    assert "FAKE_KEY" not in after and RUNTIME_KEY not in after and RUNTIME_KEY[-8:] not in after, after


def test_a_key_in_the_config_file_is_named_so(make_router) -> None:
    """A key written in the config file is named as the file's `providers.<name>.api_key`."""
    router = make_router(extra_toml=f'api_key = "{RUNTIME_KEY}"\n')
    said = rejected(router, "fake-401")
    assert "(check providers.fake.api_key in the config file)" in said and RUNTIME_KEY not in said, said
