"""The whole demo runs here: every step checks out, JSON transcript, step-by-step, failures make exit 1."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3

import pytest

from refdidcomm import _cli_demo
from refdidcomm.agents._demo import Demo, DemoCheckFailed
from refdidcomm.errors import UsageError


def _run(**kw):
    out = io.StringIO()
    report = Demo(out=out, **kw).run()
    return report, out.getvalue()


def test_demo_every_step_checks_out(tmp_path):
    db = tmp_path / "demo.sqlite"
    report, text = _run(db_path=str(db))
    assert report.exit_code == 0, text
    assert [s.number for s in report.steps] == [1, 2, 3, 4, 5, 6]
    assert all(s.status == "ok" for s in report.steps)
    totals = report.totals()
    # 1 + 2 + 5 + 2 + 1 messages, each through three cloud agents plus the store: 4 hops.
    assert totals["messages"] == 11
    assert totals["hops"] == 44
    assert totals["bytes"] > 0
    assert "every step checked out" in text
    assert "== Summary ==" in text
    for step in report.steps:
        assert step.checks, f"step {step.number} verified nothing"
    # Every routed message went through all three cloud agents.
    for step in report.steps:
        for entry in step.transcript:
            if "route" in entry:
                assert sorted(entry["route"][1:4]) == ["CloudAgentA", "CloudAgentB", "CloudAgentC"]
                assert len(entry["hops"]) == 4
                # ... as the cloud agents themselves recorded it.
                assert len(entry["observed_by_cloud_agents"]) == 3
                assert entry["observed_by_cloud_agents"][-1].endswith("(stored for the consumer)")
    # The database is the one given; everything was acknowledged, so nothing is left.
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(DISTINCT owner) FROM consumers").fetchone()[0] == 3


def test_demo_json_transcript():
    report, text = _run(as_json=True)
    data = json.loads(text)  # only JSON on stdout
    assert data["ok"] is True and report.exit_code == 0
    assert data["totals"]["messages"] == 11
    assert [s["status"] for s in data["steps"]] == ["ok"] * 6
    step1 = data["steps"][0]
    url = step1["transcript"][0]["url"]
    assert "?_oob=" in url
    step2 = data["steps"][1]["transcript"][0]
    assert step2["message"]["pthid"] == step1["transcript"][0]["message"]["id"]
    assert step2["message"]["type"] == "https://didcomm.org/basicmessage/2.0/message"
    step3 = data["steps"][2]["transcript"][0]["message"]
    assert "from_prior" in step3
    step5 = data["steps"][4]["transcript"]
    assert step5[0]["url"].startswith("https://alice.example/invite?oob=")
    assert step5[1]["message"]["@type"] == "https://didcomm.org/trust_ping/1.0/ping_response"
    assert len(data["cloud_agents"]) == 3 and all(a["did"].startswith("did:peer:2.") for a in data["cloud_agents"])


def test_demo_step_by_step_pauses_between_steps():
    pauses = []
    report, _ = _run(step_by_step=True, pause=lambda: pauses.append(1))
    assert report.exit_code == 0
    assert len(pauses) == 5


def test_unavailable_layer_is_reported_and_fails():
    demo = Demo(out=io.StringIO())
    demo.requirements[2] = ("refdidcomm.no_such_layer",)
    report = demo.run()
    by = {s.number: s for s in report.steps}
    assert by[2].status == "unavailable" and "refdidcomm.no_such_layer" in by[2].detail
    assert by[3].status == "skipped" and by[4].status == "skipped" and by[6].status == "skipped"
    assert by[1].status == "ok" and by[5].status == "ok"
    assert report.exit_code == 1


def test_failed_check_fails_the_run(monkeypatch):
    def broken(self, step):
        raise DemoCheckFailed("check failed: injected")

    monkeypatch.setattr(Demo, "_step5", broken)
    report, text = _run()
    by = {s.number: s for s in report.steps}
    assert by[5].status == "failed" and "injected" in by[5].detail
    assert all(by[n].status == "ok" for n in (1, 2, 3, 4, 6))
    assert report.exit_code == 1
    assert "NOT every step checked out" in text


def test_cloud_agent_failure_fails_the_step(monkeypatch):
    """A hop that goes down during a step: the step fails with the transport error, nothing is faked."""
    original = Demo._step2

    def step2_with_agent_down(self, step):
        self.agents[1].stop()
        original(self, step)

    monkeypatch.setattr(Demo, "_step2", step2_with_agent_down)
    report, _ = _run(steps=[1, 2])
    by = {s.number: s for s in report.steps}
    assert by[1].status == "ok"
    assert by[2].status == "failed" and "TransportError" in by[2].detail
    assert report.exit_code == 1


def test_selected_steps():
    report, _ = _run(steps=[5])
    assert [s.number for s in report.steps] == [5] and report.exit_code == 0
    with pytest.raises(UsageError):
        Demo(steps=[7])


def test_cli_parser(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    _cli_demo.add_parser(sub)
    args = parser.parse_args(["demo", "--json", "--db", str(tmp_path / "x.sqlite")])
    assert args.json and not args.step_by_step and args.db.endswith("x.sqlite")
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_cli_bad_db_is_a_clean_error(tmp_path, capsys):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 50)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    _cli_demo.add_parser(sub)
    args = parser.parse_args(["demo", "--db", str(junk)])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open inbox database") and "Traceback" not in err


def test_route_disagreeing_with_the_agents_records_fails(monkeypatch):
    """The demo does not trust the sender's plan: it checks each cloud agent's own record of the hop."""
    from refdidcomm.agents import CloudAgent

    original = CloudAgent._pass_on

    def lying_record(self, target, message, media_type, protocol):
        original(self, target, message, media_type, protocol)
        self.stats.hops[-1] = f"{protocol} -> http://elsewhere.invalid/"

    monkeypatch.setattr(CloudAgent, "_pass_on", lying_record)
    report, _ = _run(steps=[5])
    assert report.steps[0].status == "failed" and "did not forward as planned" in report.steps[0].detail
    assert report.exit_code == 1
