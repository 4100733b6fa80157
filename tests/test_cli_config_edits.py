"""`larouter config set` and `unset` where a change would not do what it says: an empty secret is refused with
nothing changed, and unsetting a policy's chain says which chain the tier takes now."""

from __future__ import annotations

import json
from typing import Callable

import pytest

from larouter.runtime import mask, runtime_file
from tests.conftest import FAKE_KEY, Router
from tests.support.cli import ok_json, on, run
from tests.support.servers import http_json
from tests.test_readme_commands import invocations


@pytest.mark.parametrize(("key", "args", "stdin", "said"), [
    ("providers.fake.api_key", ["-"], "", "stdin was empty"),
    ("providers.fake.api_key", ["-"], " \n\n", "stdin was empty"),
    ("providers.fake.api_key", [""], None, "the value is empty"),
    ("server.admin_token", ["-"], "", "stdin was empty"),
    ("routing.default_model", ["-"], "", "stdin was empty"),
])
def test_an_empty_secret_is_refused_and_nothing_changes(router: Router, key: str, args: list[str],
                                                        stdin: str | None, said: str) -> None:
    """`config set KEY -` with nothing on stdin (or an empty API key or token as the value) is exit 1, one line saying
    so; nothing is sent: no runtime override, the key in use stays (it stored "" and reported the masked environment
    key as if it had been set)."""
    before = ok_json(router, "config", "get")
    result = on(router, "config", "set", key, *args, input=stdin)
    assert result.exit_code == 1 and result.stdout == "", result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"error: {said}, so {key} was left unchanged" in lines[0], result.stderr
    assert not runtime_file(router.settings.home).exists()
    assert ok_json(router, "config", "get") == before
    assert ok_json(router, "config", "get", "providers.fake.api_key") == mask(FAKE_KEY)


def test_setting_a_secret_shows_it_masked_only(router: Router) -> None:
    """A key set from stdin is reported masked, as `config get` shows it, in text and JSON; never in full."""
    secret = "sk-new-secret-0123456789abcdef"
    for extra in ([], ["--json"]):
        result = on(router, "config", "set", "providers.fake.api_key", "-", "--token", router.admin_token, *extra,
                    input=secret + "\n")
        assert result.exit_code == 0 and secret not in result.output and mask(secret) in result.stdout, result.output
    assert json.dumps(ok_json(router, "config", "get")).count(mask(secret)) == 1


def first_choice(router: Router, project: str) -> str:
    """The model `route explain` puts first for a writing request (tier MEDIUM) of this project."""
    data = ok_json(router, "route", "explain", "-p", project, "Write a short poem about the sea.")
    assert data["tier"] == "MEDIUM", data
    return str(data["candidates"][0]["model"])


def test_unsetting_a_policy_chain_says_which_chain_routes_now(router: Router) -> None:
    """Unsetting the only chain of a policy of one's own leaves the policy (no chain of its own), whose tiers take
    cost-optimized's chains as configured; the CLI says which chain that is (it said "(now (unset))", which read as
    a policy that routes nothing), and the routing agrees, whatever order the policies were set in."""
    assert on(router, "config", "set", "routing.policies.mine.MEDIUM", '["fake-slow"]').exit_code == 0
    assert on(router, "config", "set", "routing.policies.cost-optimized.MEDIUM", '["fake-delay"]').exit_code == 0
    assert on(router, "projects", "create", "poet", "--policy", "mine").exit_code == 0
    assert first_choice(router, "poet") == "fake-slow"

    unset = on(router, "config", "unset", "routing.policies.mine.MEDIUM")
    assert unset.exit_code == 0, unset.output
    assert unset.stdout.strip() == ("unset routing.policies.mine.MEDIUM: the MEDIUM tier of policy mine takes "
                                    "cost-optimized's chain now: fake-delay"), unset.stdout
    assert first_choice(router, "poet") == "fake-delay"
    assert ok_json(router, "config", "get", "routing.policies.mine") == {}

    builtin = on(router, "config", "unset", "routing.policies.cost-optimized.MEDIUM")
    assert builtin.exit_code == 0 and builtin.stdout.strip() == (
        "unset routing.policies.cost-optimized.MEDIUM: the MEDIUM tier of policy cost-optimized takes its built-in "
        "chain now: gpt-4.1-mini, gpt-4o-mini, claude-haiku-4-5, local"), builtin.stdout
    gone = on(router, "config", "unset", "routing.policies.mine")
    assert gone.exit_code == 0 and "there is no policy mine now (its projects route by cost-optimized" in gone.stdout


def test_setting_a_table_makes_no_false_note_about_a_flag(router: Router) -> None:
    """A provider set as a table comes back with its defaults filled in and its key masked: that is no override by a
    command-line flag, and the CLI no longer says it is (it printed "note: the effective value is … (a larouterd
    command-line flag overrides runtime settings)": the tenth review)."""
    table = '{ base_url = "http://127.0.0.1:9/v1", api_key = "sk-extra-0123456789", models = ["extra-model"] }'
    token = (router.settings.home / "admin_token").read_text().strip()  # base_url and api_key need it
    result = on(router, "config", "set", "providers.extra", table, "--token", token)
    assert result.exit_code == 0 and "set providers.extra" in result.stdout, result.output
    assert "note:" not in result.output and "command-line flag" not in result.output, result.output


def test_an_unknown_top_level_key_lists_the_keys_there(router: Router) -> None:
    """`larouter config set nope 1` said only "<root>: unknown key(s): nope": with no close match, a table of a few
    keys lists them (the tenth review); a near miss still gets its "did you mean"."""
    result = on(router, "config", "set", "nope", "1")
    assert result.exit_code == 1 and "nope (the keys here are local, providers, routing, server, usage)" in result.output
    near = on(router, "config", "set", "routing.cooldowm", "5")
    assert near.exit_code == 1 and "cooldowm (did you mean cooldown?)" in near.output, near.output


def test_a_key_of_a_provider_not_defined_yet_says_what_to_do(router: Router) -> None:
    """`providers.groq.api_key` on a daemon with no groq provider: a 400 on `providers.groq.base_url` that says groq is
    no provider yet, which providers there are (and which are shipped) and that a new one needs its base_url, with
    the key nowhere in it; the CLI adds the command that defines it. With its base_url set first, the key is taken."""
    secret = "gsk_not-a-real-key-0123456789"
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"groq": {"api_key": secret}}},
                            headers={"Authorization": f"Bearer {router.admin_token}"})
    assert status == 400 and out["error"]["param"] == "providers.groq.base_url", out
    message = out["error"]["message"]
    assert message.startswith("providers.groq.base_url: required key is missing: 'groq' is not a provider yet (the "
                              "providers are anthropic, fake, openai; LARouter ships anthropic, openai), and a new one "
                              "needs base_url, the URL of its OpenAI-compatible API"), message
    assert secret not in json.dumps(out)
    result = on(router, "config", "set", "providers.groq.api_key", "-", "--token", router.admin_token, input=secret)
    assert result.exit_code == 1 and secret not in result.output, result.output
    assert "(`larouter config set providers.groq.base_url URL` defines it)" in " ".join(result.stderr.split())
    assert not runtime_file(router.settings.home).exists()
    for args in (["providers.groq.base_url", "https://api.groq.com/openai/v1"], ["providers.groq.api_key", "-"]):
        result = on(router, "config", "set", *args, "--token", router.admin_token, input=secret)
        assert result.exit_code == 0 and secret not in result.output, result.output
    assert ok_json(router, "config", "get", "providers.groq.api_key") == mask(secret)
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"Anthropic": {"api_key": secret}}},
                            headers={"Authorization": f"Bearer {router.admin_token}"})
    assert status == 400 and "did you mean 'anthropic'? (names are case-sensitive)" in out["error"]["message"], out
    assert secret not in json.dumps(out)  # (review 12: no hint for a provider named in another case)


def test_the_readme_config_lines_work_on_a_default_install(router: Router) -> None:
    """Every `larouter config` line of the README's CLI cheat sheet runs as written (a key read from stdin) against a
    daemon that has only the shipped providers besides the test's own."""
    lines = [words for words in invocations() if words[0] == "config"]
    for words in lines:
        result = on(router, *words, "--token", router.admin_token, input="sk-readme-0123456789abcdef\n")
        assert result.exit_code == 0, (words, result.output)
    assert len(lines) >= 4 and ["config", "set", "providers.openai.api_key", "-"] in lines, lines


SECRET = "sk-CLI-FLAT-SECRET2-0123456789"


@pytest.mark.parametrize(("key", "value", "param"), [
    ("providers.openai", SECRET, "providers.openai"),  # the `.api_key` forgotten
    ("providers.mistral", SECRET, "providers.mistral"),  # a provider not defined yet
    ("providers", SECRET, "providers"),
    ("providers.openai.api_key_env", [SECRET], "providers.openai.api_key_env"),
    ("providers.openai.api_key_env", SECRET, "providers.openai.api_key_env"),  # the key in the variable's place
    ("providers.openai.base_url", "https://api.example/v1\r\nX-Key: " + SECRET, "providers.openai.base_url"),
    ("providers.openai.read_timeout", SECRET, "providers.openai.read_timeout"),
    ("providers.openai.base_url", "ftp://" + SECRET, "providers.openai.base_url"),
    ("providers.openai.prices.gpt-4o.input", SECRET, "providers.openai.prices.gpt-4o.input"),
    ("local.models.hf_token", SECRET, "local.models.hf_token"),  # a name that suggests a secret
    ("server.admin_token", [SECRET], "server.admin_token"),
])
def test_a_wrong_value_under_providers_is_never_echoed(router: Router, key: str, value: object, param: str) -> None:
    """A value of the wrong type under `providers.*` (or under a key whose name suggests a secret), over PATCH and
    `config set`: a 400 / exit 1 that names the key and what it expected, never the value (it said "got 'sk-…'")."""
    body: object = value
    for part in reversed(key.split(".")):
        body = {part: body}
    status, out = http_json("PATCH", router.url + "/api/config", body,
                            headers={"Authorization": f"Bearer {router.admin_token}"})
    assert status == 400 and out["error"]["param"] == param, out
    assert SECRET not in json.dumps(out) and "not shown" in out["error"]["message"], out
    shown = value if isinstance(value, str) else json.dumps(value)
    result = on(router, "config", "set", key, shown, "--token", router.admin_token)
    assert result.exit_code == 1 and SECRET not in result.output and "not shown" in result.output, result.output
    assert not runtime_file(router.settings.home).exists()


def test_a_wrong_value_elsewhere_is_still_shown(router: Router) -> None:
    """Outside `providers.*` and keys named like secrets, the value a key got is still quoted to help fix it."""
    result = on(router, "config", "set", "server.port", "abc", "--token", router.admin_token)
    assert result.exit_code == 1 and "server.port: expected an integer, got 'abc'" in result.output, result.output


@pytest.mark.parametrize("key", ["gsk_Groq0KeyShaped0SECRET0123456789abcd", "hf_HuggingFaceTokenShaped0123456789",
                                 "sk-proj-0123456789abcdefSECRET"])
def test_a_key_pasted_as_api_key_env_is_refused_unshown(router: Router, key: str) -> None:
    """Keys made of letters, digits and `_` (Groq's `gsk_…`, a Hugging Face `hf_…`) passed for a variable's name and
    were then shown in every 503 and in /api/config: a variable's name is in capitals; the value is never echoed."""
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"openai": {"api_key_env": key}}},
                            headers={"Authorization": f"Bearer {router.admin_token}"})
    assert status == 400 and out["error"]["param"] == "providers.openai.api_key_env", out
    assert key not in json.dumps(out) and "in capitals" in out["error"]["message"], out


def test_a_table_holding_a_key_is_never_echoed_and_a_date_is_a_string(router: Router) -> None:
    """`config set providers.openai '{ api_key = "sk-…" }'` printed the key as given (the daemon's answer, masked, is
    shown now); a TOML date value crashed the CLI with a TypeError (it is taken as the string it is)."""
    secret = "sk-live-secret-abcdefghijklmnop"
    out = on(router, "config", "set", "providers.openai", f'{{ api_key = "{secret}" }}', "--token", router.admin_token)
    assert out.exit_code == 0 and secret not in out.output and "sk-...mnop" in out.output, out.output
    dated = on(router, "config", "set", "routing.default_model", "2025-01-01")
    assert dated.exit_code == 0 and 'set routing.default_model = "2025-01-01"' in dated.output, dated.output


def test_a_key_typed_at_a_terminal_is_prompted_for_and_not_shown(router: Router) -> None:
    """`config set KEY -` at a terminal: a prompt, and the key typed is not echoed (it waited silently, showing what
    was typed); the daemon gets the key."""
    import os
    import select
    import shlex
    import subprocess
    import sys
    import time

    secret = "sk-typed-at-a-terminal-0123456789"
    cmd = shlex.join([sys.executable, "-c", "from larouter.cli import main; main()", "config", "set",
                      "providers.openai.api_key", "-", "--url", router.url, "--token", router.admin_token])
    proc = subprocess.Popen(["script", "-qec", cmd, "/dev/null"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    # The prompt's last character, its space, is written by getpass once echo is off (and the input flushed): a key
    # typed before it could be echoed or discarded (click 8.1 writes the rest of the prompt before echo goes off).
    prompt, seen, deadline = b"providers.openai.api_key: ", b"", time.monotonic() + 20
    while prompt not in seen and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.5)[0]:
            seen += os.read(proc.stdout.fileno(), 4096)
    assert prompt in seen, seen
    out, _ = proc.communicate((secret + "\n").encode(), timeout=20)
    assert proc.returncode == 0, seen + out
    assert secret.encode() not in seen + out, seen + out
    status, config = http_json("GET", router.url + "/api/config")
    assert config["providers"]["openai"]["api_key"] == "sk-...6789"


def test_classifier_settings_from_the_config_file_are_shown(make_router: Callable[..., Router]) -> None:
    """A classifier weight set in the config file: `GET /api/config` and `larouter config get` show it (they showed
    only runtime changes: "no setting" for a documented key), and a runtime change beside it. Every number, switch and
    file name of the classifier is shown, changed or not (`heartbeat.model_threshold` was "no setting" until set:
    review AD); its word lists and patterns only where they differ from the shipped ones."""
    router = make_router(extra_toml='\n[routing.classifier.tuning]\ncode_token = 2.5\n'
                                    '[routing.classifier.heartbeat]\nack_tokens = ["tick_ok"]\n')
    status, config = http_json("GET", router.url + "/api/config")
    shown = config["routing"]["classifier"]
    assert status == 200 and shown["tuning"]["code_token"] == 2.5 and shown["tuning"]["complex_min"] == 3.0, shown
    assert shown["heartbeat"]["ack_tokens"] == ["tick_ok"] and "polls" not in shown["heartbeat"], shown  # (a list unchanged)
    assert shown["heartbeat"]["model_threshold"] == 0.97 and shown["heartbeat"]["model"] is True, shown
    assert "[OpenClaw heartbeat poll]" in shown["heartbeat"]["known_prompts"], shown  # (the README's list: as shipped)
    assert "lexicons" not in shown and "patterns" not in shown, shown
    got = on(router, "config", "get", "routing.classifier.tuning.code_token")
    assert got.exit_code == 0 and "2.5" in got.stdout, got.output
    got = on(router, "config", "get", "routing.classifier.heartbeat.model_threshold")
    assert got.exit_code == 0 and "0.97" in got.stdout, got.output
    patch = {"routing": {"classifier": {"tuning": {"code_token": 3.0}}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 403  # (the classifier: the admin token's)
    assert http_json("PATCH", router.url + "/api/config", patch, headers=router.admin)[0] == 200
    assert http_json("GET", router.url + "/api/config")[1]["routing"]["classifier"]["tuning"]["code_token"] == 3.0
    unset = on(router, "config", "unset", "routing.classifier.heartbeat.model_threshold")
    assert unset.exit_code == 0 and "0.97" in unset.output, unset.output  # (it said "now (unset)")


def test_a_value_read_another_way_blames_no_flag(make_router: Callable[..., Router]) -> None:
    """`config set server.log_level DEBUG` on a daemon started without `--log-level` said "a larouterd command-line
    flag overrides runtime settings" (the daemon only reads it as debug: review AU 2); under the flag it still says
    so, as the daemon's warning does."""
    result = on(make_router(), "config", "set", "server.log_level", "DEBUG")
    assert result.exit_code == 0 and 'note: the effective value is "debug" (as larouterd reads' in result.stdout
    assert "command-line flag" not in result.output and "command line" not in result.output, result.output
    held = on(make_router(server={"log_level": "warning"}), "config", "set", "server.log_level", "DEBUG")
    assert held.exit_code == 0 and "server.log_level is set by larouterd's command line" in held.stderr, held.output
    assert 'the effective value is "warning" (a larouterd command-line flag overrides' in held.stdout, held.output


def test_a_quoted_key_is_printed_as_it_can_be_pasted_back(router: Router) -> None:
    """`config get/set 'providers.fake.prices."llama-3.3-70b"'` printed the key without its quotes, which `config
    get`/`set` then read as other keys (llama-3 / 3-70b): review AU 6. It is printed quoted, as `config get` of the
    whole table prints it, and each printed key reads back its own value."""
    key = 'providers.fake.prices."llama-3.3-70b"'
    done = on(router, "config", "set", key, "{ input = 0.59, output = 0.79 }")
    assert done.exit_code == 0 and done.stdout.startswith(f"set {key} = "), done.output
    assert ok_json(router, "config", "set", key + ".input", "0.6")["key"] == key + ".input"
    for asked in (key, "providers.fake.prices"):
        got = on(router, "config", "get", asked)
        lines = dict(line.split(" = ", 1) for line in got.stdout.splitlines())
        assert lines[key + ".input"] == "0.6" and lines[key + ".output"] == "0.79", got.stdout
    for printed, value in lines.items():
        again = on(router, "config", "get", printed)
        assert again.exit_code == 0 and again.stdout.strip() == f"{printed} = {value}", (printed, again.output)
    unset = on(router, "config", "unset", key)
    assert unset.exit_code == 0 and unset.stdout.startswith(f"unset {key}"), unset.output


def test_unsetting_the_url_of_a_provider_added_at_runtime_says_to_remove_it(router: Router) -> None:
    """`config unset providers.groq.base_url` of a provider defined at runtime said groq "is not a provider yet" and
    to `config set providers.groq.base_url URL` (review AU 7): the 400 says only the runtime change gives groq its
    URL and to unset providers.groq to remove it, which works; nothing was changed by the refused unset."""
    admin = ("--token", router.admin_token)
    assert on(router, "config", "set", "providers.groq.base_url", "http://127.0.0.1:9/v1", *admin).exit_code == 0
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"groq": {"base_url": None}}},
                            headers=router.admin)
    assert status == 400 and out["error"]["param"] == "providers.groq.base_url", out
    message = out["error"]["message"]
    assert "not a provider yet" not in message and "unset providers.groq instead" in message, message
    assert 'PATCH {"providers": {"groq": null}}' in message, message
    result = on(router, "config", "unset", "providers.groq.base_url", *admin)
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "`larouter config unset providers.groq`" in said, said
    assert "not a provider yet" not in said and "defines it" not in said, said
    assert ok_json(router, "config", "get", "providers.groq.base_url") == "http://127.0.0.1:9/v1"
    gone = on(router, "config", "unset", "providers.groq", *admin)
    assert gone.exit_code == 0 and "groq" not in ok_json(router, "config", "get", "providers"), gone.output


def test_the_help_of_config_set_gives_a_dash_form_that_works(router: Router) -> None:
    """`config set --help` gave `-- routing.cooldown -1` as its example, which the daemon refuses (no setting takes a
    negative number: review AU 9). The help gives the form, and a value starting with `-` after `--` is sent as it
    is (without `--` it is read as an option)."""
    said = " ".join(on(router, "config", "set", "--help").output.split())
    assert "a VALUE that starts with `-` follows `--`, else it is read as an option: `larouter config set -- KEY " \
           "-VALUE`" in said and "cooldown -1" not in said, said
    assert on(router, "config", "set", "routing.default_model", "-x").exit_code == 1
    done = run("--url", router.url, "config", "set", "--", "routing.default_model", "-fake-model")
    assert done.exit_code == 0 and 'set routing.default_model = "-fake-model"' in done.stdout, done.output
    assert ok_json(router, "config", "get", "routing.default_model") == "-fake-model"


def test_a_refused_boolean_is_quoted_as_written(router: Router) -> None:
    """`config set routing.sticky_seconds true` said "expected a number, got True", Python's spelling (review AU):
    the value is quoted as TOML and JSON write it."""
    for key, what in (("routing.sticky_seconds", "a number"), ("server.max_body_bytes", "an integer"),
                      ("routing.default_model", "a string")):
        result = on(router, "config", "set", key, "true")
        assert result.exit_code == 1 and f"{key}: expected {what}, got true" in result.output, result.output
        assert "True" not in result.output, result.output
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": False}})
    assert status == 400 and "routing.cooldown: expected a number, got false" in out["error"]["message"], out


def test_a_tier_is_found_in_any_case(router: Router) -> None:
    """Tier names are read in any case (README), but a chain set as `complex` was "no setting" to `config get` and
    `config unset` of `...COMPLEX`, and `config set ...COMPLEX` was a 400 (the tier set twice: review AU). The CLI
    finds the tier as the settings spell it: get shows it, set replaces it, unset drops it."""
    chain = '["gpt-fake"]'
    assert on(router, "config", "set", "routing.policies.balanced.complex", chain).exit_code == 0
    got = on(router, "config", "get", "routing.policies.balanced.COMPLEX")
    assert got.exit_code == 0 and got.stdout == 'routing.policies.balanced.complex = ["gpt-fake"]\n', got.output
    again = on(router, "config", "set", "routing.policies.balanced.Complex", '["fake-slow"]')
    assert again.exit_code == 0, again.output
    assert ok_json(router, "config", "get", "routing.policies.balanced") == {"complex": ["fake-slow"]}
    gone = on(router, "config", "unset", "routing.policies.balanced.COMPLEX")
    assert gone.exit_code == 0 and "the COMPLEX tier of policy balanced takes its built-in chain" in gone.stdout
    assert ok_json(router, "config", "get", "routing.policies") == {"balanced": {}}
    assert on(router, "config", "get", "routing.policies.balanced.COMPLEX").exit_code == 1
