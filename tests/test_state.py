"""The state file: atomic, per prefix, and clear when missing or damaged."""

from __future__ import annotations

import json

import pytest

from helpers import setup
from helpers.core.errors import InvalidSettingError, StateFileError
from helpers.core.settings import WorkshopSettings
from helpers.core.state import current_prefix, load_state, save_settings, state_path
from tests.helpers_for_tests import unique


def test_save_and_load_round_trip():
    prefix = unique("st")
    settings = WorkshopSettings.build(prefix=prefix, region="eu-west-1", launch_type="EC2")
    state = save_settings(settings)
    state.record("bucket", type="AWS::S3::Bucket", name="b", arn="arn:aws:s3:::b")
    loaded = load_state(prefix)
    assert loaded.settings == settings
    assert loaded.resources["bucket"]["arn"] == "arn:aws:s3:::b"
    assert loaded.resources["bucket"]["created_at"]
    assert current_prefix() == prefix
    leftovers = [p for p in state_path(prefix).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_missing_state_file_says_run_notebook_00():
    with pytest.raises(StateFileError) as excinfo:
        load_state(unique("missing"))
    assert "00-setup" in str(excinfo.value)


def test_corrupt_state_file_is_a_clear_message():
    prefix = unique("bad")
    state_path(prefix).write_text("{not json")
    with pytest.raises(StateFileError) as excinfo:
        load_state(prefix)
    assert str(state_path(prefix)) in str(excinfo.value)
    assert "cleanup --prefix" in str(excinfo.value)


def test_state_file_with_invalid_settings_is_a_clear_message():
    prefix = unique("inv")
    state_path(prefix).write_text(json.dumps({"format": 1, "settings": {"prefix": prefix, "region": "nowhere"}}))
    with pytest.raises(StateFileError):
        load_state(prefix)


def test_configure_keeps_saved_values_when_given_none():
    prefix = unique("cfg")
    setup.configure(prefix=prefix, region="eu-west-1", launch_type="EC2")
    state = setup.configure(prefix=prefix, region=None, launch_type=None, approval_email="ops@example.com")
    assert (state.settings.region, state.settings.launch_type) == ("eu-west-1", "EC2")
    assert state.settings.approval_email == "ops@example.com"


def test_configure_refuses_to_move_a_workshop_that_has_resources():
    prefix = unique("mv")
    state = setup.configure(prefix=prefix, region="us-east-1")
    state.record("repo", type="AWS::CodeCommit::Repository", name=f"{prefix}-app")
    with pytest.raises(InvalidSettingError) as excinfo:
        setup.configure(prefix=prefix, region="eu-west-1")
    assert "05-cleanup" in str(excinfo.value)
    assert load_state(prefix).settings.region == "us-east-1"


def test_configure_with_bad_input_writes_nothing():
    prefix = unique("nothing")
    with pytest.raises(InvalidSettingError):
        setup.configure(prefix=prefix, launch_type="LAMBDA")
    assert not state_path(prefix).exists()
