"""The log is the truth for the consent scope (issue 22): a hash a grant refers to is the stored one,
whatever uses today's registry knows; a scope can say when it took effect."""

from __future__ import annotations

import json

import pytest

import workbench
from workbench.cli import run_cli
from workbench.consent import scope as S
from workbench.consent import uses as U
from workbench.consent.ledger import ConsentLedger
from workbench.errors import WorkbenchError

from .consent_support import make_scope
from .gates import publish


def test_adding_a_consent_use_leaves_old_grants_verifying_against_their_scope(tmp_path, monkeypatch):
    from workbench.consent.ledger import give

    project = workbench.init(tmp_path / "p", "Truth")
    version = publish(project.store, make_scope())
    give(project.store, "c-0001", {"train": True, "evaluate": True}, at="2026-01-01", method="paper",
         witness="f-ana", paper_ref="form 1")
    grant = project.store.events(kinds=["consent.granted"])[-1]
    assert grant.payload["scope_hash"] == version.hash

    # Tomorrow's code knows one more use; the scope as stored never mentioned it.
    new = U.Use("sell_to_insurers", (), (), (), (), "a use added after the scope was published")
    monkeypatch.setitem(U.USES, new.key, new)
    monkeypatch.setattr(S, "USE_KEYS", (*U.USE_KEYS, new.key))
    history = S.ScopeHistory.load(project.store)
    assert history.latest.scope.content_hash != version.hash  # what recomputing would have said
    assert history.latest.hash == version.hash  # what the log says
    assert history.by_hash(grant.payload["scope_hash"]).version == 1
    assert history.latest.scope.uses[new.key] == S.NEVER  # never mentioned: never permitted
    assert ConsentLedger.load(project.store).permits("c-0001", "train", at="2026-02-01")
    project.close()


def test_a_scope_can_take_effect_earlier_and_says_it_was_back_dated(tmp_path):
    path = tmp_path / "p"
    project = workbench.init(path, "Truth")
    (tmp_path / "scope.json").write_text(json.dumps(make_scope().to_dict()))
    project.close()
    assert run_cli(["decide", str(path), "scope", "--file", str(tmp_path / "scope.json"), "--present", "5",
                    "--for", "5", "--against", "0"])[0] == 0
    code, out, err = run_cli(["consent", "publish", str(path), str(tmp_path / "scope.json"),
                              "--effective", "2026-01-15"])
    assert code == 0, err
    assert "in force from 2026-01-15 (back-dated)" in out
    with workbench.open(path) as project:
        v = S.ScopeHistory.load(project.store).latest
        assert v.backdated and v.effective_at.startswith("2026-01-15") and v.published_at > v.effective_at
        ev = project.store.events(kinds=[S.PUBLISHED])[-1]
        assert ev.payload["backdated"] is True and ev.payload["effective_at"].startswith("2026-01-15")
        # as of a day after it took effect, a scope is in force (no "no scope published")
        from workbench.curation.snapshot import _scope_in_force

        assert _scope_in_force(project.store, "2026-01-16")["version"] == 1
        assert _scope_in_force(project.store, "2026-01-14") == {}
        with pytest.raises(WorkbenchError, match="in the future"):
            publish(project.store, make_scope().replace(contact="x@y"), effective_at="2999-01-01")
        with pytest.raises(WorkbenchError, match="cannot take effect before it"):
            publish(project.store, make_scope().replace(contact="x@y"), effective_at="2026-01-01")
    code, _out, err = run_cli(["consent", "publish", str(path)])
    assert code == 2 and "either a scope FILE or --draft" in err
