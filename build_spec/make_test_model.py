"""Write a small untrained PM Screen model folder (ResNet-18-D, float16 weights like a finalised model).

`make package-check` uses it for the frozen selftest while resources/models holds no bundled model yet:

    .venv/bin/python build_spec/make_test_model.py build/package-check/test-model
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.nn._paddle import paddle  # noqa: E402
from core.store.modelio import save_model  # noqa: E402
from core.nn.models import build_resnet  # noqa: E402
from core.images.preprocess import PREPROCESSING  # noqa: E402


def main(out: str) -> None:
    paddle.seed(0)
    model = build_resnet(18, "D")
    meta = {"name": "package-check test model (untrained)", "architecture": model.config.to_dict(),
            "class_names": ["non-PM", "PM"], "preprocessing": PREPROCESSING, "threshold": 0.5}
    save_model(out, model, meta, dtype="float16")
    print(f"test model written to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
