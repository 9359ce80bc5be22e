// Plain JS exact top-k: what a storefront would write without wasm.

/** Insert (s, i) into the sorted top-k arrays; returns the new worst score. */
function insert(hs, hi, k, s, i) {
  let p = k - 1;
  while (p > 0 && hs[p - 1] < s) {
    hs[p] = hs[p - 1];
    hi[p] = hi[p - 1];
    p--;
  }
  hs[p] = s;
  hi[p] = i;
  return hs[k - 1];
}

/** Float32Array rows, plain loop. Returns item indices, best first. */
export function jsTopKF32(rows, n, d, q, k = 10) {
  const hs = new Float64Array(k).fill(-Infinity);
  const hi = new Int32Array(k).fill(-1);
  let worst = -Infinity;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += rows[o + j] * q[j];
    if (s > worst) worst = insert(hs, hi, k, s, i);
  }
  return Array.from(hi);
}

/** Float32Array rows, inner loop unrolled by four. */
export function jsTopKF32Unrolled(rows, n, d, q, k = 10) {
  const hs = new Float64Array(k).fill(-Infinity);
  const hi = new Int32Array(k).fill(-1);
  let worst = -Infinity;
  const d4 = d & ~3;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      s0 += rows[o + j] * q[j];
      s1 += rows[o + j + 1] * q[j + 1];
      s2 += rows[o + j + 2] * q[j + 2];
      s3 += rows[o + j + 3] * q[j + 3];
    }
    let s = s0 + s1 + s2 + s3;
    for (; j < d; j++) s += rows[o + j] * q[j];
    if (s > worst) worst = insert(hs, hi, k, s, i);
  }
  return Array.from(hi);
}

/** Int8Array rows with per-row scales, f32 query. */
export function jsTopKI8(rows, scales, n, d, q, k = 10) {
  const hs = new Float64Array(k).fill(-Infinity);
  const hi = new Int32Array(k).fill(-1);
  let worst = -Infinity;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += rows[o + j] * q[j];
    s *= scales[i];
    if (s > worst) worst = insert(hs, hi, k, s, i);
  }
  return Array.from(hi);
}
