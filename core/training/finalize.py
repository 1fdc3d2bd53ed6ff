"""Turn a trained run into a screening model: float16 weights, calibrated probabilities, a screening threshold,
metrics with bootstrap intervals and a model card (in model.json and MODEL_CARD.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.contents import seen_in_training
from ..data.datasets import labelled_folder
from ..data.loader import ImageCache
from ..images.textsafe import shown
from ..stats.calibration import fit_operating_point
from ..store.folders import check_folder_name
from ..store.modelio import (  # noqa: F401 (has_model_card: re-exported)
    CARD_NOT_SEALED,
    has_model_card,
    load_model,
    research_reason,
    save_model,
)
from .validate import dygraph_forward

INTENDED_USE = ("Screening aid that flags colour fundus photographs suggestive of pathologic myopia for review by "
                "an ophthalmologist. It is not a diagnosis and must not be used to rule disease out on its own.")
LIMITATIONS = [
    "Threshold, temperature and the best epoch were chosen on the same validation images whose metrics are "
    "reported, so these figures are optimistic; confidence intervals are wide with about 200 images.",
    "Images are judged at 224x224 pixels: fine lesions (lacquer cracks, small Fuchs spots) may be missed.",
    "Ungradable images (poor focus, exposure or field of view) should be rejected by the quality gate, not scored.",
    "Pathologic myopia only: other diseases (diabetic retinopathy, glaucoma, AMD) are not detected.",
]


def _rounded_to(model, dtype: str) -> None:
    """Round the weights through ``dtype`` so every figure below is of the weights that ship."""
    from ..nn._paddle import paddle

    state = {k: paddle.to_tensor(v.numpy().astype(dtype).astype(np.float32)) for k, v in model.state_dict().items()}
    model.set_state_dict(state)


def finalize(run_dir: str | Path, images: str | Path, labels: str | Path, out_dir: str | Path,
             name: str | None = None, min_sensitivity: float = 0.97, dtype: str = "float16") -> dict:
    check_folder_name(out_dir)  # now, not after scoring every image
    model, meta = load_model(run_dir)
    _rounded_to(model, dtype)
    samples, problems = labelled_folder(images, labels)
    seen = seen_in_training(meta, [smp.path for smp in samples]) or []
    if seen:  # the threshold and the card's figures would measure fit, not new patients
        raise ValueError(f"{shown(images)}: {len(seen)} of its {len(samples)} labelled images (e.g. "
                         f"{shown(seen[0].name)}) were used to train this model: the threshold and the card's "
                         "figures would measure fit, not new patients. Give images it did not train on, or "
                         "finalize --from-cv")
    cache = ImageCache(samples)
    forward = dygraph_forward(model)
    logits = np.concatenate([forward(x) for x, _, _ in cache.batches(50)]).astype(np.float64)
    fit = fit_operating_point(logits, cache.labels, int(meta.get("positive_class", 1)), min_sensitivity)
    temperature, threshold, metrics, intervals = fit["temperature"], fit["threshold"], fit["metrics"], fit["intervals"]
    calibration = {"method": "temperature scaling on the validation images", "temperature": temperature,
                   "ece_before": fit["ece_before"], "ece_after": fit["ece_after"], "ece_bins": 10}
    training = meta.get("training", {})
    out = dict(meta)
    out.pop("weights", None)
    out.pop("created", None)
    out.update(
        name=name or meta.get("name"),
        threshold=threshold,
        threshold_rule=f"highest cut with validation sensitivity >= {min_sensitivity}, placed halfway to the next "
                       "lower validation score",
        temperature=temperature,
        metrics=metrics,
        metrics_at_0_5=fit["metrics_at_0_5"],
        metrics_ci95=intervals,
        calibration=calibration,
        validation={"images": str(images), "labels": str(labels), "n": len(cache),
                    "skipped": [str(p) for p in problems + cache.problems]},
        source_run=str(run_dir),
        card={
            "intended_use": INTENDED_USE,
            "training_data": _training_data(meta.get("data", {}), len(cache), Path(images).name),
            "recipe": recipe_text(training),
            "metrics": _metrics_line(metrics, intervals),
            "limitations": [_data_limitation(meta.get("data", {}))] + LIMITATIONS,
        },
    )
    saved = save_model(out_dir, model, out, dtype=dtype)
    (Path(out_dir) / "MODEL_CARD.md").write_text(model_card_markdown(saved), encoding="utf-8",
                                                    errors="backslashreplace")  # a folder named in non-UTF-8 bytes
    return saved


def _data_name(data: dict) -> str:
    root = Path(data.get("root") or "?").name
    return "PALM / iChallenge-PM" if "palm" in root.lower() else f"'{root}'"


def _training_data(data: dict, n_val: int, val_folder: str) -> str:
    return (f"{data.get('n_train', '?')} training images of the {_data_name(data)} data set "
            f"({data.get('validation') or 'validation split unknown'}); calibrated and validated on {n_val} images "
            f"of {val_folder}")


def _data_limitation(data: dict) -> str:
    # PALM comes from one clinic and camera type; any data set's reach is limited to what it holds
    source = ("from one clinic and camera type (Zhongshan Ophthalmic Center)" if "PALM" in _data_name(data)
              else "from the sources of that data set only")
    return (f"Trained from scratch (no ImageNet weights) on {data.get('n_train', '?')} {_data_name(data)} images "
            f"{source}; other cameras, ethnicities and image qualities are untested.")


def _gamma_range(gamma) -> str:
    ok = isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and 0 < gamma < 1e6  # a read model.json
    return f"gamma {1 / (1 + gamma):.2f}–{1 + gamma:g}" if ok else ""


def recipe_text(t: dict) -> str:
    """One line that says how a network was trained, from its TrainConfig (as a dict): the model card's recipe."""
    if not t:
        return "unknown"
    aug = ["flip" if t.get("flip") else "", f"rotate ±{t.get('rotate')}°" if t.get("rotate") else "",
           f"zoom ±{t.get('scale')}" if t.get("scale") else "", f"shift ±{t.get('shift')}" if t.get("shift") else "",
           f"colour jitter {t.get('color_jitter')}" if t.get("color_jitter") else "",
           _gamma_range(t.get("gamma")),
           f"channel gain ±{t.get('channel_gain')}" if t.get("channel_gain") else ""]
    epochs = f"{t.get('epochs')} epoch" + ("" if t.get("epochs") == 1 else "s")
    return (f"ResNet-{t.get('depth')}-{t.get('variant')} from scratch, {epochs}, batch "
            f"{t.get('batch_size')}, {t.get('optimizer')} lr {t.get('lr')} ({t.get('schedule')}, warm-up "
            f"{t.get('warmup_epochs')} epochs), weight decay {t.get('weight_decay')} "
            f"({'BN and biases too' if t.get('decay_bn') else 'not on BN/bias'}), label "
            f"smoothing {t.get('label_smoothing')}, mixup {t.get('mixup')}, augmentation: "
            f"{', '.join(a for a in aug if a) or 'none'}; seed {t.get('seed')}; "
            + ("last epoch kept" if t.get("best_metric") == "last" else f"best epoch by {t.get('best_metric')}"))


def _metrics_line(m: dict, ci: dict, images: str = "validation images") -> str:
    def f(k):
        return f"{k} {m[k]:.3f} (95% CI {ci[k][0]:.3f}–{ci[k][1]:.3f})"

    return "; ".join(f(k) for k in ("accuracy", "auc", "sensitivity", "specificity")) + \
        f" at threshold {m['threshold']:.3f} on {m['n']} {images}"


def out_of_fold(meta: dict) -> bool:
    """The card's figures are out-of-fold estimates of a cross-validation, not a validation split's."""
    return bool(meta.get("cross_validation"))


def model_card_shown(meta: dict) -> str:
    """The card of a (checked, sealed) model.json as Markdown, for reading in the application: its model card
    with the recorded threshold changes after it; for a model that was never finalized, what model.json says of
    it. Written from model.json, not MODEL_CARD.md (which the seal does not cover)."""
    from ..store.modelio import threshold_change_note
    from ..store.provenance import threshold_changes

    text = _plain_card(meta)  # a trained, unfinalized model; or a card the seal does not cover, not shown as one
    if has_model_card(meta):
        try:
            text = model_card_markdown(meta)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass
    for change in threshold_changes(meta):
        try:
            text += "\n" + threshold_change_note(change, meta) + "\n"  # as set-threshold appends it to MODEL_CARD.md
        except (KeyError, TypeError, ValueError):
            continue
    return text


def _plain_card(meta: dict) -> str:
    arch = meta.get("architecture") or {}
    m = meta.get("metrics") or {}
    lines = [f"# {meta.get('name', 'Model')}", "",
             "This model's card is not covered by its seal (added or changed by hand, or written before PM Screen "
             "sealed cards; after checking it, `pmscreen seal` seals it), so it is not shown: nothing vouches for "
             "its intended use, protocol, figures and limitations." if research_reason(meta) == CARD_NOT_SEALED else
             "This model has no model card: it was not made by `pmscreen finalize`, so its intended use, "
             "protocol and limitations are not recorded.", ""]
    if arch.get("depth"):
        lines += [f"**Network.** ResNet-{arch['depth']}-{meta.get('variant') or 'custom'}.", ""]
    shown = [f"{k} {m[k]:.3f}" for k in ("accuracy", "auc", "sensitivity", "specificity")
             if isinstance(m.get(k), (int, float))]
    if shown:
        lines += [f"**Best validation metrics** (chosen on the same validation images, so optimistic). "
                  f"{'; '.join(shown)}.", ""]
    lines += [f"**Decision threshold.** {float(meta.get('threshold', 0.5)):.4f}.", ""]
    return "\n".join(lines)


def model_card_markdown(meta: dict) -> str:
    card = meta["card"]
    cal = meta["calibration"]
    lines = [f"# Model card: {meta['name']}", "", f"**Intended use.** {card['intended_use']}", ""]
    lines += [f"**Protocol.** {card['protocol']}.", ""] if "protocol" in card else []
    lines += [f"**Training data.** {card['training_data']}.", "", f"**Recipe.** {card['recipe']}.", ""]
    lines += [f"**Members.** {card['members']}.", ""] if "members" in card else []
    lines += [f"**{card.get('metrics_title', 'Validation metrics')}.** {card['metrics']}.", "",
             f"**Decision threshold.** {meta['threshold']:.4f} ({meta['threshold_rule']}).", "",
             f"**Calibration.** {cal['method']}: T = {cal['temperature']:.3f}; expected calibration error "
             f"{cal['ece_before']:.4f} before, {cal['ece_after']:.4f} after ({cal['ece_bins']} bins).", "",
             "**Known limitations.**", ""]
    lines += [f"- {x}" for x in card["limitations"]]
    if "members" in meta:
        lines += ["", "Weights: " + "; ".join(f"{m['name']} {m['weights']['file']} ({m['weights']['dtype']} "
                                              f"safetensors, SHA-256 {m['weights']['sha256']})"
                                              for m in meta["members"])
                  + f"; Paddle {meta['paddle_version']}; created {meta['created']}.", ""]
        return "\n".join(lines)
    weights = meta["weights"]
    lines += ["", f"Weights: {weights.get('dtype', 'float32')} safetensors, SHA-256 {weights['sha256']}; "
                  f"Paddle {meta['paddle_version']}; created {meta['created']}.", ""]
    return "\n".join(lines)
