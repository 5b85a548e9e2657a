"""A small axe-style colour-contrast check over computed styles in Chromium.

For every visible element with its own text, the text colour is compared with the
background actually behind it (the first ancestor with an opaque background colour,
alpha blended) by the WCAG 2 formula. Normal text needs 4.5:1, large text (24 px, or
18.66 px bold) 3:1. Disabled controls and visually hidden text are left out, as axe does.
"""

CONTRAST_SCRIPT = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const blend = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let color = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) color = blend(layers[i], color);
    return color;
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none") continue;
    if (box.width < 2 || box.height < 2) continue;
    if (el.closest("[disabled], [aria-hidden=true], .visually-hidden, .sr-only, svg")) continue;
    let fg = parse(style.color);
    const bg = background(el);
    fg = blend(fg, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const needed = large ? 3 : 4.5;
    if (ratio + 0.005 < needed) {
      const text = el.textContent.trim().slice(0, 40);
      const name = `${el.tagName.toLowerCase()}.${el.className}`;
      failures.push(`${name} "${text}" ${ratio.toFixed(2)}:1 (needs ${needed})`);
    }
  }
  return failures;
}
"""


def contrast_failures(page) -> list[str]:
    return page.evaluate(CONTRAST_SCRIPT)
