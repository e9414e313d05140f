"""Builds the test plugin: ``python3 build.py --wit WIT_DIR -o OUT.wasm``."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "guest-sdk", "python", "src"))

from wasmhook_sdk import build  # noqa: E402  (the SDK is found through the path above)

if __name__ == "__main__":
    sys.exit(build.main(["--module", os.path.join(HERE, "sandbox_plugin.py"), *sys.argv[1:]]))
