"""Detectors are plugins: built-ins come from entry points, and so can anyone's."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from screener_builders import Tape, engine, et, run

from tradeassist.errors import ConfigError
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.detectors.base import (
    BaseDetector,
    Detector,
    DetectorState,
    Events,
    Parameter,
    detector_param,
)
from tradeassist.screener.registry import detector_factories, load_detectors
from tradeassist.screener.view import BatchView

BUILT_INS = ["gap", "volume_spike", "high_low", "premarket_high", "opening_range", "vwap", "halt"]


class BigPrint(BaseDetector):
    """A third-party detector in plain numpy: the n-th block trade of a symbol today."""

    name = "big_print"
    alert_types = ("big_print",)

    def parameters(self) -> list[Parameter]:
        return [Parameter("min_shares", 50_000, self._min, "block size (shares)")]

    @property
    def _min(self) -> float:
        return detector_param(self.config, self.name, "min_shares", 50_000)

    def detect(self, view: BatchView, state: DetectorState) -> Events:
        count = state.array("count", np.int64, 0)
        rows = np.flatnonzero(view.eligible & (view.size >= self._min))
        levels = np.empty(rows.size)
        for k, row in enumerate(rows):  # in order, so the count is the same however cut
            count[view.slot[row]] += 1
            levels[k] = count[view.slot[row]]
        return Events(rows, np.zeros(rows.size, np.int64), levels, {"shares": view.size[rows]})


def test_built_ins_are_registered_as_entry_points_in_alert_type_order() -> None:
    assert sorted(detector_factories()) == sorted(BUILT_INS)
    detectors = load_detectors(ScreenerConfig())
    assert [d.name for d in detectors] == BUILT_INS
    assert all(isinstance(d, Detector) for d in detectors)


def test_detectors_describe_their_parameters_from_the_config() -> None:
    config = ScreenerConfig(gap_levels=(2.0, 4.0), hod_delay_minutes=20)
    params = {p.name: p for d in load_detectors(config) for p in d.parameters()}
    assert params["gap_levels"].value == (2.0, 4.0)
    assert params["gap_levels"].default == (3.0, 5.0, 10.0, 20.0)
    assert params["hod_delay_minutes"].value == 20
    assert all(p.description for p in params.values())


def test_unknown_detector_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown detector 'nope'"):
        load_detectors(ScreenerConfig(), ["gap", "nope"])


def test_a_custom_numpy_detector_gets_its_alerts_with_params_and_filters() -> None:
    config = ScreenerConfig(min_price=5.0, detector_params={"big_print": {"min_shares": 10_000}})
    detectors = [*load_detectors(config, ["gap"]), BigPrint(config)]
    eng = engine(config=config, detectors=detectors)
    tape = Tape().trade(et("10:00"), 1, 10.0, size=20_000).trade(et("10:01"), 1, 10.0, size=500)
    tape.trade(et("10:02"), 1, 4.0, size=20_000)  # below the global min price: filtered
    tape.trade(et("10:03"), 1, 10.0, size=10_000)
    alerts = run(eng, tape.array(), chunks=[1, 2])
    assert [(a.alert_type, a.level, a.conditions) for a in alerts] == [
        ("big_print", "1", {"shares": 20_000}),
        ("big_print", "2", {"shares": 10_000}),
    ]
    assert alerts[1].idempotency_key == "AAA:big_print:2026-03-10:2"


def test_a_detector_returning_an_unknown_kind_is_refused() -> None:
    class Broken(BaseDetector):
        name = "broken"
        alert_types = ("broken",)

        def detect(self, view: BatchView, state: DetectorState) -> Events:
            return Events(np.arange(len(view)), np.ones(len(view), np.int64))

    eng = engine(detectors=[Broken()])
    with pytest.raises(ValueError, match="broken"):
        eng.process(Tape().trade(et("10:00"), 1, 10.0).array())


def test_an_installed_third_party_entry_point_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_blocks.py").write_text(
        textwrap.dedent(
            """
            from tradeassist.screener.detectors.base import BaseDetector

            class Blocks(BaseDetector):
                name = "acme_blocks"
                alert_types = ("acme_block",)
            """
        )
    )
    dist = tmp_path / "acme_blocks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-blocks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[tradeassist.detectors]\nacme_blocks = acme_blocks:Blocks\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    names = [d.name for d in load_detectors(ScreenerConfig())]
    assert names == [*BUILT_INS, "acme_blocks"]


def test_a_plugin_that_fails_to_import_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "bad-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[tradeassist.detectors]\nbad = no_such_module:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="detector plugin 'bad'"):
        load_detectors(ScreenerConfig())
