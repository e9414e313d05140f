"""Every case in ``tests/fixtures/sentry/`` against its reviewed ``expected.json``
(``UPDATE_GOLDEN=1`` rewrites them)."""

from pathlib import Path

from wasmhook_sdk.testing import check_golden

from wasmhook_sentry import Sentry

CASES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "sentry"


def test_fixtures_match_their_golden_files():
    check_golden(Sentry(), CASES)
