"""``manage.py exportbank``: the bank as a file that loadbank reads back."""

import pytest
from django.core.management import call_command

from interview.api.question_bank import BUILT_IN_BANK, bank_read, bank_read_file, bank_read_files


@pytest.mark.django_db
def test_exportbank_writes_a_file_that_loads_back_unchanged(tmp_path, bank, capsys, bank_entries):
    path = tmp_path / "export.yaml"
    call_command("exportbank", output=str(path))
    assert bank_read_file(path) == bank_read_files(BUILT_IN_BANK)
    call_command("loadbank", str(path))
    assert f"{len(bank_entries)} unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_exportbank_without_a_file_writes_the_bank_to_standard_output(bank, capsys):
    call_command("exportbank")
    written = capsys.readouterr()
    assert bank_read(written.out) == bank_read_files(BUILT_IN_BANK)
    assert written.err == ""
