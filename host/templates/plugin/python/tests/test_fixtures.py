"""Every case under ``tests/fixtures/`` (request, headers, configuration) against its reviewed
``expected.json``. Add a case by adding a directory; ``UPDATE_GOLDEN=1 python3 -m pytest``
rewrites the expected files (read the diff before committing)."""

from pathlib import Path

from wasmhook_sdk.testing import check_golden

from {{module}} import {{type}}


def test_fixtures_match_their_expected_outcomes():
    check_golden({{type}}(), Path(__file__).parent / "fixtures")
