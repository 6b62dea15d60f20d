// A uniform grid over graph coordinates: which laid-out boxes lie in a rectangle (culling what
// the canvas draws) or under a point (hit testing a click or a hover), without scanning every
// node. Built once per layout by graph/view.js (and graph/timeline.js does not need it: its rows
// are found by arithmetic). No DOM.

const CELL = 512;

export class GridIndex {
  /**
   * @param {{x: number, y: number, w: number, h: number}[]} boxes laid-out nodes
   */
  constructor(boxes) {
    this.cells = new Map();
    this.boxes = boxes;
    this.stamp = 0;
    this.marks = new Uint32Array(boxes.length);
    boxes.forEach((b, i) => {
      const [x0, y0, x1, y1] = this.span(b.x, b.y, b.x + b.w, b.y + b.h);
      for (let cx = x0; cx <= x1; cx++) {
        for (let cy = y0; cy <= y1; cy++) {
          const key = cx * 65536 + cy;
          let cell = this.cells.get(key);
          if (!cell) this.cells.set(key, (cell = []));
          cell.push(i);
        }
      }
    });
  }

  span(x0, y0, x1, y1) {
    return [
      Math.floor(x0 / CELL),
      Math.floor(y0 / CELL),
      Math.floor(x1 / CELL),
      Math.floor(y1 / CELL),
    ];
  }

  /** Boxes overlapping the rectangle, each once (all of them when it covers most cells). */
  query(x0, y0, x1, y1) {
    const [cx0, cy0, cx1, cy1] = this.span(x0, y0, x1, y1);
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > this.cells.size) {
      return this.boxes.filter((b) => b.x < x1 && b.x + b.w > x0 && b.y < y1 && b.y + b.h > y0);
    }
    const out = [];
    const stamp = ++this.stamp;
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const cell = this.cells.get(cx * 65536 + cy);
        if (!cell) continue;
        for (const i of cell) {
          if (this.marks[i] === stamp) continue;
          this.marks[i] = stamp;
          const b = this.boxes[i];
          if (b.x < x1 && b.x + b.w > x0 && b.y < y1 && b.y + b.h > y0) out.push(b);
        }
      }
    }
    return out;
  }

  /** The box under a point, within `slop` graph units of it (small dots are hard to hit). */
  at(x, y, slop = 0) {
    let best = null;
    let bestDist = Infinity;
    for (const b of this.query(x - slop, y - slop, x + slop, y + slop)) {
      const dx = Math.max(b.x - x, 0, x - (b.x + b.w));
      const dy = Math.max(b.y - y, 0, y - (b.y + b.h));
      const dist = dx * dx + dy * dy;
      if (dist <= slop * slop && dist < bestDist) {
        best = b;
        bestDist = dist;
      }
    }
    return best;
  }
}
