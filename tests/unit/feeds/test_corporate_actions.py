"""Corporate-actions CSV: splits and the factor that carries a price across them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tradeassist.errors import ReferenceDataError
from tradeassist.feeds.corporate_actions import load_corporate_actions

EX = dt.date(2014, 6, 9)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actions.csv"
    path.write_text(text)
    return path


def test_splits_and_reverse_splits(tmp_path: Path) -> None:
    path = _write(tmp_path, "symbol,ex_date,split_ratio\nAAPL,2014-06-09,7\nXYZ,2014-06-10,0.1\n\n")

    actions = load_corporate_actions(path)

    assert len(actions) == 2 and actions.symbols() == {"AAPL", "XYZ"}
    assert actions.factor("AAPL", EX - dt.timedelta(days=3), EX) == 7
    assert actions.factor("AAPL", EX, EX + dt.timedelta(days=5)) == 1.0
    assert actions.factor("AAPL", EX - dt.timedelta(days=1), EX - dt.timedelta(days=1)) == 1.0
    assert actions.factor("XYZ", EX, EX + dt.timedelta(days=1)) == pytest.approx(0.1)
    assert actions.factor("MSFT", EX - dt.timedelta(days=1), EX) == 1.0


def test_two_splits_in_the_window_multiply(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "Symbol , Ex_Date,Split_Ratio,note\nA,2020-01-06,2,x\nA,2020-02-03,3,y\n"
    )

    actions = load_corporate_actions(path)

    assert actions.factor("A", dt.date(2020, 1, 1), dt.date(2020, 3, 1)) == 6
    assert [s.ex_date for s in actions.splits("A")] == [dt.date(2020, 1, 6), dt.date(2020, 2, 3)]


def test_header_only_file_has_no_splits(tmp_path: Path) -> None:
    assert len(load_corporate_actions(_write(tmp_path, "symbol,ex_date,split_ratio\n"))) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("symbol,date,ratio\nAAPL,2014-06-09,7\n", ":1: corporate actions needs the columns"),
        ("symbol,ex_date,split_ratio\nAAPL,2014-06-31,7\n", ":2: ex_date must be a date"),
        ("symbol,ex_date,split_ratio\nAAPL,2014-06-09,seven\n", ":2: split_ratio must be"),
        ("symbol,ex_date,split_ratio\nA,2014-06-09,2\nB,2014-06-09,0\n", ":3: split_ratio must be"),
        ("symbol,ex_date,split_ratio\nAAPL,2014-06-09,-7\n", ":2: split_ratio must be"),
        ("symbol,ex_date,split_ratio\n,2014-06-09,7\n", ":2: empty symbol"),
        ("symbol,ex_date,split_ratio\nA,2014-06-09,2\nA,2014-06-09,3\n", ":3: a second split"),
        ("symbol,ex_date,split_ratio\nAAPL,2014-06-09\n", ":2: 2 fields"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)

    with pytest.raises(ReferenceDataError, match=message) as caught:
        load_corporate_actions(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read"):
        load_corporate_actions(tmp_path / "none.csv")
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ReferenceDataError, match="not a text CSV"):
        load_corporate_actions(binary)
