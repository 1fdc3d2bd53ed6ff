"""Image-quality gate: is this a gradable colour fundus photograph?

A gradable photograph shows a bright, roughly circular field of view (FOV) on a dark background, is neither too
dark nor over-exposed, is in colour, is not noisy, and is sharp. Every measure is taken on the image scaled so that
its long side is ``QUALITY_SIZE`` pixels, so the thresholds do not depend on the camera's resolution. The thresholds are
the named constants below; docs/quality.md explains each one and how it was chosen (every real PALM image
passes with a margin).

Checks run in a fixed order and the first failure is the reason: too dark, over-exposed, not a colour photograph,
no circular field of view on a dark background, noisy, blurred.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

QUALITY_SIZE = 224  # long side (px) of the image the measures are taken on

# Field of view: pixels clearly brighter than the corners, whose convex hull must be a circle (cut by the frame).
CORNER_FRACTION = 0.06  # side of each of the four corner squares that give the background level, share of short side
FOV_MARGIN = 4.0  # a pixel is in the FOV when its smoothed brightest channel exceeds the background level by more
MAX_BACKGROUND_LEVEL = 40.0  # median brightest channel (0-255) of the corners: above it, no dark background
MIN_FOV_FRACTION = 0.30  # FOV area / image area
MIN_BACKGROUND_FRACTION = 0.02  # dark area outside the FOV / image area
MIN_CIRCLE_COVERAGE = 0.85  # FOV area / area of the fitted circle inside the frame
MAX_CIRCLE_RESIDUAL = 0.04  # RMS distance of the FOV outline from the fitted circle, share of its radius

# Exposure, measured on the luminance (0-255) inside the FOV.
MIN_BRIGHTNESS = 15.0  # mean luminance
MAX_BRIGHTNESS = 170.0  # mean luminance
MAX_CLIPPED_FRACTION = 0.20  # share of FOV pixels with luminance >= 250

# Colour: median HSV saturation (0-255) inside the FOV; grey pictures and documents are near 0.
MIN_SATURATION = 40.0

# Sharpness. The FOV rim is a step edge whose width measures blur independently of the retina's content;
# the fine detail of the retina (vessels, nerve fibre texture) is a second, looser measure.
MAX_EDGE_BLUR = 1.5  # Gaussian sigma (px at QUALITY_SIZE) of the FOV rim, median over radial profiles
MIN_EDGE_PROFILES = 8  # fewer usable radial profiles than this: rim blur not measured
MIN_DETAIL = 0.012  # std of (green - Gaussian(green, sigma 1 px)) / mean green, inside the FOV away from its rim

# Noise. The model was trained on clean photographs: noise of sigma 4 (0-255) in each channel already turns a tenth
# of its PM verdicts into "not PM", dithering to a palette almost all (bench/noise_gate.py, docs/quality.md).
MAX_NOISE = 1.5  # sigma (0-255 units) of the finest-scale signal the three channels do not share, inside the FOV
MAX_IMPULSES = 0.01  # share of FOV pixels that answer like a lone black or white speck (salt-and-pepper)
MAX_GRAIN = 3.0  # noise the channels share: sigma of the finest-scale signal in the quietest tenth of the FOV
# Noise along one colour (chroma noise: a camera's or a converter's Cr or Cb, red against green) moves the channels
# together, so ``noise`` misses it, and the channels' mean barely holds it. Off the grey axis, a real photograph's
# quiet places hold almost nothing (PALM: at most 0.60 in any zone); Cr noise of sigma 4, which costs the model
# 0.07 of its sensitivity, measures 3.2 or more.
# Taken zone by zone (rings, the rim, half discs: ``zones``; the largest counts), because noise in a band along the
# rim or in one half of the field harms as much and leaves the field's quietest tenth clean: Cr noise of sigma 10
# in a 15 px band at the rim turns 0.98 of sensitivity into 0.64 and measures 4.8 or more; PALM: at most 0.60.
MAX_COLOUR_GRAIN = 2.0  # sigma of the finest-scale signal off the grey axis in the quietest tenth of any zone
# Colour noise smoothed over a pixel or two slips under the finest scale; a second look at half the size sees it
# (Cr noise of sigma 14 blurred by 1 px costs 0.04 of sensitivity and measures 1.29 or more; PALM at most 0.64).
MAX_COARSE_COLOUR_GRAIN = 1.2  # the same off the grey axis at half the size, in the quietest tenth of the FOV
# Stripes: an offset per row plus one per column (a scanner's or a sensor's banding, a converter's) is exactly what
# the measures above cannot see (their mask answers nothing to a(y) + b(x)), and it harms: Cr stripes of sigma 8
# turned 35 of 53 PM verdicts into "not PM" (hostile round). Averaged along each row inside the FOV, the second
# difference across rows keeps a row's offset whole while the retina's texture averages out (columns the same way).
MAX_BANDING = 2.0  # sigma (0-255) of the rows' (or columns') offsets in any channel; PALM 0.20-1.33

REASONS = {
    "dark": "too dark",
    "overexposed": "over-exposed",
    "no_colour": "not a colour photograph",
    "no_fov": "no circular field of view on a dark background",
    "blurred": "blurred",
    "noisy": "noisy",
}


@dataclass(frozen=True)
class QualityResult:
    ok: bool
    code: str | None = None  # one of REASONS' keys when not ok
    reason: str | None = None  # one line for people, with the measure and its limit
    measures: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "ok" if self.ok else REASONS[self.code]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "code": self.code, "reason": self.reason, "measures": self.measures}


def normalise(rgb: np.ndarray, size: int = QUALITY_SIZE) -> np.ndarray:
    """``rgb`` scaled (aspect kept) so that its long side is ``size``."""
    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    if scale == 1:
        return rgb
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)


@dataclass
class _Fov:
    mask: np.ndarray  # uint8 0/1, the convex hull of the bright region
    cx: float = 0.0
    cy: float = 0.0
    r: float = 0.0
    coverage: float = 0.0
    residual: float = 1.0


def _background_level(v: np.ndarray) -> float:
    h, w = v.shape
    k = max(2, round(CORNER_FRACTION * min(h, w)))
    corners = np.concatenate([v[:k, :k].ravel(), v[:k, -k:].ravel(), v[-k:, :k].ravel(), v[-k:, -k:].ravel()])
    return float(np.median(corners))


def _find_fov(v_smooth: np.ndarray, background: float) -> _Fov | None:
    h, w = v_smooth.shape
    bright = (v_smooth > background + FOV_MARGIN).astype(np.uint8)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    # The convex hull also takes in dark parts of the retina that touch the rim (shadows, heavy pigment).
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    mask = np.zeros_like(bright)
    cv2.drawContours(mask, [hull], -1, 1, -1)
    fov = _Fov(mask)
    outline, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    pts = max(outline, key=len)[:, 0, :].astype(np.float64)
    inside = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
    pts = pts[inside]  # where the frame cuts the circle, the outline is the frame's, not the circle's
    if len(pts) < 20:
        return fov
    # Least-squares circle: x^2 + y^2 = 2 cx x + 2 cy y + c
    a = np.c_[2 * pts[:, 0], 2 * pts[:, 1], np.ones(len(pts))]
    cx, cy, c = np.linalg.lstsq(a, (pts**2).sum(axis=1), rcond=None)[0]
    r = float(np.sqrt(max(c + cx * cx + cy * cy, 1e-9)))
    fov.cx, fov.cy, fov.r = float(cx), float(cy), r
    fov.residual = float(np.sqrt(np.mean((np.hypot(pts[:, 0] - cx, pts[:, 1] - cy) - r) ** 2)) / r)
    if r > 4 * max(h, w):
        return fov  # a straight outline fits a huge circle: not round
    disc = np.zeros_like(mask)
    cv2.circle(disc, (round(cx * 16), round(cy * 16)), round(r * 16), 1, -1, shift=4)
    fov.coverage = float(mask.sum() / max(1, disc.sum()))
    return fov


def _edge_blur(v: np.ndarray, fov: _Fov) -> tuple[float | None, int]:
    """Gaussian sigma of the FOV rim from radial profiles: a blurred step of height H has slope H/(sigma*sqrt(2pi))."""
    h, w = v.shape
    d = np.arange(-12.0, 12.01, 0.5)
    theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    xs = (fov.cx + np.outer(np.cos(theta), fov.r + d)).astype(np.float32)
    ys = (fov.cy + np.outer(np.sin(theta), fov.r + d)).astype(np.float32)
    inside = (xs.min(1) >= 0) & (xs.max(1) <= w - 1) & (ys.min(1) >= 0) & (ys.max(1) <= h - 1)
    if inside.sum() < MIN_EDGE_PROFILES:
        return None, 0
    profiles = cv2.remap(v.astype(np.float32), xs[inside], ys[inside], cv2.INTER_LINEAR)
    step = profiles[:, d <= -6].mean(axis=1) - profiles[:, d >= 6].mean(axis=1)
    slope = np.abs(np.diff(profiles, axis=1)).max(axis=1) / 0.5
    usable = (step > 8) & (slope > 0)
    n = int(usable.sum())
    if n < MIN_EDGE_PROFILES:
        return None, n
    return float(np.median(step[usable] / (slope[usable] * np.sqrt(2 * np.pi)))), n


def _measure_fov(img: np.ndarray, smooth=lambda v: cv2.blur(v, (5, 5))) -> tuple[np.ndarray, float, _Fov | None]:
    """The brightest channel of a normalised image, its background level, and its field of view (None on a
    background too bright to have one), found on the brightest channel as ``smooth`` returns it."""
    v = img.max(axis=2)
    v_smooth = smooth(v)
    background = _background_level(v_smooth)
    fov = _find_fov(v_smooth, background) if background <= MAX_BACKGROUND_LEVEL else None
    return v, background, fov


def field_of_view(rgb: np.ndarray, shape: tuple[int, int] | None = None) -> np.ndarray | None:
    """The field of view of a fundus photograph as a float32 mask of ``shape`` (H, W; default: the image's), each
    value the share of that cell inside the field; None when the picture has no field on a dark surround (the
    gate's field-of-view checks, roundness aside: a slightly squashed network input still has its field)."""
    _, _, fov = _measure_fov(normalise(rgb))
    share = float(fov.mask.mean()) if fov is not None else 0.0
    if share < MIN_FOV_FRACTION or 1 - share < MIN_BACKGROUND_FRACTION:
        return None
    h, w = shape or rgb.shape[:2]
    mh, mw = fov.mask.shape
    interp = cv2.INTER_AREA if h <= mh and w <= mw else cv2.INTER_LINEAR
    return np.clip(cv2.resize(fov.mask.astype(np.float32), (w, h), interpolation=interp), 0.0, 1.0)


# Immerkaer's mask: the difference of two Laplacians, blind to flat and sloped areas and weak on edges; its
# response to white noise of sigma s has standard deviation 6 s.
_NOISE_MASK = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
IMPULSE_RESPONSE = 300.0  # |mask response| (0-255 units) of a lone black or white pixel; no real detail reaches it


def _responses(img: np.ndarray) -> np.ndarray:
    """The mask's response (float32, H x W x 3) of each channel."""
    return np.stack([cv2.filter2D(img[..., c].astype(np.float32), -1, _NOISE_MASK) for c in range(3)], -1)


def _quiet_sigma(energy: np.ndarray, region: np.ndarray, parts: list[np.ndarray] | None = None) -> float:
    """The sigma (0-255 units) of a mask response whose per-pixel ``energy`` (squared response) is given, in the
    quietest tenth of 7x7 patches of ``region``; with ``parts`` (boolean masks), the largest such sigma over the
    parts. A retina has quiet places (the macula, the background between vessels) where its texture gives
    little; grain is everywhere it was added."""
    inside = cv2.erode(region.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    patches = cv2.blur(energy, (7, 7))
    levels = [0.0]
    for zone in parts if parts is not None else [inside]:
        part = patches[inside & zone]
        if part.size >= 100:
            # the box filter's rounding leaves -1e-7 where the response is flat: NaN skipped the check
            levels.append(float(np.sqrt(max(float(np.percentile(part, 10)), 0.0)) / 6.0))
    return max(levels)


def _off_grey(response: np.ndarray) -> np.ndarray:
    """Per-pixel energy of the response's part that differs between channels (off the grey axis, in any colour
    direction), scaled so that noise independent in each channel gives its sigma."""
    r, g, b = response[..., 0], response[..., 1], response[..., 2]  # channel planes: a mean over the last
    total = r + g + b  # axis is several times slower than this sum of squares less the squared sum's share
    return np.maximum(r * r + g * g + b * b - total * total / 3.0, 0.0) / 2.0


def zones(shape: tuple[int, int], cx: float, cy: float, r: float) -> list[np.ndarray]:
    """Parts of a field of view centred at (cx, cy) with radius r, as boolean masks of ``shape``: three rings of
    equal area, the rim (the outer tenth of the radius) and four half discs (left, right, top, bottom)."""
    dx = np.arange(shape[1], dtype=np.float32)[None, :] - cx
    dy = np.arange(shape[0], dtype=np.float32)[:, None] - cy
    rr = (dx * dx + dy * dy) / max(r * r, 1e-9)
    halves = [np.broadcast_to(half, shape) for half in (dx < 0, dx >= 0, dy < 0, dy >= 0)]
    return [rr < 1 / 3, (rr >= 1 / 3) & (rr < 2 / 3), rr >= 2 / 3, rr >= 0.81, *halves]


def grain_levels(response: np.ndarray, region: np.ndarray,
                 parts: list[np.ndarray] | None = None) -> tuple[float, float]:
    """(grain, colour grain) from the channels' mask ``response`` (``_responses``). Grain: noise the three
    channels share, in their mean, over the whole ``region``. Colour grain: noise off the grey axis, the largest
    over the ``parts`` of the region (``zones``) when given."""
    mean = (response[..., 0] + response[..., 1] + response[..., 2]) / 3.0
    return _quiet_sigma(mean * mean, region), _quiet_sigma(_off_grey(response), region, parts)


def coarse_colour_grain(img: np.ndarray, region: np.ndarray) -> float:
    """Colour grain of ``img`` at half its size (area averaging) inside ``region``: noise smoothed over a pixel
    or two, which the finest scale hardly sees."""
    h, w = region.shape
    half = cv2.resize(img, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    inside = cv2.resize(region.astype(np.uint8), half.shape[1::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
    return _quiet_sigma(_off_grey(_responses(half)), inside)


_SECOND_DIFFERENCE = np.array([1, -2, 1], np.float32)


def banding(img: np.ndarray, region: np.ndarray) -> float:
    """Stripes: the spread (sigma, 0-255 units, from the median and the 90th percentile of the deviations from
    the median) of the per-row mean, inside ``region``, of each channel's second difference across rows, and the
    same for columns; the largest over channels and the two directions. Offsets of sigma s per row give 6 s^2 of
    variance in the second difference (scaled out here). Each row is also averaged in two halves, split at the
    field's centre: lines whose sign changes there cancel along a whole row (Cr lines of 30 every 8 rows and
    columns, so drawn, turned 48 of 53 PM verdicts into "not PM" and measured as clean as the photograph). A half
    row averages half the pixels, so texture reads about sqrt(2) higher there (PALM: 1.45x the whole rows'
    figure, median); the halves' figure is divided by sqrt(2) before it counts."""
    levels = [0.0]
    centre = [int(round(np.nonzero(region.any(axis=a))[0].mean())) for a in (0, 1)]  # column, row of the middle
    for across in (0, 1):  # 0: down the columns (rows' offsets), averaged along each row; 1: the other way
        along = 1 - across
        counts = [h.sum(axis=along) for h in np.split(region, [centre[across]], axis=along)]
        kernel = _SECOND_DIFFERENCE.reshape((3, 1) if across == 0 else (1, 3))
        for c in range(3):
            diff = np.where(region, cv2.filter2D(img[..., c].astype(np.float32), -1, kernel), 0)
            sums = [d.sum(axis=along) for d in np.split(diff, [centre[across]], axis=along)]
            levels.append(_spread(sums[0] + sums[1], counts[0] + counts[1]))
            levels.extend(_spread(total, n) / np.sqrt(2) for total, n in zip(sums, counts))
    return max(levels)


def _spread(sums: np.ndarray, counts: np.ndarray) -> float:
    """Banding's sigma of one direction: the mean second difference of each row (or column) with 20 or more
    pixels of the field, its deviations from their median, scaled to the rows' offsets."""
    kept = counts >= 20
    if kept.sum() < 20:
        return 0.0
    profile = sums[kept] / counts[kept]
    # Two estimates of sigma, the larger counts. The median deviation (0.674 sigma for Gaussian offsets) reads
    # sharp lines every 8-12 rows as clean (they touch a quarter of the rows; they turned 47 of 53 PM verdicts
    # into "not PM"); the 90th percentile (1.645 sigma) sees them, and still lets the tenth of rows a vessel runs
    # along pass, but reads a sine's offsets 40 % low (period 10-12 passed).
    deviation = np.sort(np.abs(profile - _quantile(np.sort(profile), 0.5)))
    return float(max(1.4826 * _quantile(deviation, 0.5), _quantile(deviation, 0.9) / 1.645) / np.sqrt(6))


def _quantile(ordered: np.ndarray, q: float) -> float:
    """np.percentile's linear interpolation on an array already sorted: banding takes 18 spreads an image, and
    np.median and np.percentile cost it 2 ms of them."""
    at = q * (len(ordered) - 1)
    low = int(at)
    return float(ordered[low] + (ordered[min(low + 1, len(ordered) - 1)] - ordered[low]) * (at - low))


def noise_measures(response: np.ndarray, region: np.ndarray) -> tuple[float, float]:
    """(noise, impulses) from the channels' mask ``response`` (``_responses``) inside ``region``. Noise: the
    sigma (0-255 units) of what the three channels do not share at the finest scale, the smallest spread of
    the mask's response over any mix of the channels. Retinal texture moves the channels together (a vessel
    darkens all three), so a real photograph scores well under 1; noise that is independent in each channel
    (sensor noise, dithering to a palette) adds its sigma whatever the texture. Impulses: the share of pixels
    with a lone-pixel response."""
    inside = response[region].astype(np.float64)
    smallest = np.linalg.eigvalsh(np.cov(inside.T))[0]
    impulses = float((np.abs(inside) >= IMPULSE_RESPONSE).any(axis=1).mean())
    return float(np.sqrt(max(smallest, 0.0)) / 6.0), impulses


def _round(fov: _Fov) -> bool:
    return fov.coverage >= MIN_CIRCLE_COVERAGE and fov.residual <= MAX_CIRCLE_RESIDUAL


def _no_fov(img: np.ndarray, detail: str, m: dict) -> QualityResult:
    """"No field of view", unless stripes drawn over the whole frame (the black surround too) are what hid it:
    then "noisy (banding …)", the reason the image is refused, as for stripes inside the field alone. Only the
    reason changes: the image is refused either way."""
    striped = _banding_of_hidden_fov(img)
    if striped is not None and striped > MAX_BANDING:
        m["banding"] = round(striped, 3)
        return _fail("noisy", f"banding {_over(striped, MAX_BANDING)} > {MAX_BANDING}", m)
    return _fail("no_fov", detail, m)


def _banding_of_hidden_fov(img: np.ndarray) -> float | None:
    """Banding inside the field of view found after a 5x5 median filter, which erases lines a pixel or two wide
    (the box filter of _measure_fov spreads them over the surround); None when there is no such field either."""
    _, _, fov = _measure_fov(img, lambda v: cv2.medianBlur(v, 5))
    if fov is None or not MIN_FOV_FRACTION <= fov.mask.mean() <= 1 - MIN_BACKGROUND_FRACTION or not _round(fov):
        return None
    inner = _inner(fov)
    return banding(img, inner) if inner.sum() > 100 else None


def _inner(fov: _Fov) -> np.ndarray:
    """The field of view less its rim, where the texture measures are taken."""
    return cv2.erode(fov.mask, np.ones((9, 9), np.uint8)).astype(bool)


def _over(value: float, limit: float) -> str:
    """``value`` (above ``limit``) with one decimal, or as many as it takes not to read as the limit itself."""
    for digits in (1, 2, 3):
        if round(value, digits) != round(limit, digits):
            break
    return f"{value:.{digits}f}"


def _fail(code: str, detail: str, measures: dict) -> QualityResult:
    return QualityResult(False, code, f"{REASONS[code]} ({detail})", measures)


def assess(rgb: np.ndarray) -> QualityResult:
    """Judge an RGB uint8 image (any size) as a colour fundus photograph."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or min(rgb.shape[:2]) < 8:
        raise ValueError(f"an RGB uint8 image of at least 8x8 pixels is needed, got {rgb.shape} {rgb.dtype}")
    img = normalise(rgb)
    v, background, fov = _measure_fov(img)
    fov_fraction = float(fov.mask.mean()) if fov is not None else 0.0
    region = fov.mask.astype(bool) if fov is not None and fov_fraction >= 0.5 * MIN_FOV_FRACTION else None
    if region is None:  # no field of view to speak of: exposure and colour of the whole picture
        region = np.ones(v.shape, bool)
    luma = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    sat = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)[..., 1]
    m: dict = {
        "brightness": round(float(luma[region].mean()), 2),
        "clipped": round(float((luma[region] >= 250).mean()), 4),
        "saturation": float(np.median(sat[region])),
        "background": background,
        "fov_fraction": round(fov_fraction, 4),
        "circle_coverage": round(fov.coverage, 4) if fov is not None else 0.0,
        "circle_residual": round(fov.residual, 4) if fov is not None else 1.0,
        "edge_blur": None,
        "detail": None,
        "noise": None,
        "impulses": None,
        "grain": None,
        "colour_grain": None,
        "coarse_colour_grain": None,
        "banding": None,
    }
    if m["brightness"] < MIN_BRIGHTNESS:
        return _fail("dark", f"mean brightness {m['brightness']:.0f} < {MIN_BRIGHTNESS:.0f}", m)
    if m["brightness"] > MAX_BRIGHTNESS:
        return _fail("overexposed", f"mean brightness {m['brightness']:.0f} > {MAX_BRIGHTNESS:.0f}", m)
    if m["clipped"] > MAX_CLIPPED_FRACTION:
        return _fail("overexposed", f"{m['clipped']:.0%} of the field is white", m)
    if m["saturation"] < MIN_SATURATION:
        return _fail("no_colour", f"colour saturation {m['saturation']:.0f} < {MIN_SATURATION:.0f}", m)
    if background > MAX_BACKGROUND_LEVEL:
        return _no_fov(img, f"background level {background:.0f} > {MAX_BACKGROUND_LEVEL:.0f}", m)
    if fov is None or fov_fraction < MIN_FOV_FRACTION:
        return _no_fov(img, f"bright area {fov_fraction:.0%} of the image < {MIN_FOV_FRACTION:.0%}", m)
    if 1 - fov_fraction < MIN_BACKGROUND_FRACTION:
        return _no_fov(img, "no dark surround", m)
    if not _round(fov):
        return _no_fov(img, f"outline not round: coverage {m['circle_coverage']:.2f}, "
                            f"deviation {m['circle_residual']:.3f}", m)
    edge, profiles = _edge_blur(v, fov)
    m["edge_blur"] = None if edge is None else round(edge, 3)
    m["edge_profiles"] = profiles
    inner = _inner(fov)
    green = img[..., 1].astype(np.float32)
    fine = green - cv2.GaussianBlur(green, (0, 0), 1.0)
    if inner.sum() > 100:
        m["detail"] = round(float(fine[inner].std() / max(1.0, green[inner].mean())), 5)
        response = _responses(img)
        noise, impulses = noise_measures(response, inner)
        grain, colour_grain = grain_levels(response, inner, zones(inner.shape, fov.cx, fov.cy, fov.r))
        m["noise"], m["impulses"] = round(noise, 3), round(impulses, 5)
        m["grain"], m["colour_grain"] = round(grain, 3), round(colour_grain, 3)
        m["coarse_colour_grain"] = round(coarse_colour_grain(img, inner), 3)
        m["banding"] = round(banding(img, inner), 3)
    if m["noise"] is not None and m["noise"] > MAX_NOISE:
        return _fail("noisy", f"pixel noise {_over(m['noise'], MAX_NOISE)} > {MAX_NOISE}", m)
    if m["impulses"] is not None and m["impulses"] > MAX_IMPULSES:
        return _fail("noisy", f"{m['impulses']:.1%} of the field are specks > {MAX_IMPULSES:.0%}", m)
    for key, label, limit in (("grain", "grain", MAX_GRAIN), ("colour_grain", "colour grain", MAX_COLOUR_GRAIN),
                              ("coarse_colour_grain", "coarse colour grain", MAX_COARSE_COLOUR_GRAIN),
                              ("banding", "banding", MAX_BANDING)):
        if m[key] is not None and m[key] > limit:
            return _fail("noisy", f"{label} {_over(m[key], limit)} > {limit}", m)
    if edge is not None and edge > MAX_EDGE_BLUR:
        return _fail("blurred", f"rim blur {edge:.1f} px > {MAX_EDGE_BLUR} px", m)
    if m["detail"] is not None and m["detail"] < MIN_DETAIL:
        return _fail("blurred", f"fine detail {m['detail']:.4f} < {MIN_DETAIL}", m)
    return QualityResult(True, measures=m)
