"""Review 25 (an adversarial pass over this session's readers: terse bounds, member counts, listed names, absences,
a turn's own readings, months, learned heartbeats): a representative case of each family of false heartbeats it
found beside its quiet twin (reproductions in the session notes). Member counts are in `test_lookup_absences.py`,
terse bounds in `test_limit_phrasings.py`, months and headings in `test_heartbeat_workspace.py`.
"""

from __future__ import annotations

import pytest

from larouter.routing import Tier, classify
from tests.test_stated_limits import lookup_tier

IDLE = " Reply HEARTBEAT_OK if nothing needs attention."


@pytest.mark.parametrize(("turn", "news", "quiet"), [
    ("Heartbeat {}. Server room: {} °C (tell me if it goes above 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (tell me if it's above 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (warn if it exceeds 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C (ping me when it passes 27 °C).", "29.6", "22.1"),
    ("Heartbeat {}. Server room: {} °C — tell me if above 27 °C.", "29.6", "22.1"),  # (a dash, no bracket)
    ("Heartbeat {} — UPS battery: {} % charged (warn at 20 %). Mains: online.", "18", "100"),
    ("Heartbeat {} — UPS runtime: {} min remaining (warn at 15 min). Mains: on battery.", "9", "48"),
    ("Heartbeat {} — /srv: {} GiB avail (warn at 20 GiB).", "12", "212"),
    ("Heartbeat {} — /srv: {} % ocupado (aviso en 85 %).", "91", "41"),
    ("Heartbeat {}. Freezer: {} °C (warn at -15 °C). Front door: closed.", "-12.4", "-19.2"),  # (signed; bad warm)
])
def test_a_turns_own_reading_past_its_alert_in_other_words_is_work(turn: str, news: str, quiet: str) -> None:
    """More words and an apostrophe before the operator, "exceeds" and "passes", a dash for the bracket, states of
    what is left ("charged", "remaining", "avail"), "ocupado", and signed figures ("Freezer" holds nothing free)."""
    def tier(reading: str) -> Tier:
        return classify({"messages": [{"role": "user", "content": turn.format("10:30", reading) + IDLE}]}).tier
    assert tier(quiet) is Tier.HEARTBEAT
    assert tier(news) is not Tier.HEARTBEAT


DOCKER_CMD = "docker ps --format '{{.Names}}\\t{{.Status}}'"
DOCKER4 = ("traefik\tUp 3 days\nauthelia\tUp 3 days (healthy)\npaperless-webserver\tUp 3 days (healthy)\n"
           "paperless-db\tUp 3 days")
COMPOSE4 = ("NAME                    STATUS\npaperless-broker-1      Up 3 days\npaperless-db-1          Up 3 days\n"
            "paperless-gotenberg-1   Up 3 days\npaperless-webserver-1   Up 3 days (healthy)")
FPING = "web01\nweb02\nweb03\nweb04"




def _without(listing: str, name: str) -> str:
    return "\n".join(line for line in listing.splitlines() if name not in line)


@pytest.mark.parametrize(("checklist", "command", "quiet", "gone"), [
    ("Containers that must be running on dock2:\n- traefik (reverse proxy)\n- authelia (SSO)\n- paperless-webserver\n"
     "- paperless-db (postgres)", DOCKER_CMD, DOCKER4, "paperless-db"),
    ("## dock2 containers (should be Up)\n- traefik: proxy\n- authelia — SSO\n- **paperless-webserver**\n"
     "- paperless-db: postgres", DOCKER_CMD, DOCKER4, "paperless-db"),
    ("- Paperless on dock2: webserver, db, broker and gotenberg should all be running.",
     "docker compose ps", COMPOSE4, "paperless-db-1"),  # (compose v2 names: <project>-<service>-1)
    ("- Paperless stack on dock2: traefik/authelia/paperless-webserver/paperless-db should all be up.", DOCKER_CMD,
     DOCKER4, "paperless-db"),
    ("- Paperless stack on dock2: traefik + authelia + paperless-webserver + paperless-db should all be up.",
     DOCKER_CMD, DOCKER4, "paperless-db"),
    ("- Tell me if any of web01 through web04 stops answering ping.", "fping -a -q web01 web02 web03 web04", FPING,
     "web04"),
    ("- Tell me if any of web0[1-4] stops answering ping.", "fping -a -q web01 web02 web03 web04", FPING, "web04"),
])
def test_names_listed_in_other_forms_one_of_them_gone_is_news(checklist: str, command: str, quiet: str,
                                                               gone: str) -> None:
    """Bullets with a note, a colon or bold; compose v2's suffixed names; unspaced slashes and pluses; ranges with
    "through" and pdsh's brackets."""
    assert lookup_tier(checklist, command, quiet) is Tier.HEARTBEAT
    assert lookup_tier(checklist, command, _without(quiet, gone)) is not Tier.HEARTBEAT


@pytest.mark.parametrize(("checklist", "command", "output"), [
    ("- Tell me if the caddy container isn't running.", "docker ps --filter name=caddy -q", ""),
    ("- The caddy container should be running.", "docker ps --filter name=caddy -q", ""),
    ("- Sag Bescheid, wenn der caddy-Container nicht mehr läuft.", "docker ps --filter name=caddy -q", ""),
    ("- Tell me if caddy is not running on the VPS.", "ssh vps pgrep -c caddy", "0"),
    ("- Tell me if caddy is not running on the VPS.", "ssh vps systemctl list-units --state=running caddy.service",
     "  UNIT LOAD ACTIVE SUB DESCRIPTION\n\n0 loaded units listed."),
    ("- prod: all three api pods Running.", "kubectl -n prod get pods -l app=api", "No resources found in prod namespace."),
])
def test_a_lookup_that_finds_none_of_what_must_be_there_is_news(checklist: str, command: str, output: str) -> None:
    """Absences in other words ("isn't", "should be running", "nicht mehr"), and listings that say they found none."""
    assert lookup_tier(checklist, command, output) is not Tier.HEARTBEAT


def test_an_absence_about_something_else_leaves_a_lookup_that_found_nothing_quiet() -> None:
    """Blind v39: "do not message me at night unless prod is down" is no absence the review queue's lookup asks
    about: `gh` finding no pull request is quiet (nothing found is read by `triggers.found_nothing` everywhere)."""
    checklist = ('- Review queue: `gh pr list --search "review-requested:@me"`; tell me if anything waits on me.\n'
                 "- Do not message me between 22:00 and 07:00 unless prod is down.")
    assert lookup_tier(checklist, 'gh pr list -R acme/ledger --search "review-requested:@me"',
                       "no pull requests match your search in acme/ledger") is Tier.HEARTBEAT
