"""Records decisions are made by authenticated people: each refused identity (none, unknown,
revoked, wrong role, the proposer, a look-alike of the proposer) through the real command
line on a real archive, and the name recorded is the token's."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select

from archive.access import hash_secret
from archive.catalog.models import ApiToken, AuditEvent
from archive.store import Archive
from tests.support.commands import invoke_eakte
from tests.support.records import (
    BAU_AZ,
    POST_AZ,
    STEUER_AZ,
    handwritten_0502,
    records_manager_token,
)

NB_HYPHEN = "Registratur\u2011A"  # U+2011 NON-BREAKING HYPHEN
CYRILLIC = "R\u0435gistratur-\u0410"  # U+0435 CYRILLIC SMALL LETTER IE, U+0410 CAPITAL A


@pytest.fixture
def data(records_archive: Path) -> Path:
    return records_archive


def eakte(*args: str, data: Path, token: str | None = None) -> Result:
    """The command with EAKTE_TOKEN set to `token` (unset for None)."""
    return invoke_eakte(*args, "--data", str(data), env={"EAKTE_TOKEN": token})


def said(result: Result) -> str:
    return " ".join(result.output.split())  # the console wraps long lines


def token_made_before_look_alikes_were_refused(name: str, data: Path) -> str:
    """A token written straight into the catalog, as an archive made before names were
    compared by their look may hold one."""
    secret = f"eakte_{uuid.uuid4().hex}"
    archive = Archive(data)
    try:
        with archive.transaction() as session:
            session.add(ApiToken(id=str(uuid.uuid4()), name=name, role="records_manager",
                                 scopes=["all"], token_hash=hash_secret(secret),
                                 created_at=datetime.now(UTC)))  # fmt: skip
    finally:
        archive.close()
    return secret


def states(data: Path) -> dict[str, str]:
    listed = eakte("akte", "list", "--json", data=data)
    return {a["aktenzeichen"]: a["state"] for a in json.loads(listed.stdout)}


def audit_details(data: Path, event: str) -> list[dict]:
    archive = Archive(data)
    try:
        with archive.transaction() as session:
            query = select(AuditEvent.detail).where(AuditEvent.event == event)
            return list(session.scalars(query))
    finally:
        archive.close()


@pytest.fixture
def proposal(data: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """The letters' Akte appraised V and proposed for destruction by Registratur-A: the data
    directory, the proposal's id and Registratur-A's secret."""
    proposer = records_manager_token("Registratur-A", data)
    assert eakte("akte", "close", POST_AZ, "--date", "2013-01-15", data=data,
                 token=proposer).exit_code == 0  # fmt: skip
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    post_id = {a["aktenzeichen"]: a["id"]
               for a in json.loads(eakte("akte", "list", "--json", data=data).stdout)}[POST_AZ]  # fmt: skip
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(handwritten_0502(offer_file.name.split("_")[0], None, post_id), "utf-8")
    assert eakte("aussonderung", "appraise", str(appraisal), data=data,
                 token=proposer).exit_code == 0  # fmt: skip
    proposed = eakte("dispose", "propose", "--json", data=data, token=proposer)
    assert proposed.exit_code == 0, proposed.output
    (made,) = json.loads(proposed.stdout)
    assert made["aktenzeichen"] == POST_AZ
    return data, made["id"], proposer


def refused(proposal: tuple[Path, str, str], token: str | None, reason: str) -> None:
    data, proposal_id, _ = proposal
    result = eakte("dispose", "approve", proposal_id, data=data, token=token)
    assert result.exit_code == 2 and reason in said(result), said(result)
    assert states(data)[POST_AZ] != "disposed"
    (record,) = json.loads(eakte("dispose", "list", "--json", data=data).stdout)
    assert record["approved_by"] is None and record["documents"] == []


def test_an_approval_without_a_token_destroys_nothing(proposal: tuple[Path, str, str]) -> None:
    data, proposal_id, _ = proposal
    typed = eakte("dispose", "approve", proposal_id, "--by", "", data=data)
    assert typed.exit_code == 2 and "--by" in said(typed)  # a typed name is no identity
    assert states(data)[POST_AZ] != "disposed"
    refused(proposal, None, "no token given")
    refused(proposal, "   ", "no token given")


def test_an_unknown_token_is_refused(proposal: tuple[Path, str, str]) -> None:
    refused(proposal, "eakte_" + "x" * 43, "unknown token")


def test_a_revoked_token_is_refused(proposal: tuple[Path, str, str]) -> None:
    data = proposal[0]
    secret = records_manager_token("Registratur-B", data)
    assert eakte("token", "revoke", "Registratur-B", data=data).exit_code == 0
    refused(proposal, secret, "'Registratur-B' was revoked")


@pytest.mark.parametrize("role", ["clerk", "case_system", "scanner", "admin"])
def test_a_token_without_the_records_manager_role_is_refused(
    proposal: tuple[Path, str, str], role: str
) -> None:
    secret = records_manager_token(f"Sachbearbeitung {role}", proposal[0], role=role)
    refused(proposal, secret, f"has the role {role}; records decisions need the role")


def test_the_proposer_cannot_approve(proposal: tuple[Path, str, str]) -> None:
    refused(proposal, proposal[2], "two-person rule")


@pytest.mark.parametrize(
    "look_alike", [NB_HYPHEN, CYRILLIC, "registratur-a", "Regis\u200btratur-A"]
)
def test_a_look_alike_of_the_proposer_gets_no_token(
    proposal: tuple[Path, str, str], look_alike: str
) -> None:
    made = eakte("token", "create", "--name", look_alike, "--role", "records_manager",
                 "--scope", "all", data=proposal[0])  # fmt: skip
    assert made.exit_code == 2 and "looks like the existing token 'Registratur-A'" in said(made)


@pytest.mark.parametrize("look_alike", [NB_HYPHEN, CYRILLIC])
def test_a_look_alike_of_the_proposer_cannot_approve(
    proposal: tuple[Path, str, str], look_alike: str
) -> None:
    secret = token_made_before_look_alikes_were_refused(look_alike, proposal[0])
    refused(proposal, secret, "two-person rule")


def test_another_records_manager_approves_and_is_recorded(
    proposal: tuple[Path, str, str],
) -> None:
    data, proposal_id, _ = proposal
    approver = records_manager_token("Registratur-B", data)
    approved = eakte("dispose", "approve", proposal_id, "--token", approver, data=data)
    assert approved.exit_code == 0, approved.output
    assert states(data)[POST_AZ] == "disposed"
    (record,) = json.loads(eakte("dispose", "list", "--json", data=data).stdout)
    assert (record["proposed_by"], record["approved_by"]) == ("Registratur-A", "Registratur-B")
    (proposed,) = audit_details(data, "disposal_proposed")
    (disposed,) = audit_details(data, "akte_disposed")
    tokens = {t["name"]: t["id"]
              for t in json.loads(eakte("token", "list", "--json", data=data).stdout)}  # fmt: skip
    assert proposed["by_token"] == tokens["Registratur-A"]
    assert disposed["approved_by_token"] == tokens["Registratur-B"]


def test_a_proposal_made_by_a_typed_name_is_withdrawn_not_approved(
    proposal: tuple[Path, str, str],
) -> None:
    data, proposal_id, proposer = proposal
    archive = Archive(data)  # as an archive proposed before proposers were authenticated
    try:
        with archive.transaction() as session:
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.event == "disposal_proposed")
            ):
                event.detail = {k: v for k, v in event.detail.items() if k != "by_token"}
    finally:
        archive.close()
    approver = records_manager_token("Registratur-B", data)
    refused(proposal, approver, "not by an authenticated records manager")
    again = eakte("dispose", "propose", "--json", data=data, token=proposer)
    (fresh,) = json.loads(again.stdout)
    assert fresh["id"] != proposal_id
    (withdrawn,) = audit_details(data, "disposal_withdrawn")
    assert withdrawn["disposal_id"] == proposal_id and withdrawn["by"] == "Registratur-A"
    approved = eakte("dispose", "approve", fresh["id"], data=data, token=approver)
    assert approved.exit_code == 0, approved.output


def test_every_records_decision_needs_a_token_and_records_its_holder(
    data: Path,
    tmp_path: Path,
) -> None:
    secret = records_manager_token("Anna Schmidt", data)
    clerk = records_manager_token("Sachbearbeitung", data, role="clerk")
    decisions = [
        ("akte", "close", STEUER_AZ, "--date", "2010-06-30"),
        ("akte", "event", BAU_AZ, "Abriss des Gebäudes (Beseitigung der baulichen Anlage)",
         "--date", "2001-03-01"),
        ("hold", "add", "--akte", BAU_AZ, "--reason", "Nachbarschaftsklage"),
        ("dispose", "propose"),
    ]  # fmt: skip
    for args in decisions:
        for token in (None, clerk):
            result = eakte(*args, data=data, token=token)
            assert result.exit_code == 2, (args, said(result))
    assert audit_details(data, "akte_closed") == audit_details(data, "hold_added") == []
    for args in decisions:
        result = eakte(*args, data=data, token=secret)
        assert result.exit_code == 0, (args, said(result))
    (hold,) = json.loads(eakte("hold", "list", "--json", data=data).stdout)
    assert hold["by"] == "Anna Schmidt"
    assert eakte("hold", "release", hold["id"], data=data, token=clerk).exit_code == 2
    assert eakte("hold", "release", hold["id"], data=data, token=secret).exit_code == 0
    loose = eakte("akte", "file", "nope", "10-SV-2012-0009", data=data)
    assert loose.exit_code == 2 and "no token given" in said(loose)
    out_dir = tmp_path / "a"
    assert eakte("aussonderung", "offer", "--out", str(out_dir), data=data).exit_code == 0
    (offer_file,) = out_dir.glob("*.0501.xml")
    ids = {a["aktenzeichen"]: a["id"]
           for a in json.loads(eakte("akte", "list", "--json", data=data).stdout)}  # fmt: skip
    appraisal = out_dir / "bewertung.xml"
    appraisal.write_text(handwritten_0502(offer_file.name.split("_")[0], ids[STEUER_AZ], None))
    assert eakte("aussonderung", "appraise", str(appraisal), data=data).exit_code == 2
    assert states(data)[STEUER_AZ] == "offered"
    assert eakte("aussonderung", "appraise", str(appraisal), data=data, token=secret).exit_code == 0
    token_id = next(t["id"] for t in json.loads(eakte("token", "list", "--json", data=data).stdout)
                    if t["name"] == "Anna Schmidt")  # fmt: skip
    for event in ("akte_closed", "akte_event", "hold_added", "hold_released",
                  "aussonderung_appraised"):  # fmt: skip
        (detail,) = audit_details(data, event)
        assert (detail["by"], detail["by_token"]) == ("Anna Schmidt", token_id), event


def test_the_archive_refuses_a_look_alike_or_forged_actor_whatever_calls_it(
    proposal: tuple[Path, str, str],
) -> None:
    from datetime import date

    from archive.actors import Actor, ActorError, authenticate_actor
    from archive.aussonderung.disposal import approve
    from archive.records.akten import RecordsError

    data, proposal_id, _ = proposal
    secret = token_made_before_look_alikes_were_refused(CYRILLIC, data)
    archive = Archive(data)
    try:
        with archive.transaction() as session:
            look_alike = authenticate_actor(session, secret)
        with pytest.raises(RecordsError, match="two-person rule"):
            approve(archive, proposal_id, by=look_alike, today=date(2030, 1, 1))
        forged = Actor("Registratur-B", look_alike.token_id, "records_manager")
        with pytest.raises(ActorError, match="holds no token"):
            approve(archive, proposal_id, by=forged, today=date(2030, 1, 1))
        invented = Actor("Registratur-B", str(uuid.uuid4()), "records_manager")
        with pytest.raises(ActorError, match="holds no token"):
            approve(archive, proposal_id, by=invented, today=date(2030, 1, 1))
    finally:
        archive.close()
    assert states(data)[POST_AZ] != "disposed"
