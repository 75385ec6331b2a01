import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_development_secret():
    result = run_check(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="netvaerk.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret():
    result = run_check(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="netvaerk.example.org"
    )
    assert result.returncode == 0, result.stderr


def test_danish_and_copenhagen(settings):
    assert settings.LANGUAGE_CODE == "da" and settings.TIME_ZONE == "Europe/Copenhagen"
    assert (
        settings.EMAIL_TIMEOUT
        and settings.CELERY_TASK_ACKS_LATE
        and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    )


def test_static_files_collect_with_production_storage(tmp_path):
    """The Docker image runs collectstatic; a vendored file pointing at a missing file breaks it."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "x" * 60,
            "NETVAERK_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest
