"""Test-session settings: the token cache is written to a folder of the session, not the user's."""

import os
import tempfile

os.environ.setdefault("HSQUAL_CACHE_DIR", tempfile.mkdtemp(prefix="hsqual-test-cache-"))
