"""orchestration.csvfile, the one CSV reader, as the reference and plan loaders use it."""

from __future__ import annotations

import pytest

from orchestration.warehouse.reference_load import LandingFileError, read_landing_csv


def write(tmp_path, content: bytes):
    path = tmp_path / "reference" / "alternates.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_ragged_line_fails_with_its_line_number(tmp_path):
    path = write(tmp_path, b"mpn,manufacturer\nA1,Acme\n\"B\n2\",Acme\nC3,Acme,lost value\n")
    with pytest.raises(LandingFileError) as error:
        read_landing_csv(path, ("mpn", "manufacturer"), tmp_path)
    assert str(error.value) == (
        "reference/alternates.csv: line 5 has 3 fields, the header has 2; an unquoted delimiter inside a value?")


def test_trailing_empty_fields_and_short_rows_lose_nothing(tmp_path):
    path = write(tmp_path, b"mpn,manufacturer,note\nA1,Acme,,\nB2\n\nC3, Acme ,x\n")
    frame = read_landing_csv(path, ("mpn", "manufacturer"), tmp_path, ("note",))
    assert frame.rows() == [
        ("A1", "Acme", None, "reference/alternates.csv", 2),
        ("B2", None, None, "reference/alternates.csv", 3),
        ("C3", "Acme", "x", "reference/alternates.csv", 5),
    ]


def test_cp1252_and_semicolons_are_read_not_replaced(tmp_path):
    path = write(tmp_path, "MPN;Manufacturer\nGRM188R71H104KA93D;Murata Électronique\n".encode("cp1252"))
    frame = read_landing_csv(path, ("mpn", "manufacturer"), tmp_path)
    assert frame["manufacturer"].to_list() == ["Murata Électronique"]
    assert "\ufffd" not in frame["manufacturer"][0]


def test_empty_file_is_named(tmp_path):
    path = write(tmp_path, b"")
    with pytest.raises(LandingFileError, match="reference/alternates.csv: the file is empty"):
        read_landing_csv(path, ("mpn",), tmp_path)
