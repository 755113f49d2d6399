#!/usr/bin/env python3
"""Validates the FHIR JSON examples beside this script with an independent FHIR R4 model.

Uses the PyPI package fhir.resources 6.1.0, the last whose models are FHIR R4 (4.0.1)
(later ones model R4B or R5), on pydantic 1. It checks elements, cardinalities, datatypes
and invariants with a `__root__` validator (one answer[x], ...), not code bindings
(item type, status): the Rust tests check those. The examples are written by `cargo test --test questionnaire`
(fhir_examples_are_up_to_date), so they are what the code produces.

    python3 -m venv /tmp/fhir-venv
    /tmp/fhir-venv/bin/pip install -q 'fhir.resources==6.1.0' 'pydantic<2'
    /tmp/fhir-venv/bin/python tests/fhir/validate_r4.py

Prints 'N passed, N failed' and exits non-zero on any failure.
"""

import copy
import json
import pathlib
import sys

from fhir.resources import FHIRAbstractModel, construct_fhir_element
from fhir.resources import __fhir_version__ as fhir_version


def _without_status(q):
    del q["status"]
    return q


def _unknown_element(q):
    q["item"][0]["colour"] = "red"
    return q


def _enable_when_without_answer(q):
    q["item"][0]["enableWhen"] = [{"question": "x", "operator": "="}]
    return q


BROKEN = {
    "no status": _without_status,
    "an unknown element": _unknown_element,
    "an enableWhen without answer[x]": _enable_when_without_answer,
}


def main() -> int:
    if not fhir_version.startswith("4.0"):
        print(f"fhir.resources models FHIR {fhir_version}, not R4 (4.0.x)", file=sys.stderr)
        return 2
    here = pathlib.Path(__file__).resolve().parent
    files = sorted(here.glob("*.json"))
    passed = failed = 0
    questionnaires = {}
    responses = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            resource: FHIRAbstractModel = construct_fhir_element(data["resourceType"], data)
        except Exception as error:  # pydantic's ValidationError, or an unknown type
            print(f"FAIL {path.name}: {error}")
            failed += 1
            continue
        print(f"ok   {path.name} ({resource.resource_type})")
        passed += 1
        if resource.resource_type == "Questionnaire":
            questionnaires[f"{resource.url}|{resource.version}"] = resource
        else:
            responses.append((path.name, resource))
    # What the model does not check: each response names a Questionnaire we have.
    for name, response in responses:
        if response.questionnaire in questionnaires:
            passed += 1
        else:
            print(f"FAIL {name}: questionnaire {response.questionnaire} not among the examples")
            failed += 1
    if not files:
        print("FAIL no examples found")
        failed += 1
    # The validator itself must refuse broken copies, or a pass above means nothing.
    for name, break_it in BROKEN.items():
        source = next((p for p in files if p.name.startswith("Questionnaire-")), None)
        if source is None:
            break
        data = break_it(copy.deepcopy(json.loads(source.read_text(encoding="utf-8"))))
        try:
            construct_fhir_element(data["resourceType"], data)
            print(f"FAIL the validator accepted a copy with {name}")
            failed += 1
        except Exception:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
