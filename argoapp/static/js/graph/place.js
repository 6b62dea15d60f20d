// The coordinate passes of the workflow graph's layout: graph/layout.js, having found each
// node's layer and its order within the layer (and graph/wrap.js having grouped wrapped
// fan-outs into blocks), calls placeX() to give every box a centre x and finish() to turn the
// layers into the final boxes, edges and size. Pure, no DOM, linear in the node count: one
// packing sweep, one sweep down pulling nodes toward their parents and one up centring parents
// over their children, each settling a layer by isotonic regression (no iteration to a fixed
// point). It must not change the layers or the order: the keyboard moves by them.

import { COL_GAP, MARGIN, NODE_H, ROW_GAP } from "./layout.js";
import { centreOf, placeBlock } from "./wrap.js";

// ---- x: packed per layer, pulled toward the parents, then parents centred over children ------

/** Give each node of the (ordered) layers a centre x: packed, pulled toward the parents,
 *  then parents centred over their children. */
export function placeX(layers) {
  for (const row of layers) {
    let x = 0;
    for (const n of row) {
      n.cx = x + n.w / 2;
      x += n.w + COL_GAP;
    }
  }
  for (let l = 1; l < layers.length; l++) {
    settle(layers[l], (n) => meanX(n.parents, (p) => p.layer < l, n.cx));
  }
  for (let l = layers.length - 2; l >= 0; l--) {
    settle(layers[l], (n) => meanX(n.children, (c) => c.layer > l, n.cx));
  }
}

function meanX(list, keep, fallback) {
  let sum = 0;
  let count = 0;
  for (const m of list) {
    if (keep(m)) {
      sum += centreOf(m);
      count++;
    }
  }
  return count ? sum / count : fallback;
}

// Closest positions to the wanted centres that keep the layer's order and gaps: isotonic
// regression by pooling adjacent violators, linear in the layer's length.
function settle(row, wanted) {
  const shift = new Float64Array(row.length);
  for (let i = 1; i < row.length; i++) {
    shift[i] = shift[i - 1] + (row[i - 1].w + row[i].w) / 2 + COL_GAP;
  }
  const blocks = [];
  for (let i = 0; i < row.length; i++) {
    let block = { sum: wanted(row[i]) - shift[i], count: 1, start: i };
    while (blocks.length) {
      const top = blocks[blocks.length - 1];
      if (top.sum / top.count <= block.sum / block.count) break;
      blocks.pop();
      block = { sum: top.sum + block.sum, count: top.count + block.count, start: top.start };
    }
    blocks.push(block);
  }
  for (const b of blocks) {
    const base = b.sum / b.count;
    for (let i = b.start; i < b.start + b.count; i++) row[i].cx = base + shift[i];
  }
}

// ---- final coordinates -----------------------------------------------------------------------

// `rows` are the layers as placed (a wrapped fan-out as one block); a layer is as tall as its
// tallest block, and the layers below move down by that.
export function finish(layers, rows, edges, hiddenBy) {
  let minX = Infinity;
  let maxX = -Infinity;
  for (const row of rows) {
    if (!row.length) continue;
    minX = Math.min(minX, row[0].cx - row[0].w / 2);
    const last = row[row.length - 1];
    maxX = Math.max(maxX, last.cx + last.w / 2);
  }
  if (!Number.isFinite(minX)) minX = maxX = 0;
  const out = [];
  const index = new Map();
  const keep = (n) => {
    delete n.cx;
    delete n.key;
    delete n.rank;
    out.push(n);
    index.set(n.id, n);
  };
  let top = MARGIN;
  for (const row of rows) {
    let tall = NODE_H;
    for (const n of row) {
      const left = n.cx - n.w / 2 - minX + MARGIN;
      if (n.block) {
        placeBlock(n, left, top);
        n.members.forEach(keep);
        tall = Math.max(tall, n.h);
        continue;
      }
      n.x = Math.round(left);
      n.y = top + (NODE_H - n.h) / 2;
      keep(n);
    }
    top += tall + ROW_GAP;
  }
  return {
    nodes: out,
    edges,
    layers,
    index,
    hiddenBy,
    width: Math.ceil(maxX - minX + 2 * MARGIN),
    height: Math.max(2 * MARGIN, top - ROW_GAP + MARGIN),
  };
}
