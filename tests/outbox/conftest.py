import asyncio
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


class Sink:
    """An SMTP server handler: accepts, or answers with the replies a test sets.

    ``mail_reply`` / ``rcpt_reply`` answer MAIL FROM / RCPT TO; ``replies`` (used up first, one per
    mail) and ``reply`` answer the content. With ``delay`` the content is taken (kept in
    ``messages``) and answered that many seconds later; ``pace`` waits before taking it (a slow
    receiver whose answer, once it has the mail, is prompt). ``connections`` holds each SMTP session
    that got as far as the content.
    """

    def __init__(self):
        self.reply = None
        self.replies = []
        self.mail_reply = None
        self.rcpt_reply = None
        self.delay = 0.0
        self.pace = 0.0
        self.messages = []
        self.connections = set()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.connections.add(session.peer)
        if self.pace:
            await asyncio.sleep(self.pace)
        if self.replies:
            return self.replies.pop(0)
        if self.reply:
            return self.reply
        self.messages.append(envelope)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def message_ids(self):
        import email

        return [email.message_from_bytes(envelope.content)["Message-ID"] for envelope in self.messages]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(autouse=True)
def _broker_reachable_again(monkeypatch):
    """Each test starts with a broker that has not failed yet in this process."""
    from netvaerk.outbox import services

    monkeypatch.setattr(services, "_broker_down_until", 0.0, raising=False)


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """The test users' passwords are hashed cheaply: recording 200 mails measures the outbox."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
