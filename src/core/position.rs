//! Where a tooltip goes, computed over plain rectangles in viewport coordinates (the DOM layer
//! measures, this decides): the 12 placements with an offset, `flip` to the side with room,
//! `shift` to stay inside the viewport, the arrow's position so it keeps pointing at the target,
//! hiding when the target is scrolled or clipped away, and start/end that follow the reading
//! direction. Also the overlay's cut-out path. Coordinates are rounded to whole CSS pixels.

use crate::core::spec::types::Placement;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// The overlap of two rectangles; `None` when they do not overlap (touching is not overlap).
    pub fn intersect(&self, o: &Rect) -> Option<Rect> {
        let x = self.x.max(o.x);
        let y = self.y.max(o.y);
        let r = self.right().min(o.right());
        let b = self.bottom().min(o.bottom());
        (r > x && b > y).then(|| Rect::new(x, y, r - x, b - y))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

impl Side {
    fn opposite(self) -> Side {
        match self {
            Side::Top => Side::Bottom,
            Side::Bottom => Side::Top,
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
    fn vertical(self) -> bool {
        matches!(self, Side::Top | Side::Bottom)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Top => "top",
            Side::Bottom => "bottom",
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Center,
    /// Physical: the left edge for top/bottom, the top edge for left/right.
    Begin,
    End,
}

/// Splits a placement into a side and a physical alignment. `start`/`end` follow the reading
/// direction on the horizontal axis, so they swap on right-to-left pages.
pub fn resolve(p: Placement, rtl: bool) -> (Side, Align) {
    use Placement::*;
    let (side, logical) = match p {
        Top => (Side::Top, 0),
        TopStart => (Side::Top, 1),
        TopEnd => (Side::Top, 2),
        Bottom => (Side::Bottom, 0),
        BottomStart => (Side::Bottom, 1),
        BottomEnd => (Side::Bottom, 2),
        Left => (Side::Left, 0),
        LeftStart => (Side::Left, 1),
        LeftEnd => (Side::Left, 2),
        Right => (Side::Right, 0),
        RightStart => (Side::Right, 1),
        RightEnd => (Side::Right, 2),
    };
    let swap = rtl && side.vertical();
    let align = match (logical, swap) {
        (0, _) => Align::Center,
        (1, false) | (2, true) => Align::Begin,
        _ => Align::End,
    };
    (side, align)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// The target's rectangle.
    pub reference: Rect,
    /// The part of the viewport where the target can be seen (the viewport intersected with
    /// every clipping ancestor); the target is hidden when it lies outside.
    pub clip: Rect,
    /// The viewport, where the tooltip must stay.
    pub viewport: Rect,
    /// Tooltip width and height.
    pub size: (f64, f64),
    pub placement: Placement,
    pub offset: f64,
    /// Minimum distance from the viewport's edges.
    pub margin: f64,
    /// Half the arrow's base plus the tooltip's corner radius: how close to a corner the
    /// arrow may go.
    pub arrow_inset: f64,
    pub rtl: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub x: f64,
    pub y: f64,
    /// The side actually used, after flipping.
    pub side: Side,
    /// The arrow's distance from the tooltip's left (top/bottom sides) or top (left/right
    /// sides) edge, pointing at the target's visible centre.
    pub arrow: f64,
    /// The target is scrolled or clipped out of sight: hide the tooltip.
    pub hidden: bool,
}

fn place(side: Side, align: Align, r: &Rect, w: f64, h: f64, off: f64) -> (f64, f64) {
    let cross = |start: f64, len: f64, size: f64| match align {
        Align::Center => start + len / 2.0 - size / 2.0,
        Align::Begin => start,
        Align::End => start + len - size,
    };
    match side {
        Side::Bottom => (cross(r.x, r.w, w), r.bottom() + off),
        Side::Top => (cross(r.x, r.w, w), r.y - off - h),
        Side::Right => (r.right() + off, cross(r.y, r.h, h)),
        Side::Left => (r.x - off - w, cross(r.y, r.h, h)),
    }
}

/// Room on `side` of the reference inside the viewport, minus the offset and margin.
fn room(side: Side, r: &Rect, vp: &Rect, off: f64, margin: f64) -> f64 {
    let space = match side {
        Side::Bottom => vp.bottom() - r.bottom(),
        Side::Top => r.y - vp.y,
        Side::Right => vp.right() - r.right(),
        Side::Left => r.x - vp.x,
    };
    space - off - margin
}

fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if hi < lo {
        lo
    } else {
        v.max(lo).min(hi)
    }
}

/// Computes the tooltip's position.
pub fn compute(q: &Request) -> Position {
    let (w, h) = q.size;
    let visible = q.reference.intersect(&q.clip);
    let hidden = visible.is_none();
    let r = visible.unwrap_or(q.reference);
    let (side, align) = resolve(q.placement, q.rtl);
    let need = |s: Side| if s.vertical() { h } else { w };
    // Flip: the preferred side, then its opposite, then the perpendicular sides; the first with
    // room wins, else the one with the most room.
    let perpendicular = if side.vertical() { [Side::Right, Side::Left] } else { [Side::Bottom, Side::Top] };
    let order = [side, side.opposite(), perpendicular[0], perpendicular[1]];
    let chosen = order.iter().copied().find(|s| room(*s, &r, &q.viewport, q.offset, q.margin) >= need(*s)).unwrap_or_else(|| {
        order.iter().copied().fold(side, |best, s| if room(s, &r, &q.viewport, q.offset, q.margin) > room(best, &r, &q.viewport, q.offset, q.margin) { s } else { best })
    });
    // A perpendicular fallback is centred; the original and opposite keep the alignment.
    let align = if chosen.vertical() == side.vertical() { align } else { Align::Center };
    let (mut x, mut y) = place(chosen, align, &r, w, h, q.offset);
    // Shift: stay inside the viewport, keeping the margin.
    let vp = &q.viewport;
    x = clamp(x, vp.x + q.margin, vp.right() - q.margin - w);
    y = clamp(y, vp.y + q.margin, vp.bottom() - q.margin - h);
    x = x.round();
    y = y.round();
    let arrow = if chosen.vertical() {
        clamp(r.x + r.w / 2.0 - x, q.arrow_inset, w - q.arrow_inset)
    } else {
        clamp(r.y + r.h / 2.0 - y, q.arrow_inset, h - q.arrow_inset)
    };
    Position { x, y, side: chosen, arrow: arrow.round(), hidden }
}

/// Below this, a tooltip limited to the room beside its target would show too little of its
/// text; it then takes the viewport's height and covers the target instead.
pub const MIN_FIT: f64 = 160.0;

/// The height a tooltip of natural size `q.size` may take so that nothing of it is off-screen
/// (its body then scrolls, and its title and buttons stay in view): `None` when it fits as it
/// is on a side `compute` tries (crosswise inside the viewport too). Else the room of the
/// roomier side above or below the target, where it then sits beside the target, when that
/// room is at least `MIN_FIT`; else the viewport's height minus the margins, if it is taller
/// than that (it then covers the target rather than leave the screen).
pub fn fit(q: &Request) -> Option<f64> {
    let (w, h) = q.size;
    let r = q.reference.intersect(&q.clip).unwrap_or(q.reference);
    let vp = &q.viewport;
    let most = vp.h - 2.0 * q.margin;
    let fits = |s: Side| {
        let (need, cross, span) = if s.vertical() { (h, w, vp.w) } else { (w, h, vp.h) };
        room(s, &r, vp, q.offset, q.margin) >= need && cross <= span - 2.0 * q.margin
    };
    if h <= most && [Side::Bottom, Side::Top, Side::Right, Side::Left].into_iter().any(fits) {
        return None;
    }
    let beside = room(Side::Bottom, &r, vp, q.offset, q.margin).max(room(Side::Top, &r, vp, q.offset, q.margin)).floor();
    if beside >= MIN_FIT && beside < h {
        return Some(beside);
    }
    (h > most).then(|| most.floor().max(0.0))
}

/// The height a centred card may take: the viewport's minus the margins, when it is taller.
pub fn fit_centered(viewport: &Rect, h: f64, margin: f64) -> Option<f64> {
    let most = (viewport.h - 2.0 * margin).floor().max(0.0);
    (h > most).then_some(most)
}

/// The tooltip for a step without a target (or shown centred): the middle of the viewport.
pub fn center(viewport: &Rect, size: (f64, f64)) -> (f64, f64) {
    ((viewport.x + (viewport.w - size.0) / 2.0).max(viewport.x).round(), (viewport.y + (viewport.h - size.1) / 2.0).max(viewport.y).round())
}

/// The overlay: a dimmed area with a rounded hole around the target (an SVG path, even-odd
/// fill), drawn so that it can move without being redrawn. `d` is drawn around an origin at the
/// hole's top-left corner, and `at` is where that origin goes in the viewport (a CSS
/// translation of the overlay). While the page scrolls only `at` changes, so the browser moves
/// the overlay's layer instead of repainting a viewport-sized path every frame (that repaint
/// was about half of the main thread's time per scroll event). The hole is the target clipped
/// to the viewport, so its corner is never more than a viewport's width or height off screen;
/// the dimmed square reaches twice the viewport's larger side past the origin in every
/// direction, so it covers the viewport wherever the hole is. Integer coordinates keep float formatting out of
/// the wasm.
#[derive(Clone, Debug, PartialEq)]
pub struct Cutout {
    pub at: (i64, i64),
    pub d: String,
}

pub fn cutout(viewport: &Rect, hole: Option<&Rect>, padding: f64, radius: f64) -> Cutout {
    let i = |v: f64| v.round() as i64;
    let e = i(2.0 * viewport.w.max(viewport.h));
    // Written with json::write_int, not format!: the layout computes this in every frame.
    let put = |d: &mut String, s: &str, n: i64| {
        d.push_str(s);
        crate::core::json::write_int(d, n);
    };
    let mut d = String::with_capacity(128);
    for (s, n) in [("M", -e), (" ", -e), ("H", e), ("V", e), ("H", -e)] {
        put(&mut d, s, n);
    }
    d.push('Z');
    let Some(t) = hole else {
        return Cutout { at: (0, 0), d };
    };
    let at = (i(t.x), i(t.y));
    let (x, y) = (t.x - at.0 as f64 - padding, t.y - at.1 as f64 - padding);
    let (w, h) = (t.w + 2.0 * padding, t.h + 2.0 * padding);
    let r = radius.min(w / 2.0).min(h / 2.0).max(0.0);
    let (x, y, w, h, r) = (i(x), i(y), i(w), i(h), i(r));
    // M x+r y  H x+w-r  A r r 0 0 1 x+w y+r  V y+h-r  A … x+w-r y+h  H x+r  A … x y+h-r  V y+r  A … x+r y  Z
    put(&mut d, "M", x + r);
    put(&mut d, " ", y);
    put(&mut d, "H", x + w - r);
    let arc = |d: &mut String, px: i64, py: i64| {
        put(d, "A", r);
        put(d, " ", r);
        put(d, " 0 0 1 ", px);
        put(d, " ", py);
    };
    arc(&mut d, x + w, y + r);
    put(&mut d, "V", y + h - r);
    arc(&mut d, x + w - r, y + h);
    put(&mut d, "H", x + r);
    arc(&mut d, x, y + h - r);
    put(&mut d, "V", y + r);
    arc(&mut d, x + r, y);
    d.push('Z');
    Cutout { at, d }
}

/// The part of an element's border box `b` that its `clip-path` or `clip` lets be seen, from
/// their computed values (as Chromium, Firefox and WebKit write them): `clip-path: inset(…)`
/// (one to four lengths as in `margin`, any `round` ignored; `rect()` and `xywh()` compute to
/// it), the bounds of `circle()`, `ellipse()` and `polygon()` (positions and radii as lengths,
/// `closest-side`, `farthest-side`), any reference box after the shape taken as the border box;
/// and the legacy `clip: rect(top, right, bottom, left)` (offsets from the box's top left
/// corner, `auto` for its edge). Lengths are px, % of the box, or a `calc()` adding and
/// subtracting those. An empty rectangle when nothing is seen (the visually hidden pattern's
/// `inset(50%)` or `rect(0, 0, 0, 0)`, a menu revealed by animating `inset(0 0 100% 0)`,
/// `circle(0)` or a collapsed polygon); `None` for `none`, `auto` and what is not computed
/// here (`path()`, `url()`, other `calc()`), which count as not clipping. `zoom`: the
/// element's CSS zoom (`currentCSSZoom`), by which its px lengths are scaled to the box's
/// viewport px.
#[inline(never)]
pub fn clip_shape(value: &str, b: Rect, zoom: f64) -> Option<Rect> {
    let v = value.trim();
    let open = v.bytes().position(|c| c == b'(')?;
    let close = v.bytes().rposition(|c| c == b')')?;
    let name = v.get(..open)?;
    let t = tokens(v.get(open + 1..close)?)?;
    let (w, h) = (b.w, b.h);
    let along = |l: (f64, f64), of: f64| l.0 * zoom + l.1 * of;
    let length = |t: &str, of: f64| shape_length(t).map(|l| along(l, of));
    match name {
        "inset" | "rect" => {
            let inset = name == "inset";
            // (`round` and its radii end the lengths.)
            let t = t.get(..t.iter().position(|x| *x == "round").unwrap_or(t.len()))?;
            // Each length: px and a fraction of the box; NaN for `auto` (the box's edge, in `rect`).
            let mut n = [(0.0_f64, 0.0_f64); 4];
            if t.len() > 4 {
                return None;
            }
            for (k, x) in t.iter().enumerate() {
                n[k] = if *x == "auto" && !inset { (f64::NAN, 0.0) } else { shape_length(x)? };
            }
            let [t, r, bo, l] = match (inset, t.len()) {
                (true, 1) => [n[0]; 4],
                (true, 2) => [n[0], n[1], n[0], n[1]],
                (true, 3) => [n[0], n[1], n[2], n[1]],
                (_, 4) => n,
                _ => return None,
            };
            // Top and bottom along the height, right and left along the width.
            let (t, bo, r, l) = (along(t, h), along(bo, h), along(r, w), along(l, w));
            Some(if inset {
                Rect::new(b.x + l, b.y + t, (w - l - r).max(0.0), (h - t - bo).max(0.0))
            } else {
                // `auto`: the box's own edge.
                let or = |v: f64, edge: f64| if v.is_nan() { edge } else { v };
                let (t, l, r, bo) = (or(t, 0.0), or(l, 0.0), or(r, w), or(bo, h));
                Rect::new(b.x + l, b.y + t, (r - l).max(0.0), (bo - t).max(0.0))
            })
        }
        "circle" | "ellipse" => {
            // Radii, then `at` and the centre (the box's centre when not given).
            let k = t.iter().position(|x| *x == "at").unwrap_or(t.len());
            let (cx, cy) = match t.get(k + 1..).unwrap_or_default() {
                [] => (w / 2.0, h / 2.0),
                [x, y] => (length(x, w)?, length(y, h)?),
                _ => return None,
            };
            // The distances from the centre to the box's sides, along each axis: nearest, farthest.
            let (x0, x1) = (cx.abs().min((w - cx).abs()), cx.abs().max((w - cx).abs()));
            let (y0, y1) = (cy.abs().min((h - cy).abs()), cy.abs().max((h - cy).abs()));
            let radius = |t: Option<&&str>, near: f64, far: f64, of: f64| match t.copied() {
                None | Some("closest-side") => Some(near),
                Some("farthest-side") => Some(far),
                Some(x) => length(x, of),
            };
            let radii = &t[..k];
            let (rx, ry) = match (name, radii.len()) {
                // A circle's % is of the box's diagonal over √2.
                ("circle", 0 | 1) => {
                    let r = radius(radii.first(), x0.min(y0), x1.max(y1), (w * w + h * h).sqrt() / core::f64::consts::SQRT_2)?;
                    (r, r)
                }
                ("ellipse", 0 | 2) => (radius(radii.first(), x0, x1, w)?, radius(radii.get(1), y0, y1, h)?),
                _ => return None,
            };
            Some(Rect::new(b.x + cx - rx, b.y + cy - ry, (2.0 * rx).max(0.0), (2.0 * ry).max(0.0)))
        }
        "polygon" => {
            // An optional fill rule, then the points' x and y.
            let p = t.get(usize::from(matches!(t.first(), Some(&"evenodd" | &"nonzero")))..)?;
            if p.is_empty() || p.len() % 2 == 1 {
                return None;
            }
            let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
            for xy in p.chunks(2) {
                let (x, y) = (length(xy[0], w)?, length(xy[1], h)?);
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
            Some(Rect::new(b.x + x0, b.y + y0, x1 - x0, y1 - y0))
        }
        _ => None,
    }
}

/// The parts of a shape's arguments: split at spaces and commas outside parentheses (a
/// `calc()` stays whole). `None` for unbalanced parentheses.
fn tokens(s: &str) -> Option<Vec<&str>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start) = (0_u32, 0);
    for i in 0..=b.len() {
        match b.get(i).copied().unwrap_or(b' ') {
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1)?,
            b' ' | b',' if depth == 0 => {
                if i > start {
                    out.push(s.get(start..i)?);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then_some(out)
}

/// A length in a shape: px, and a fraction of the box along its axis (`%`); from `0`, `Npx`,
/// `N%` or a `calc()` that adds and subtracts those (browsers compute `calc(50% + 4px)`).
fn shape_length(t: &str) -> Option<(f64, f64)> {
    if t == "0" {
        return Some((0.0, 0.0));
    }
    if let Some(p) = t.strip_suffix("%") {
        return Some((0.0, crate::core::float::parse(p)? / 100.0));
    }
    if let Some(inner) = t.strip_prefix("calc(").and_then(|x| x.strip_suffix(")")) {
        let (mut sum, mut sign) = ((0.0, 0.0), 1.0);
        for (k, x) in tokens(inner)?.into_iter().enumerate() {
            // Terms and the signs between them, in turn.
            match (k % 2, x) {
                (1, "+") => sign = 1.0,
                (1, "-") => sign = -1.0,
                (0, x) => {
                    let (px, f) = shape_length(x)?;
                    sum = (sum.0 + sign * px, sum.1 + sign * f);
                }
                _ => return None,
            }
        }
        return Some(sum);
    }
    Some((crate::core::float::parse(t.strip_suffix("px")?)?, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Placement::*;

    const VP: Rect = Rect { x: 0.0, y: 0.0, w: 1000.0, h: 800.0 };

    fn req(reference: Rect, size: (f64, f64), placement: Placement) -> Request {
        Request { reference, clip: VP, viewport: VP, size, placement, offset: 10.0, margin: 8.0, arrow_inset: 14.0, rtl: false }
    }

    #[test]
    fn twelve_placements_table() {
        // Target 100×40 at (450, 380); tooltip 200×80.
        let t = Rect::new(450.0, 380.0, 100.0, 40.0);
        let cases: Vec<(Placement, f64, f64, Side, f64)> = vec![
            (Bottom, 400.0, 430.0, Side::Bottom, 100.0),
            (BottomStart, 450.0, 430.0, Side::Bottom, 50.0),
            (BottomEnd, 350.0, 430.0, Side::Bottom, 150.0),
            (Top, 400.0, 290.0, Side::Top, 100.0),
            (TopStart, 450.0, 290.0, Side::Top, 50.0),
            (TopEnd, 350.0, 290.0, Side::Top, 150.0),
            (Right, 560.0, 360.0, Side::Right, 40.0),
            (RightStart, 560.0, 380.0, Side::Right, 20.0),
            (RightEnd, 560.0, 340.0, Side::Right, 60.0),
            (Left, 240.0, 360.0, Side::Left, 40.0),
            (LeftStart, 240.0, 380.0, Side::Left, 20.0),
            (LeftEnd, 240.0, 340.0, Side::Left, 60.0),
        ];
        for (p, x, y, side, arrow) in cases {
            let got = compute(&req(t, (200.0, 80.0), p));
            assert_eq!((got.x, got.y, got.side, got.arrow, got.hidden), (x, y, side, arrow, false), "{:?}", p);
        }
    }

    #[test]
    fn start_and_end_follow_the_reading_direction() {
        let t = Rect::new(450.0, 380.0, 100.0, 40.0);
        let mut q = req(t, (200.0, 80.0), BottomStart);
        q.rtl = true;
        assert_eq!(compute(&q).x, 350.0, "bottom-start aligns right edges on RTL pages");
        q.placement = TopEnd;
        assert_eq!(compute(&q).x, 450.0);
        q.placement = RightStart;
        assert_eq!((compute(&q).x, compute(&q).y), (560.0, 380.0), "left/right sides are physical");
    }

    #[test]
    fn flips_when_there_is_no_room() {
        // Near the bottom: bottom flips to top.
        let t = Rect::new(450.0, 740.0, 100.0, 40.0);
        let got = compute(&req(t, (200.0, 80.0), Bottom));
        assert_eq!((got.side, got.y), (Side::Top, 650.0));
        // At the right edge: right flips to left.
        let t = Rect::new(900.0, 300.0, 90.0, 40.0);
        let got = compute(&req(t, (200.0, 80.0), Right));
        assert_eq!((got.side, got.x), (Side::Left, 690.0));
        // A full-height target with no room above or below: a side with room.
        let t = Rect::new(0.0, 0.0, 500.0, 800.0);
        let got = compute(&req(t, (200.0, 80.0), Bottom));
        assert_eq!(got.side, Side::Right);
        assert_eq!(got.x, 510.0);
    }

    #[test]
    fn shifts_inside_the_viewport_and_keeps_the_arrow_on_target() {
        // Target at the left edge: a centred tooltip would start at -70; it shifts to the margin,
        // and the arrow moves to stay over the target's centre.
        let t = Rect::new(10.0, 100.0, 60.0, 30.0);
        let got = compute(&req(t, (200.0, 80.0), Bottom));
        assert_eq!((got.x, got.y), (8.0, 140.0));
        assert_eq!(got.arrow, 32.0, "40 (target centre) − 8");
        // The arrow never goes into the tooltip's rounded corner.
        let t = Rect::new(0.0, 100.0, 4.0, 30.0);
        assert_eq!(compute(&req(t, (200.0, 80.0), Bottom)).arrow, 14.0);
    }

    #[test]
    fn hidden_when_scrolled_or_clipped_away_and_anchored_to_the_visible_part() {
        let t = Rect::new(100.0, 100.0, 100.0, 100.0);
        let mut q = req(t, (200.0, 80.0), Bottom);
        q.clip = Rect::new(0.0, 300.0, 1000.0, 300.0);
        assert!(compute(&q).hidden);
        // Half clipped by a scroll container: points at the visible half.
        q.clip = Rect::new(0.0, 0.0, 150.0, 800.0);
        let got = compute(&q);
        assert!(!got.hidden);
        assert_eq!((got.x, got.arrow), (25.0, 100.0), "visible part 100–150: centre 125, tooltip at 25");
    }

    #[test]
    fn centred_steps_and_tiny_viewports() {
        assert_eq!(center(&VP, (300.0, 200.0)), (350.0, 300.0));
        // A 375×667 phone with a tooltip wider than the room: it hugs the margin.
        let phone = Rect::new(0.0, 0.0, 375.0, 667.0);
        let mut q = req(Rect::new(300.0, 50.0, 60.0, 30.0), (340.0, 120.0), Right);
        q.viewport = phone;
        q.clip = phone;
        let got = compute(&q);
        assert_eq!(got.side, Side::Bottom);
        assert_eq!((got.x, got.y), (27.0, 90.0));
        assert!(got.x >= 8.0 && got.x + 340.0 <= 375.0 - 8.0 + 0.5);
    }

    #[test]
    fn cutout() {
        let vp = Rect::new(0.0, 0.0, 800.0, 600.0);
        // No hole: the dimmed square around the origin, not moved.
        assert_eq!(super::cutout(&vp, None, 6.0, 8.0), Cutout { at: (0, 0), d: "M-1600 -1600H1600V1600H-1600Z".into() });
        let c = super::cutout(&vp, Some(&Rect::new(100.0, 50.0, 200.0, 40.0)), 6.0, 8.0);
        assert_eq!(c.at, (100, 50));
        assert_eq!(c.d, "M-1600 -1600H1600V1600H-1600ZM2 -6H198A8 8 0 0 1 206 2V38A8 8 0 0 1 198 46H2A8 8 0 0 1 -6 38V2A8 8 0 0 1 2 -6Z");
        // Scrolling moves the hole: the same path, another translation.
        let moved = super::cutout(&vp, Some(&Rect::new(100.0, -130.0, 200.0, 40.0)), 6.0, 8.0);
        assert_eq!((moved.at, &moved.d), ((100, -130), &c.d));
        // The dimmed area covers the viewport wherever a visible hole is.
        for (x, y, w, h) in [(-199.0, -39.0, 200.0, 40.0), (799.0, 599.0, 200.0, 40.0), (0.0, 0.0, 200.0, 40.0), (-799.0, -599.0, 800.0, 600.0)] {
            let c = super::cutout(&vp, Some(&Rect::new(x, y, w, h)), 6.0, 8.0);
            assert!(c.at.0 - 1600 <= 0 && c.at.0 + 1600 >= 800 && c.at.1 - 1600 <= 0 && c.at.1 + 1600 >= 600, "{:?}", c.at);
        }
        // The radius never exceeds half the hole.
        let c = super::cutout(&vp, Some(&Rect::new(10.0, 10.0, 4.0, 4.0)), 0.0, 20.0);
        assert!(c.d.contains("A2 2"), "{}", c.d);
    }
    #[test]
    fn fit_keeps_tall_tooltips_on_screen() {
        // (target, natural size, placement) → the height limit, and where `compute` then puts it.
        let t = Rect::new(450.0, 100.0, 100.0, 40.0);
        // Fits below as it is: no limit.
        assert_eq!(fit(&req(t, (300.0, 400.0), Bottom)), None);
        // Taller than the room below (800 - 140 - 10 - 8 = 642) and above (100 - 10 - 8 = 82),
        // too wide for the sides: limited to the room below, and placed there.
        let q = req(t, (300.0, 2000.0), Bottom);
        assert_eq!(fit(&q), Some(642.0));
        let p = compute(&Request { size: (300.0, 642.0), ..q });
        assert_eq!((p.side, p.y, p.y + 642.0 <= 800.0 - 8.0), (Side::Bottom, 150.0, true));
        // The same with a preferred top: still the roomier side, below.
        let q = req(t, (300.0, 2000.0), Top);
        assert_eq!(fit(&q), Some(642.0));
        assert_eq!(compute(&Request { size: (300.0, 642.0), ..q }).side, Side::Bottom);
        // Too tall for either side but not the viewport, and no side with MIN_FIT room:
        // no limit; it covers the target, shifted inside the viewport.
        let mid = Rect::new(0.0, 0.0, 1000.0, 300.0);
        let q = Request { viewport: mid, clip: mid, ..req(Rect::new(450.0, 110.0, 100.0, 80.0), (900.0, 250.0), Bottom) };
        assert_eq!(fit(&q), None);
        // Taller than the viewport with no room beside: the viewport minus the margins.
        let q = Request { viewport: mid, clip: mid, ..req(Rect::new(450.0, 110.0, 100.0, 80.0), (900.0, 900.0), Bottom) };
        assert_eq!(fit(&q), Some(284.0));
        let p = compute(&Request { size: (900.0, 284.0), ..q });
        assert_eq!(p.y, 8.0);
        // Beside the target on the right when it is narrow enough and no taller than the viewport.
        let q = req(Rect::new(100.0, 100.0, 100.0, 600.0), (300.0, 700.0), Bottom);
        assert_eq!(fit(&q), None);
        assert_eq!(compute(&q).side, Side::Right);
        // A phone held sideways (667×375), the target near the top: the room below
        // (375 - 90 - 10 - 8).
        let phone = Rect::new(0.0, 0.0, 667.0, 375.0);
        let q = Request { viewport: phone, clip: phone, ..req(Rect::new(10.0, 60.0, 80.0, 30.0), (360.0, 840.0), Bottom) };
        assert_eq!(fit(&q), Some(267.0));
        // Centred cards: the viewport minus the margins, only when taller.
        assert_eq!(fit_centered(&phone, 300.0, 8.0), None);
        assert_eq!(fit_centered(&phone, 841.0, 8.0), Some(359.0));
    }

    #[test]
    fn clip_shapes_from_computed_values() {
        let b = Rect::new(10.0, 20.0, 100.0, 50.0);
        let r = |x, y, w, h| Some(Rect::new(x, y, w, h));
        for (value, want) in [
            ("none", None),
            ("auto", None),
            ("url(\"#shape\")", None),
            ("path(\"M 0 0 L 10 10\")", None),
            ("inset(calc(50% * 2))", None),
            ("inset(calc((50% - 1px)))", None),
            ("inset(10px", None),
            ("circle(1px 2px)", None),
            ("ellipse(10px)", None),
            ("circle(10px at 50%)", None),
            ("polygon(0px 0px, 10px)", None),
            ("polygon(evenodd)", None),
            ("circle(closest-corner)", None),
            ("inset(0px 0px 0px 0px 0px)", None),
            ("rect(0px, 0px, 0px)", None),
            ("inset(10px)", r(20.0, 30.0, 80.0, 30.0)),
            ("inset(10px 20px)", r(30.0, 30.0, 60.0, 30.0)),
            ("inset(10px 20px 5px)", r(30.0, 30.0, 60.0, 35.0)),
            ("inset(1px 2px 3px 4px round 5px)", r(14.0, 21.0, 94.0, 46.0)),
            // The visually hidden pattern and a menu revealed from the top: nothing seen.
            ("inset(50%)", r(60.0, 45.0, 0.0, 0.0)),
            ("inset(0px 0px 100%)", r(10.0, 20.0, 100.0, 0.0)),
            // Percentages along the width for left and right, the height for top and bottom.
            ("inset(0 0 50% 25%)", r(35.0, 20.0, 75.0, 25.0)),
            ("inset(60% 0px 60%)", r(10.0, 50.0, 100.0, 0.0)),
            ("rect(0px, 0px, 0px, 0px)", r(10.0, 20.0, 0.0, 0.0)),
            ("rect(0px 100px 50px 0px)", r(10.0, 20.0, 100.0, 50.0)),
            ("rect(auto, auto, 10px, auto)", r(10.0, 20.0, 100.0, 10.0)),
            ("rect(5px, 40px, 30px, 20px)", r(30.0, 25.0, 20.0, 25.0)),
            // calc() of % and px; a reference box after the shape.
            ("inset(calc(50% - 1px))", r(59.0, 44.0, 2.0, 2.0)),
            ("inset(calc(10px + 10%) 0px 0px) padding-box", r(10.0, 35.0, 100.0, 35.0)),
            // Circles and ellipses: their bounds. The centre by default, or `at` x y.
            ("circle(0%)", r(60.0, 45.0, 0.0, 0.0)),
            ("circle(0% at 100% 0%)", r(110.0, 20.0, 0.0, 0.0)),
            ("circle(10px at 10px 20px)", r(10.0, 30.0, 20.0, 20.0)),
            ("circle()", r(35.0, 20.0, 50.0, 50.0)),
            ("circle(farthest-side at 0px 0px)", r(-90.0, -80.0, 200.0, 200.0)),
            ("circle(50%) border-box", r(60.0 - 39.528_470_752_104_74, 45.0 - 39.528_470_752_104_74, 79.056_941_504_209_48, 79.056_941_504_209_48)),
            ("ellipse(20% 30% at 0px 100%)", r(-10.0, 55.0, 40.0, 30.0)),
            ("ellipse()", r(10.0, 20.0, 100.0, 50.0)),
            ("ellipse(farthest-side closest-side at 25% 50%)", r(-40.0, 20.0, 150.0, 50.0)),
            ("circle(calc(10% + 5px) at 50% 50%)", r(60.0 - 12.905_694_150_420_949, 45.0 - 12.905_694_150_420_949, 25.811_388_300_841_898, 25.811_388_300_841_898)),
            // Polygons: their bounds; a collapsed one shows nothing.
            ("polygon(0px 0px, 100% 0px, 100% 0px, 0px 0px)", r(10.0, 20.0, 100.0, 0.0)),
            ("polygon(evenodd, 10px 20%, calc(50% + 4px) 0px, 0px 100%)", r(10.0, 20.0, 54.0, 50.0)),
            ("polygon(50% 0px, 100% 50%, 50% 100%, 0px 50%) padding-box", r(10.0, 20.0, 100.0, 50.0)),
        ] {
            assert_eq!(clip_shape(value, b, 1.0), want, "{value}");
        }
        // On a page zoomed with CSS, px lengths scale with the zoom (the box is in viewport px);
        // percentages are of the box already.
        let z = Rect::new(0.0, 0.0, 125.0, 125.0);
        for (value, want) in [
            ("inset(0px 0px 60px)", r(0.0, 0.0, 125.0, 50.0)),
            ("inset(0px 0px 50%)", r(0.0, 0.0, 125.0, 62.5)),
            ("inset(calc(10% + 8px) 0px 0px)", r(0.0, 22.5, 125.0, 102.5)),
            ("circle(20px at 0px 0px)", r(-25.0, -25.0, 50.0, 50.0)),
            ("polygon(0px 0px, 40px 0px, 40px 8px)", r(0.0, 0.0, 50.0, 10.0)),
            ("rect(0px, 40px, 40px, 0px)", r(0.0, 0.0, 50.0, 50.0)),
            ("rect(auto, auto, 8px, auto)", r(0.0, 0.0, 125.0, 10.0)),
        ] {
            assert_eq!(clip_shape(value, z, 1.25), want, "{value} at zoom 1.25");
        }
    }
}
