"""Without EMAIL_URL, mail goes to files in the data directory, not into the server log."""

from __future__ import annotations

import os
import subprocess
import sys


def test_mail_goes_to_files_in_the_data_dir_without_email_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    env["FAKTURA_DATA_DIR"] = str(tmp_path)
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "faktura.config.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["django.core.mail.backends.filebased.EmailBackend", str(tmp_path / "mail")]
