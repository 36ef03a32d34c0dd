"""The AsyncAPI document's refusal is what intake sends for the dead letter of its example: the
same message, reason and position, keyed by its `source`, with nothing of its payload."""

import datetime as dt
from pathlib import Path

import orjson
import yaml

from services.core.refusals import encode_refusal, refusal
from services.core.validation import Rejection, Validator

DOCUMENT = Path(__file__).resolve().parents[2] / "schemas" / "asyncapi.yaml"


def test_the_refusal_example_is_what_intake_sends_for_the_dead_letter_example(rules):
    messages = yaml.safe_load(DOCUMENT.read_text())["components"]["messages"]
    [dead] = messages["DeadLetter"]["examples"]
    [told] = messages["Refusal"]["examples"]
    raw, headers = dead["payload"].encode(), dead["headers"]
    rejection = Validator(rules.sites)(raw)
    assert isinstance(rejection, Rejection)
    refused_at = dt.datetime.fromisoformat(told["payload"]["refused_at"])
    topic, partition, offset = (
        headers["source-topic"], int(headers["source-partition"]), int(headers["source-offset"])
    )  # fmt: skip

    key, notice = refusal(raw, rejection, topic, partition, offset, refused_at=refused_at)

    sent = orjson.loads(encode_refusal(notice))
    assert {**sent, "refused_at": None} == {**told["payload"], "refused_at": None}
    assert key.decode() == told["payload"]["ce_source"]
    assert key.decode() in messages["Refusal"]["bindings"]["kafka"]["key"]["examples"]
