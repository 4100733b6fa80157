"""Project records and tokens, persisted as JSON with atomic writes; tokens kept only as hashes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Collection, TypeVar

import attrs

from larouter.config import CONVERTER, Settings
from larouter.configerr import ConfigError
from larouter.errors import LarouterError, bad_request, not_found
from larouter.fsutil import atomic_write, storage_error
from larouter.projects.names import POLICIES, WINDOWS, name_key
from larouter.statefile import damaged, load_json_file, structure_entries
from larouter.usage.money import MONEY_PLACES

T = TypeVar("T")
log = logging.getLogger("larouter.projects")
TOKEN_PREFIX = "lr_sk_"
DEFAULT = "default"
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$")


def hash_token(token: str) -> str:
    """SHA-256 of a token (tokens carry 256 random bits, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """`lr_sk_` + 256 bits of randomness."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@attrs.frozen
class Project:
    """A tenant: its policy, budget and (hashed) token."""

    id: str
    name: str
    created_at: str
    description: str = ""
    budget_usd: float | None = None
    budget_window: str = "monthly"
    routing_policy: str = "cost-optimized"
    token_hash: str | None = attrs.field(default=None, repr=False)
    token_prefix: str | None = None

    def public(self) -> dict[str, Any]:
        """API view: never the hash, only a short prefix."""
        return {
            "id": self.id, "name": self.name, "description": self.description, "budgetUsd": self.budget_usd,
            "budgetWindow": self.budget_window, "routingPolicy": self.routing_policy, "createdAt": self.created_at,
            "tokenPrefix": self.token_prefix,
        }


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


MAX_BUDGET = 1e9
BUDGET_STEP = 10.0 ** -MONEY_PLACES  # the smallest amount the ledger keeps (DECIMAL(18, 10))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_ID_FORM = re.compile(r"proj_[0-9a-fA-F]{12}")


def _check_name(value: Any, _policies: Collection[str]) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ValueError("must be 1-64 ASCII letters, digits, spaces, '.', '_' or '-', starting with a letter or digit "
                         "and not ending with a space")
    return value


def _check_description(value: Any, _policies: Collection[str]) -> str:
    if not isinstance(value, str) or len(value) > 1000:
        raise ValueError("must be a string of at most 1000 characters")
    return value


def _check_budget(value: Any, _policies: Collection[str]) -> float | None:
    """USD per window, rounded to the ledger's 10 decimal places (-0.0 is 0: no paid calls); None: unlimited."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_BUDGET:
        raise ValueError(f"must be a number from 0 to 1,000,000,000 (USD) or null, got {_shown(value)}")
    amount = round(float(value), MONEY_PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0
    if amount == 0 and value > 0:
        raise ValueError(f"is {value!r}, below the ledger's precision ({BUDGET_STEP:.{MONEY_PLACES}f} USD): give 0 "
                         f"for no paid calls, or at least {BUDGET_STEP:.{MONEY_PLACES}f}")
    return amount


def _check_window(value: Any, _policies: Collection[str]) -> str:
    if not isinstance(value, str) or value not in WINDOWS:
        raise ValueError(f"must be one of {', '.join(WINDOWS)}; got {_shown(value)}")
    return value  # type: ignore[no-any-return]


def _check_policy(value: Any, policies: Collection[str]) -> str:
    if not isinstance(value, str) or value not in policies:  # a list or object is no policy name (nor hashable)
        raise ValueError(f"must be one of {', '.join(policies)}; got {_shown(value)}")
    return value  # type: ignore[no-any-return]


FIELDS = {  # API key -> (Project attribute, check): one rule per field for the API and for projects.json alike
    "name": ("name", _check_name), "description": ("description", _check_description),
    "budgetUsd": ("budget_usd", _check_budget), "budgetWindow": ("budget_window", _check_window),
    "routingPolicy": ("routing_policy", _check_policy),
}


def checked_project(project: Project, policies: Collection[str]) -> Project:
    """A project read from `projects.json`, held to the API's rules (ValueError `attribute: problem`), with its
    values normalised as the API would store them (a budget to 10 decimal places)."""
    fields = {}
    for attr, check in FIELDS.values():
        try:
            fields[attr] = check(getattr(project, attr), policies)
        except ValueError as exc:
            raise ValueError(f"{attr}: {exc}") from None
    return attrs.evolve(project, **fields)


def validate_fields(body: dict[str, Any], creating: bool, policies: Collection[str] = POLICIES) -> dict[str, Any]:
    """Check an API body; return attrs field names -> values (`policies`: the routing policies configured now)."""
    extra = set(body) - set(FIELDS)
    if extra:
        raise bad_request(f"unknown field(s): {', '.join(sorted(extra))}", sorted(extra)[0], "unknown_field")
    out: dict[str, Any] = {}
    for key, (attr, check) in FIELDS.items():
        if key in body or (creating and key == "name"):
            try:
                out[attr] = check(body.get(key), policies)
            except ValueError as exc:
                raise bad_request(f"'{key}' {exc}", key) from None
    return out


def _carried_over(project: Project) -> Project:
    """The project with each value an older LARouter stored and the API now refuses, where that value has an obvious
    meaning, in the form the API takes now, with a warning (an upgrade stopped the service over it: review AS). The
    file keeps the old value until a project change writes it. A budget below the ledger's precision (taken before
    7603da0) is $0, what it allowed: no paid call; a name ending in white space (taken before 0b721e8) is the name
    without it, as names are compared."""
    budget, name = project.budget_usd, project.name
    if (isinstance(budget, (int, float)) and not isinstance(budget, bool) and 0 < budget <= MAX_BUDGET
            and round(float(budget), MONEY_PLACES) == 0):
        log.warning("project %s (%r): budget %r USD, below the ledger's precision (%.*f USD), as LARouter before "
                    "7603da0 took it, is carried over as 0 (no paid calls, all it allowed); %s", project.id, name,
                    budget, MONEY_PLACES, BUDGET_STEP, _WRITTEN)
        project = attrs.evolve(project, budget_usd=0.0)
    if isinstance(name, str) and name != name.rstrip() and NAME.fullmatch(name.rstrip()):
        log.warning("project %s: name %r, ending in white space as LARouter before 0b721e8 took it, is carried over "
                    "as %r; %s", project.id, name, name.rstrip(), _WRITTEN)
        project = attrs.evolve(project, name=name.rstrip())
    return project


_WRITTEN = "projects.json holds the old value until a project change writes the file"


def undefined_policy(project: Project) -> str:
    """What a project whose routingPolicy no setting defines (now) does: said at start and by the PATCH that drops
    the policy."""
    return (f"project {project.id} ({project.name!r}) uses routing policy {project.routing_policy!r}, which the "
            "settings do not define: it routes by cost-optimized until that policy is defined again (or PUT "
            f"/api/projects/{project.id} another routingPolicy)")


def _checked_entry(path: Path, index: int, project: Project, policies: Collection[str]) -> Project:
    """`checked_project` (after `_carried_over`), its problem a ConfigError naming the file, the entry, the project
    and the field. A policy no config defines (now) is no damage: the project routes by cost-optimized until it is
    defined again, as when a PATCH drops it; the log says so."""
    project = _carried_over(project)
    if project.routing_policy not in policies:
        log.warning("%s", undefined_policy(project))
        policies = {*policies, project.routing_policy}
    try:
        return checked_project(project, policies)
    except ValueError as exc:
        raise ConfigError(damaged(path, f"entry {index} (project {project.id!r}, {project.name!r}): {exc}")) from None


def _unique(path: Path, entries: list[Project]) -> dict[str, Project]:
    """The projects by id; a ConfigError naming the file when two entries share an id or a name (compared as the API
    compares names): a copied entry silently replaced the first one, budget included (review B)."""
    by_id: dict[str, Project] = {}
    names: dict[str, Project] = {}
    for index, project in enumerate(entries):
        if (same := by_id.get(project.id)) is not None or (same := names.get(name_key(project.name))) is not None:
            what = "id" if same.id == project.id else "name"
            raise ConfigError(damaged(path, f"entry {index} (project {project.id!r}, {project.name!r}) has the {what} "
                                            f"of an earlier entry (project {same.id!r}, {same.name!r}); ids and names "
                                            f"are unique{'' if what == 'id' else _RENAME}"))
        by_id[project.id] = names[name_key(project.name)] = project
    return by_id


_RENAME = (" (names are compared ignoring case and runs of spaces; LARouter before 0b721e8 took names differing only "
           "so): give one of them another \"name\" in the file")


@attrs.define
class ProjectStore:
    """All projects; mutations are serialised and written atomically off the event loop."""

    path: Path
    projects: dict[str, Project] = attrs.Factory(dict)
    lock: asyncio.Lock = attrs.Factory(asyncio.Lock)
    _by_prefix: dict[str, str] = attrs.Factory(dict)
    policies: Collection[str] = POLICIES  # the app's live routing policies (built-in and configured) once wired
    default_policy: str = "cost-optimized"  # routing.policy: what a new project gets when it names none

    @classmethod
    def load(cls, home: Path, policies: Collection[str] = POLICIES,
             default_policy: str = "cost-optimized") -> "ProjectStore":
        """Read `projects.json`, creating the default project when missing, with `default_policy` (routing.policy)
        (ConfigError when it is damaged, or when a project breaks a rule the API holds it to; a routing policy not
        among `policies`, the ones configured, is only logged: the project routes by cost-optimized)."""
        store = cls(home / "projects.json", policies=policies, default_policy=default_policy)
        projects: dict[str, Project] = {}
        if store.path.exists():
            data = load_json_file(store.path, list, "projects")
            entries = structure_entries(store.path, data, Project, CONVERTER.structure, "project")
            projects = _unique(store.path, [_checked_entry(store.path, i, p, policies) for i, p in enumerate(entries)])
        missing_default = DEFAULT not in projects
        if missing_default:
            projects[DEFAULT] = Project(DEFAULT, "default", _now(), "Requests without a project token",
                                        routing_policy=default_policy)
        elif projects[DEFAULT].routing_policy != default_policy:
            log.warning("routing.policy is %s, but the default project (requests without a project token) routes by "
                        "%s: routing.policy is what a new project gets; change the default project's with `larouter "
                        "projects update default --policy %s` (PUT /api/projects/default)",
                        default_policy, projects[DEFAULT].routing_policy, default_policy)
        store._use(projects)
        if missing_default:
            store._save_sync()
        return store

    def _use(self, projects: dict[str, Project]) -> None:
        """Make `projects` the live set, with its token-prefix index."""
        self.projects = projects
        self._by_prefix = {p.token_prefix: p.id for p in projects.values() if p.token_prefix}

    def _save_sync(self, projects: dict[str, Project] | None = None) -> None:
        data = json.dumps([CONVERTER.unstructure(p) for p in (self.projects if projects is None else projects).values()],
                          indent=2).encode()
        atomic_write(self.path, data)

    async def _locked(self, change: Callable[[], Awaitable[T]]) -> T:
        """Run a change under the store's lock to its end, even when its request is cancelled (the client hung up):
        cancelled between writing projects.json and adopting it, the file and the live projects disagreed (a
        deleted project's token kept working until the next start: review AA)."""
        async def locked() -> T:
            async with self.lock:
                return await change()

        return await asyncio.shield(locked())

    async def _commit(self, projects: dict[str, Project]) -> None:
        """Write the new set of projects, then make it the live one: on a storage error (a full disk) nothing
        changes, in memory or on disk, and the caller gets a 507/503 saying so."""
        try:
            await asyncio.to_thread(self._save_sync, projects)
        except OSError as exc:
            raise storage_error(exc, "the project change") from None
        self._use(projects)

    def get(self, project_id: str) -> Project:
        """A project by id, or 404."""
        project = self.projects.get(project_id)
        if project is None:
            raise not_found(f"no project {project_id!r}", "project_not_found", "id")
        return project

    def named(self, name: str) -> Project | None:
        """The project whose name is `name`, compared as names are (case and runs of spaces aside), or None."""
        key = name_key(name)
        return next((p for p in self.projects.values() if name_key(p.name) == key), None)

    def by_token(self, token: str) -> Project | None:
        """The project owning a token (constant-time hash comparison), or None."""
        prefix = token[: len(TOKEN_PREFIX) + 8]
        project = self.projects.get(self._by_prefix.get(prefix, ""))
        if project is None or project.token_hash is None:
            hmac.compare_digest(hash_token(token), "0" * 64)  # same work either way
            return None
        return project if hmac.compare_digest(hash_token(token), project.token_hash) else None

    def reconfigure(self, settings: Settings) -> None:
        """A PATCHed routing.policy applies to projects created from now on (a warning says the default project keeps
        its own, which requests without a project token follow)."""
        policy = settings.routing.policy
        default = self.projects.get(DEFAULT)
        if policy != self.default_policy and default is not None and default.routing_policy != policy:
            log.warning("routing.policy is now %s for new projects; the default project (requests without a project "
                        "token) keeps %s: `larouter projects update default --policy %s` changes it", policy,
                        default.routing_policy, policy)
        self.default_policy = policy

    def _check_name_free(self, name: str, renaming: str | None = None) -> None:
        """409 when another project has this name, compared without case and with runs of spaces as one; 400 for a
        name of a project id's form (`proj_` and 12 hex digits): `--project` and `projectId` take an id or a name, and
        such a name would hide a deleted project's usage, kept under its id (review A); so is `default`, the default
        project's id, for any other project (once the default project was renamed, a project named `default` was
        hidden by it: its own token was refused its usage as "project 'default', not 'default'": review AY)."""
        if _ID_FORM.fullmatch(name.strip()):
            raise LarouterError(f"a project name may not have the form of a project id (proj_ and 12 hex digits): "
                                f"{name.strip()!r}", 400, "invalid_request_error", "invalid_value", "name")
        key = name_key(name)
        taken = next((p for p in self.projects.values() if p.id != renaming and name_key(p.name) == key), None)
        if taken is not None:
            raise LarouterError(f"project {taken.id} is already named {taken.name!r}; names are unique, ignoring case",
                                409, "invalid_request_error", "conflict", "name")
        if renaming != DEFAULT and name_key(name) == DEFAULT:
            raise LarouterError(f"{name.strip()!r} is the default project's id, so it may not name another project "
                                "(`--project default` and `projectId=default` mean the default project)", 400,
                                "invalid_request_error", "invalid_value", "name")

    async def create(self, body: dict[str, Any]) -> tuple[Project, str]:
        """Create a project; return it and its token (shown once)."""
        fields = validate_fields(body, creating=True, policies=self.policies)
        fields.setdefault("routing_policy", self.default_policy)
        token = new_token()

        async def change() -> Project:
            self._check_name_free(fields["name"])
            project = Project(id="proj_" + secrets.token_hex(6), created_at=_now(), token_hash=hash_token(token),
                              token_prefix=token[: len(TOKEN_PREFIX) + 8], **fields)
            await self._commit({**self.projects, project.id: project})
            return project

        return await self._locked(change), token

    async def update(self, project_id: str, body: dict[str, Any]) -> Project:
        """Change name, description, budget or policy."""
        fields = validate_fields(body, creating=False, policies=self.policies)

        async def change() -> Project:
            if "name" in fields:
                self._check_name_free(fields["name"], project_id)
            project = attrs.evolve(self.get(project_id), **fields)
            await self._commit({**self.projects, project.id: project})
            return project

        return await self._locked(change)

    async def rotate(self, project_id: str) -> tuple[Project, str]:
        """Issue a new token; the old one stops working at once."""
        token = new_token()

        async def change() -> Project:
            project = attrs.evolve(self.get(project_id), token_hash=hash_token(token),
                                   token_prefix=token[: len(TOKEN_PREFIX) + 8])
            await self._commit({**self.projects, project.id: project})
            return project

        return await self._locked(change), token

    async def delete(self, project_id: str) -> None:
        """Remove a project and revoke its token (its usage rows stay in the ledger)."""
        if project_id == DEFAULT:
            raise bad_request("the default project cannot be deleted", "id")

        async def change() -> None:
            self.get(project_id)
            await self._commit({pid: p for pid, p in self.projects.items() if pid != project_id})

        await self._locked(change)
