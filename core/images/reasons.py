"""Why a file has no verdict, as a code with parameters: the engine's one-line English reasons (an unreadable file,
the quality gate's measure) in a form a user interface can put into its own language.

The engine keeps writing its reasons in English (the CLI, the reports and the audit log show them as they are);
``parse`` turns such a line back into ``Reason(code, params)`` with the templates below, which are the exact
wording of ``core.images.imageio``, ``core.images.dicom``, ``core.screening.inference`` and ``core.images.quality``
(tests check that each
message they produce parses). ``english`` gives the line again. A line no template matches has the code
``"other"`` and the line itself as ``params["text"]``. Templates with ``{detail}`` keep the engine's words in
brackets (an OpenCV or pydicom message, a size) as a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Unreadable files (Prediction.error, ImageError.problem).
ERRORS = {
    "empty": "the file is empty (0 bytes)",
    "truncated": "the file is truncated (incomplete image data)",
    "not_image": "not a readable image ({detail})",
    "corrupt_png": "corrupt PNG data ({detail})",
    "not_found": "file not found",
    "missing_link": "a link to a missing file",
    "is_folder": "is a folder, not an image file",
    "not_regular": "not a regular file ({detail})",
    "not_regular_unopened": "not a regular file ({detail}); not opened",
    "os_error": "cannot be read ({detail})",
    "too_small": "the image is too small to judge ({detail})",
    "file_too_large": "the file is too large ({detail})",
    "too_large": "{what} is too large ({detail})",
    "no_images": "folder holds no JPEG, PNG, TIFF, BMP or DICOM images",
    "unusable": "cannot be used ({detail})",
    "dicom_missing": "DICOM support is not installed (install the extra: pip install 'pmscreen[dicom]', i.e. pydicom)",
    "dicom_unreadable": "not a readable DICOM file ({detail})",
    "dicom_no_pixels": "DICOM file without pixel data (not an image)",
    "dicom_pixels_unreadable": "DICOM pixel data cannot be read ({detail})",
    "dicom_undecodable": "DICOM pixel data cannot be decoded ({detail})",
    "dicom_not_2d": "DICOM pixel data is not a 2-D image",
    "copy": "the same image as {name} (identical bytes)",  # core.data.checks: readable, but a copy
}

# What often stands in the brackets of the reasons above (translated by a user interface when it knows them).
DETAILS = ("unknown format or corrupt data", "unknown format: JPEG, PNG, TIFF, BMP or DICOM expected",
           "no picture size in its header")

# The measure behind a quality verdict: the part in brackets of QualityResult.reason.
MEASURES = {
    "brightness_low": "mean brightness {value} < {limit}",
    "brightness_high": "mean brightness {value} > {limit}",
    "clipped": "{value} of the field is white",
    "saturation": "colour saturation {value} < {limit}",
    "background": "background level {value} > {limit}",
    "bright_area": "bright area {value} of the image < {limit}",
    "no_surround": "no dark surround",
    "not_round": "outline not round: coverage {coverage}, deviation {deviation}",
    "rim_blur": "rim blur {value} px > {limit} px",
    "fine_detail": "fine detail {value} < {limit}",
    "noise": "pixel noise {value} > {limit}",
    "grain": "grain {value} > {limit}",
    "colour_grain": "colour grain {value} > {limit}",
    "coarse_colour_grain": "coarse colour grain {value} > {limit}",
    "banding": "banding {value} > {limit}",
    "specks": "{value} of the field are specks > {limit}",
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(rf"^{rx}$", re.DOTALL)


_ERRORS = [(code, _pattern(t)) for code, t in ERRORS.items()]
_MEASURES = [(code, _pattern(t)) for code, t in MEASURES.items()]


def _parse(text: str, table) -> Reason:
    for code, rx in table:
        m = rx.match(text)
        if m:
            return Reason(code, m.groupdict())
    return Reason("other", {"text": text})


def parse(error: str) -> Reason:
    """The code and parameters of an unreadable file's reason (``Prediction.error``)."""
    return _parse(error or "", _ERRORS)


def parse_measure(quality) -> Reason:
    """The code and parameters of the measure behind a failed ``core.images.quality.QualityResult`` (its reason is
    "<label> (<measure>)")."""
    reason = quality.reason or ""
    m = re.match(r"^.*? \((.*)\)$", reason, re.DOTALL)
    return _parse(m.group(1) if m else "", _MEASURES) if m else Reason("none")


def english(reason: Reason, table: dict | None = None) -> str:
    """The English line of ``reason`` again (ERRORS, or MEASURES for a quality measure)."""
    if reason.code == "other":
        return reason.params.get("text", "")
    template = (table or (ERRORS if reason.code in ERRORS else MEASURES)).get(reason.code, "")
    return template.format(**reason.params)
