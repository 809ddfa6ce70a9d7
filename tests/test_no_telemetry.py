"""Nothing leaves the machine: ONNX Runtime (Piper's voice) is told not to send usage events
and so keeps no device number and no session file either."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from voice_attune.synthetic.speech import piper_available

_CI_VARIABLES = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL",
                 "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER",
                 "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", "ORT_RUNNING_UNIT_TESTS")
"""Where onnxruntime 1.32 finds one of these, it sends nothing by itself."""
_SPEAK = "from voice_attune.synthetic.speech import synthesize; assert synthesize('hello there', 'piper', 160).size"


def _left_behind(tmp_path, name: str, code: str) -> list[str]:
    root = tmp_path / name
    home, cache, tmp = root / "home", root / "cache", root / "tmp"
    for folder in (home, cache, tmp):
        folder.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(cache), TMPDIR=str(tmp))
    # As on a couple's computer: the runtime keeps quiet by itself where it sees a CI service.
    for name in ("ORT_DISABLE_TELEMETRY", *_CI_VARIABLES):
        env.pop(name, None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.skipif(not piper_available(), reason="Piper's voice is not installed")
def test_piper_speaks_without_onnxruntime_telemetry(tmp_path):
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"  # set by importing voice_attune
    assert _left_behind(tmp_path, "ours", "import voice_attune; " + _SPEAK) == []
    # The same speech with the setting taken away again: what the runtime does by itself.
    unset = "import os, voice_attune; del os.environ['ORT_DISABLE_TELEMETRY']; " + _SPEAK
    theirs = _left_behind(tmp_path, "theirs", unset)
    if not theirs:
        pytest.skip("this onnxruntime keeps no telemetry files: nothing to tell apart")
    assert any("deviceid" in path or path.endswith(".ses") for path in theirs), theirs
