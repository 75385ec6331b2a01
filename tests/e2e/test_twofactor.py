"""The office's first login in production: set up the authenticator app, then log in with a code."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from .conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key on the setup page (RFC 6238, 30 s, 6 digits)."""
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)), step=30, t0=0, digits=6)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_office_sets_up_two_factor_and_logs_in_with_a_code(page, live_server, demo, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True
    login(page, live_server, "kontor")
    expect(page.get_by_role("heading", name="Sæt totrinsbekræftelse op")).to_be_visible()
    expect(page.locator(".twofactor-qr svg")).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]+", secret)
    page.get_by_label("Kode").fill(app_code(secret))
    page.get_by_role("button", name="Bekræft og slå til").click()

    expect(page.get_by_role("heading", name="Dine backupkoder")).to_be_visible()
    codes = page.get_by_role("list", name="Backupkoder").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Jeg har gemt koderne").click()
    page.get_by_role("button", name="Log ud").click()

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    page.get_by_label("Brugernavn").fill("kontor")
    page.get_by_label("Adgangskode").fill("demo")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Indtast din kode")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Kode").fill(app_code(secret, steps_ahead=1))  # the setup used this period's
    page.get_by_role("button", name="Bekræft").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    assert page.url == f"{live_server.url}/admin/"
