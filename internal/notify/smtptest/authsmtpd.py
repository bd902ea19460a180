"""SMTP server for email_test.go that requires AUTH PLAIN (no TLS).

usage: authsmtpd.py HOST PORT MAILDIR USER PASSWORD
"""
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


def main():
    host, port, maildir, user, password = sys.argv[1:6]

    def check(server, session, envelope, mechanism, data):
        ok = data.login == user.encode() and data.password == password.encode()
        # handled=False lets aiosmtpd send the 535 reply itself.
        return AuthResult(success=ok, handled=False)

    ctl = Controller(
        Mailbox(maildir),
        hostname=host,
        port=int(port),
        authenticator=check,
        auth_required=True,
        auth_require_tls=False,
    )
    ctl.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    ctl.stop()


if __name__ == "__main__":
    main()
