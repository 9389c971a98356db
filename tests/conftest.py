"""Test-session settings: the token cache is written to a folder of the session, not the user's;
the study is rebuilt once for the tests that read what ``hsqual reproduce`` writes."""

import os
import tempfile

os.environ.setdefault("HSQUAL_CACHE_DIR", tempfile.mkdtemp(prefix="hsqual-test-cache-"))

# Property tests draw the same examples on every run, so that a run of the suite (and CI)
# does not depend on a draw; HYPOTHESIS_PROFILE=explore draws new examples each run, to
# look for inputs the fixed draw does not reach.
from hypothesis import settings  # noqa: E402

settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def reproduced_study(tmp_path_factory):
    """The Kurusu study rebuilt once, without figures, as ``hsqual reproduce kurusu2015
    --no-figures`` writes it: ``(folder, paths written)``. Tests read it and never change it
    (a test that writes copies it first)."""
    from hsqual.cli.reproduce import reproduce_kurusu2015

    out = tmp_path_factory.mktemp("reproduced") / "kurusu2015"
    written = reproduce_kurusu2015(out, figures=False)
    return out, written
