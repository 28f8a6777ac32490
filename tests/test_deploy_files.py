"""The deployment files (Dockerfile, .dockerignore, compose.yaml, deploy/) checked against the
code without Docker: every ``PARLEY_*`` variable they set is a real setting, the Dockerfile
copies what exists and what the wheel needs, the health check and the proxy reach the port and
paths the workers serve, and both workers run the same thing. The files are read as text (no
YAML parser is a dependency), with the small helpers below; the last tests feed the helpers
broken text to show each check can fail."""

from __future__ import annotations

import fnmatch
import re
import sys
import tomllib
from pathlib import Path
from typing import cast

import pytest
from pydantic import BaseModel

from bot.api.server import HttpApi, webhook_path
from bot.services.followups import FollowupPlanner
from bot.settings import Settings, load_settings
from bot.storage.sql import database_url

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
DOCKERIGNORE = (ROOT / ".dockerignore").read_text()
COMPOSE = (ROOT / "compose.yaml").read_text()
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()
ENV_EXAMPLE = (ROOT / "deploy" / "env.example").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


# --- helpers: just enough parsing for these files ----------------------------------------------


def setting_names() -> set[str]:
    """Every environment variable Parley reads: ``PARLEY_<FIELD>``, ``PARLEY_<GROUP>__<FIELD>``
    for the nested groups, and ``PARLEY_CONFIG`` (the parley.toml path)."""
    names = {"PARLEY_CONFIG"}
    for name, field in Settings.model_fields.items():
        names.add(f"PARLEY_{name.upper()}")
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            names |= {f"PARLEY_{name.upper()}__{sub.upper()}" for sub in group.model_fields}
    return names


def parley_variables(text: str) -> set[str]:
    """The ``PARLEY_*`` names a file mentions."""
    return set(re.findall(r"\bPARLEY_[A-Z0-9_]*[A-Z0-9]", text))


def env_keys(text: str) -> dict[str, str]:
    """``KEY=value`` lines of an env file, commented-out examples (``# KEY=``) included."""
    found = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE)
    return {key: value.strip() for key, value in found}


def interpolated(text: str) -> set[str]:
    """The variables compose.yaml takes from .env (``${NAME}``, ``${NAME:?…}``)."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def block(text: str, name: str, indent: int) -> str:
    """The lines of the YAML key ``name`` at ``indent`` spaces, up to the next key at that
    indent or less ("" if there is none)."""
    lines = text.splitlines()
    head = re.compile(rf"^ {{{indent}}}{re.escape(name)}:(\s|$)")
    for start, line in enumerate(lines):
        if head.match(line):
            body = [line]
            for rest in lines[start + 1 :]:
                key = rest.strip() and not rest.lstrip().startswith("#")
                if key and len(rest) - len(rest.lstrip()) <= indent:
                    break
                body.append(rest)
            return "\n".join(body)
    return ""


def services(compose: str) -> set[str]:
    """The service names of compose.yaml."""
    return set(re.findall(r"^  ([a-z][a-z0-9_-]*):\s*$", block(compose, "services", 0), re.M))


def upstreams(caddyfile: str) -> list[tuple[str, int]]:
    """The (host, port) pairs of the proxy's ``reverse_proxy`` lines."""
    pairs: list[tuple[str, int]] = []
    for line in re.findall(r"^\s*reverse_proxy\s+([^{\n]*)", caddyfile, re.MULTILINE):
        for target in line.split():
            host, _, port = target.rpartition(":")
            pairs.append((host, int(port)))
    return pairs


def copy_sources(dockerfile: str) -> list[str]:
    """The build-context paths the Dockerfile copies (``COPY --from=`` copies are not)."""
    sources: list[str] = []
    for line in re.findall(r"^COPY\s+(.+)$", dockerfile, re.MULTILINE):
        parts = line.split()
        if any(p.startswith("--from=") for p in parts):
            continue
        sources += [p for p in parts[:-1] if not p.startswith("--")]
    return sources


def ignored(path: str, dockerignore: str) -> bool:
    """Whether a pattern of .dockerignore keeps ``path`` (or the folder holding it) out."""
    parts = path.strip("/").split("/")
    folders = ["/".join(parts[: i + 1]) for i in range(len(parts))]  # bot, bot/x, …
    for pattern in (p.strip() for p in dockerignore.splitlines()):
        if not pattern or pattern.startswith("#"):
            continue
        if pattern.startswith("**/"):  # at any depth
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch(folder, pattern) for folder in folders):
            return True
    return False


def dockerfile_env(dockerfile: str) -> dict[str, str]:
    """``NAME=value`` pairs of the Dockerfile's ENV instructions."""
    return dict(re.findall(r"\b(PARLEY_[A-Z_]+)=(\S+)", " ".join(re.findall(
        r"^ENV\s+((?:.*\\\n)*.*)$", dockerfile, re.MULTILINE))))  # fmt: skip


def webhook_urls(compose: str) -> list[str]:
    """The ``--webhook`` URL of each worker, with ``${PUBLIC_HOST…}`` as ``bot.example.com``."""
    urls = []
    for worker in WORKERS:
        found = re.search(r'"--webhook",\s*"([^"]+)"', block(compose, worker, 2))
        urls.append(re.sub(r"\$\{[^}]*\}", "bot.example.com", found.group(1)) if found else "")
    return urls


def workers(compose: str) -> list[str]:
    """The worker services (``worker1``, ``worker2``, … in number order)."""
    names = [s for s in services(compose) if re.fullmatch(r"worker\d+", s)]
    return sorted(names, key=lambda name: int(name.removeprefix("worker")))


WORKERS = workers(COMPOSE)


# --- the files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Dockerfile", "compose.yaml", "deploy/env.example"])
def test_every_parley_variable_the_files_set_is_a_real_setting(name: str) -> None:
    text = (ROOT / name).read_text()
    assert parley_variables(text), f"{name} sets no PARLEY_* variable?"
    assert parley_variables(text) <= setting_names(), parley_variables(text) - setting_names()


def test_env_example_asks_for_what_a_webhook_worker_needs_and_holds_no_secret() -> None:
    keys = env_keys(ENV_EXAMPLE)
    needed = {"PARLEY_BOT_TOKEN", "PARLEY_LINK_SECRET", "PARLEY_WEBHOOK_SECRET",
              "PARLEY_SELLER_CHAT_IDS", "POSTGRES_PASSWORD", "PUBLIC_HOST"}  # fmt: skip
    assert needed <= set(keys)
    secrets = [k for k in keys if re.search(r"TOKEN|SECRET|PASSWORD", k)]
    assert secrets and all(keys[k] == "" for k in secrets)
    assert interpolated(COMPOSE) <= set(keys)  # compose.yaml takes nothing .env lacks
    assert set(re.findall(r"\{\$([A-Z_]+)", CADDYFILE)) <= set(keys)


def test_the_dockerfile_copies_what_exists_and_what_the_wheel_is_built_from() -> None:
    sources = copy_sources(DOCKERFILE)
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source, DOCKERIGNORE), f".dockerignore keeps {source} out"
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {PYPROJECT["project"]["readme"], "pyproject.toml", *wheel["force-include"]}
    needed |= set(wheel["packages"])
    assert needed <= {s.rstrip("/") for s in sources}
    # the installed package finds intents/ and replies/ inside itself, not in a checkout
    assert {"intents", "replies"} <= {
        target.split("/")[-1] for target in wheel["force-include"].values()
    }


def test_the_image_runs_parley_as_a_user_on_a_supported_python() -> None:
    assert re.search(r'^ENTRYPOINT \["parley"\]$', DOCKERFILE, re.MULTILINE)
    assert "parley" in PYPROJECT["project"]["scripts"]
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    found = re.search(r"^ARG PYTHON=(\d+)\.(\d+)", DOCKERFILE, re.MULTILINE)
    assert found is not None
    low = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert low is not None
    assert (int(found[1]), int(found[2])) >= (int(low[1]), int(low[2]))
    assert "-slim" in DOCKERFILE and "[dev]" not in DOCKERFILE


def test_dockerignore_keeps_the_venv_git_caches_and_databases_out() -> None:
    for path in (".venv", ".git", ".mypy_cache", "bot/__pycache__", "parley.sqlite3",
                 "data/shop.sqlite3", ".env"):  # fmt: skip
        assert ignored(path, DOCKERIGNORE), path


def test_the_health_check_asks_the_port_and_path_the_worker_serves() -> None:
    env = dockerfile_env(DOCKERFILE)
    port = int(env["PARLEY_API_PORT"])
    assert env["PARLEY_API_HOST"] == "0.0.0.0"  # reachable from the proxy's container
    load_settings(api_port=port, api_host=env["PARLEY_API_HOST"])  # a valid value
    check = re.search(r"^HEALTHCHECK .*\\\n\s*CMD (.*)$", DOCKERFILE, re.MULTILINE)
    assert check is not None
    assert "urllib.request" in check[1] and "curl" not in check[1]
    assert (
        f"'http://127.0.0.1:%s/healthz' % os.environ.get('PARLEY_API_PORT', '{port}')" in (check[1])
    )
    assert f"EXPOSE {port}" in DOCKERFILE
    routes = HttpApi(cast(FollowupPlanner, None), None).app().router.routes()
    assert ("GET", "/healthz") in {(r.method, r.resource.canonical) for r in routes if r.resource}
    assert re.search(r"^\s*health_uri /healthz$", CADDYFILE, re.MULTILINE)


def test_the_proxy_sends_webhook_posts_to_both_workers_on_their_port() -> None:
    port = int(dockerfile_env(DOCKERFILE)["PARLEY_API_PORT"])
    # the workers keep the image's host and port (.env goes into the workers too)
    assert not {"PARLEY_API_PORT", "PARLEY_API_HOST"} & (
        set(env_keys(ENV_EXAMPLE)) | parley_variables(COMPOSE)
    )
    assert upstreams(CADDYFILE) == [(worker, port) for worker in WORKERS]
    assert re.search(r"^\s*lb_policy round_robin$", CADDYFILE, re.MULTILINE)
    matched = re.search(r"@telegram \{\s*method POST\s*path (\S+)\s*\}", CADDYFILE)
    assert matched is not None
    for url in webhook_urls(COMPOSE):
        assert url.startswith("https://")  # Telegram posts over HTTPS only
        assert webhook_path(url) == matched[1]
    assert re.findall(r'^\s*- "(\d+):\d+"$', block(COMPOSE, "proxy", 2), re.M) == ["443"]


def test_the_workers_run_the_same_image_settings_and_command() -> None:
    assert len(WORKERS) >= 2 and {"db", "migrate", "proxy"} <= services(COMPOSE)
    one, *others = (block(COMPOSE, w, 2).split("\n", 1)[1] for w in WORKERS)
    assert all(other == one for other in others)
    assert "<<: *parley" in one and "env_file: .env" in block(COMPOSE, "x-parley", 0)
    for worker in WORKERS:
        assert re.search(r"migrate:\s*\n\s*condition: service_completed_successfully",
                         block(COMPOSE, worker, 2))  # fmt: skip


def test_the_database_url_points_at_the_db_service_and_is_migrated_first() -> None:
    anchor = block(COMPOSE, "x-parley", 0)
    found = re.search(r"PARLEY_DATABASE: (.+)$", anchor, re.MULTILINE)
    assert found is not None
    url = database_url(re.sub(r"\$\{[^}]*\}", "secret", found[1]))
    assert url.get_backend_name() == "postgresql" and url.host == "db"
    db = block(COMPOSE, "db", 2)
    assert f"POSTGRES_USER: {url.username}" in db and f"POSTGRES_DB: {url.database}" in db
    assert re.search(r'"pg_isready"', db) and re.search(r"^\s+image: postgres:\d+", db, re.M)
    assert '["db", "upgrade"]' in block(COMPOSE, "migrate", 2)


# --- the checks can fail -----------------------------------------------------------------------


def test_the_helpers_catch_what_the_files_could_get_wrong() -> None:
    assert parley_variables("PARLEY_NO_SUCH_THING=1") - setting_names() == {"PARLEY_NO_SUCH_THING"}
    assert "PARLEY_POLICY__SELLER_LANGUAGE" in setting_names()
    assert "PARLEY_POLICY__NOPE" not in setting_names()
    assert upstreams("reverse_proxy worker1:8081 worker2:8080 {") != [
        ("worker1", 8080),
        ("worker2", 8080),
    ]
    assert copy_sources("COPY nowhere/ ./nowhere/\nCOPY --from=build /w /w\n") == ["nowhere/"]
    assert not (ROOT / "nowhere").exists()
    assert ignored("bot/", "bot\n") and not ignored("bot/", "# bot\n")
    compose = "services:\n  worker1:\n    image: a\n  worker2:\n    image: b\n"
    assert block(compose, "worker1", 2) != block(compose, "worker2", 2).replace("2", "1")
    assert services(compose) == {"worker1", "worker2"}
    assert workers(compose + "  worker10:\n  workers:\n") == ["worker1", "worker2", "worker10"]
    assert interpolated("x: ${NOT_IN_ENV:?say}") - set(env_keys(ENV_EXAMPLE)) == {"NOT_IN_ENV"}
    assert sys.version_info >= (3, 11)
