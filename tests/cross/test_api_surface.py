"""Both packages export the names listed in shared_fixtures/api_surface.json, and only those."""
import json
import os
import re
import subprocess

import streamfit

from test_cross import ROOT, node

SURFACE = json.load(open(os.path.join(ROOT, "shared_fixtures", "api_surface.json")))


def camel(name):
    if name.isupper() or name[:1].isupper():
        return name
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def test_python_exports():
    assert sorted(streamfit.__all__) == sorted(SURFACE["shared"] + SURFACE["python_only"])
    for name in streamfit.__all__:
        assert hasattr(streamfit, name), name


def test_js_exports():
    out = subprocess.run([node(), "--input-type=module", "-e",
                          "import * as m from './js/index.mjs'; console.log(JSON.stringify(Object.keys(m)))"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert sorted(json.loads(out)) == sorted([camel(n) for n in SURFACE["shared"]] + SURFACE["js_only"])


def test_error_codes_match_spec():
    spec = open(os.path.join(ROOT, "SPEC.md")).read()
    section = spec.split("## 6. Error codes", 1)[1].split("\n## ", 1)[0]
    codes = re.findall(r"^\| `(SF_[A-Z_]+)` \|", section, re.M)
    assert list(streamfit.ERROR_CODES) == codes
    out = subprocess.run([node(), "--input-type=module", "-e",
                          "import {ERROR_CODES} from './js/index.mjs'; console.log(JSON.stringify(ERROR_CODES))"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == codes
