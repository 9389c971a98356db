"""Test-session settings: the token cache is written to a folder of the session, not the user's."""

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
