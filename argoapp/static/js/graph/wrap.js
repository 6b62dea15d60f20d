// Wrapping an expanded large fan-out: graph/layout.js calls blockRows() after ordering its
// layers, so a run of more than WRAP siblings that share one parent (the children of a fan-out
// the user expanded) is placed as one block of rows of WRAP under that parent instead of one
// row thousands of boxes wide. placeBlock() then gives the block's members their boxes. Linear
// in the node count; no DOM. The layers themselves (and each node's layer and order, which the
// keyboard moves by) are left as they are: only the coordinates wrap.

import { COL_GAP, NODE_H, NODE_W, ROW_GAP } from "./layout.js";

export const WRAP = 25;

/** The layers with every long run of one parent's children replaced by a block node. */
export function blockRows(layers) {
  return layers.map((row) => {
    const out = [];
    let i = 0;
    while (i < row.length) {
      const parent = soleParent(row[i]);
      let j = i + 1;
      if (parent) while (j < row.length && soleParent(row[j]) === parent) j++;
      if (parent && j - i > WRAP) {
        out.push(makeBlock(row.slice(i, j), parent));
        i = j;
      } else {
        out.push(row[i]);
        i++;
      }
    }
    return out;
  });
}

function soleParent(n) {
  return n.parents.length === 1 ? n.parents[0] : null;
}

// A block stands in the row for its members: as wide as WRAP cells, as tall as its rows; its
// children are the members' children, so the placement pulls it and them toward each other.
function makeBlock(members, parent) {
  const cols = Math.min(WRAP, members.length);
  const rows = Math.ceil(members.length / WRAP);
  const children = new Set();
  const block = {
    block: true,
    members,
    parents: [parent],
    children: [],
    w: cols * NODE_W + (cols - 1) * COL_GAP,
    h: rows * NODE_H + (rows - 1) * ROW_GAP,
    layer: members[0].layer,
  };
  for (const m of members) {
    m.block = block;
    for (const c of m.children) children.add(c);
  }
  block.children = [...children];
  return block;
}

/** A node's centre during placement: a block member's is its block's. */
export function centreOf(n) {
  return n.block ? n.block.cx : n.cx;
}

/** Give a block's members their boxes: WRAP to a row, from the block's left edge and `top`. */
export function placeBlock(block, left, top) {
  block.members.forEach((m, i) => {
    const col = i % WRAP;
    const row = Math.floor(i / WRAP);
    m.x = Math.round(left + col * (NODE_W + COL_GAP) + (NODE_W - m.w) / 2);
    m.y = top + row * (NODE_H + ROW_GAP) + (NODE_H - m.h) / 2;
    delete m.block;
  });
}
